"""`flask contacts import FILE [--dry-run]` and `flask contacts export FILE`: output lines per CONTRACTS.md."""

from __future__ import annotations

import csv

from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.core.extensions import db
from tests.contacts.conftest import person_row
from tests.factories import make_person


def people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def lines(result) -> list[str]:
    return result.stdout.strip().splitlines()


def test_import_prints_counts_last(app, contacts_file):
    make_person(email="rosa.tellez@gmail.com")
    path = contacts_file([person_row(), person_row(correo="b@example.org")])
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "created 1, updated 1"
    assert people() == 2


def test_dry_run_prints_the_report_and_writes_nothing(app, contacts_file):
    path = contacts_file([person_row(), person_row(correo="b@example.org")])
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert lines(result) == ["created 2, updated 0", "dry run: nothing written"]
    assert people() == 0


def test_problems_exit_1_one_line_each_and_nothing_written(app, contacts_file):
    path = contacts_file([person_row(correo="ana.ruiz@"), person_row(correo="b@example.org", alcaldia="Toluca"),
                          person_row(correo="c@example.org")])
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path)])
    assert result.exit_code == 1
    assert lines(result) == [
        "row 2: correo: dirección no válida «ana.ruiz@»: falta el dominio después de la @",
        "row 3: alcaldia: alcaldía no reconocida «Toluca»: debe ser una de las 16 alcaldías de la Ciudad de México",
    ]
    assert "Traceback" not in result.output and people() == 0


def test_dry_run_with_problems(app, contacts_file):
    path = contacts_file([person_row(sexo="x")])
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path), "--dry-run"])
    assert result.exit_code == 1
    assert lines(result)[0].startswith("row 2: sexo: ")
    assert lines(result)[-1] == "dry run: nothing written"


def test_unreadable_file_is_one_clear_line(app, tmp_path):
    runner = app.test_cli_runner()
    for path, text in ((tmp_path / "falta.csv", None), (tmp_path / "latin.csv", "nombre\nJosé\n".encode("latin-1")),
                       (tmp_path / "datos.txt", b"nombre\n"), (tmp_path / "roto.xlsx", b"PK\x03\x04basura")):
        if text is not None:
            path.write_bytes(text)
        result = runner.invoke(args=["contacts", "import", str(path)])
        assert result.exit_code == 1
        assert len(result.output.strip().splitlines()) == 1 and result.output.startswith("error: ")
        assert "Traceback" not in result.output


def test_export_command(app, tmp_path):
    make_person("Ana", "Ruiz", email="ana@example.org", phone="+525522334455")
    path = tmp_path / "contactos.csv"
    result = app.test_cli_runner().invoke(args=["contacts", "export", str(path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig")))
    assert [(r["nombre"], r["telefono"]) for r in rows] == [("Ana", "+525522334455")]
    bad = app.test_cli_runner().invoke(args=["contacts", "export", str(tmp_path / "x.json")])
    assert bad.exit_code == 1 and bad.output.startswith("error: ")


def test_progress_goes_to_stderr_only(app, contacts_file, monkeypatch):
    from crm.contacts.imports import cli

    monkeypatch.setattr(cli, "PROGRESS_FROM", 2)
    path = contacts_file([person_row(correo=f"p{i}@example.org") for i in range(3)])
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert lines(result) == ["created 3, updated 0"]
