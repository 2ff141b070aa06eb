"""`flask program reference load`: the built-in 2025 figures, files that break rules (nothing written), the
replacement of a year's figures per kind, and the database's own constraints."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.program.reference import services
from crm.program.reference.models import ReferenceFigure


def _count(year: int | None = None) -> int:
    query = select(func.count(ReferenceFigure.id))
    return db.session.scalar(query if year is None else query.where(ReferenceFigure.year == year))


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["program", "reference", "load", *args])


def test_the_builtin_2025_figures_are_the_program_documents(app):
    result = _run(app, "--year", "2025")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["credenciales_extranjero_pais: 9", "lista_nominal_alcaldia: 16", "loaded 25"]
    nominal = services.figures(2025, "lista_nominal_alcaldia")
    assert len(nominal) == 16 and nominal["Iztapalapa"].value == 1502306 and nominal["Milpa Alta"].value == 118472
    assert sum(f.value for f in nominal.values()) == 7816301  # the document's sixteen figures
    abroad = services.figures(2025, "credenciales_extranjero_pais")
    assert abroad["US"].value == 108315 and "126,388 por el porcentaje de cada país" in abroad["US"].source
    assert sum(f.value for f in abroad.values()) == 120701  # 95.5 % of 126,388; the "rest" (4.4 %) is no country
    assert _run(app, "--year", "2025").exit_code == 0 and _count() == 25  # loading again replaces, adds nothing
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reference_figures.load")).first()
    assert entry.details["figures"] == 25 and entry.actor_label == "línea de comandos"


def test_no_builtin_figures_for_another_year(app):
    result = _run(app, "--year", "2026")
    assert result.exit_code == 1 and result.output == "error: no hay cifras de referencia incluidas para 2026: " \
                                                      "indique un archivo\n"


def test_a_csv_file_replaces_the_years_figures_of_its_kinds_only(app, tmp_path):
    assert _run(app, "--year", "2025").exit_code == 0
    path = tmp_path / "cifras.csv"
    path.write_text("kind,key,value,source\nlista_nominal_alcaldia,Tlalpan,\"600,000\",Actualización\n"
                    "lista_nominal_alcaldia,coyoacan,500000,\n", encoding="utf-8")
    result = _run(app, str(path), "--year", "2025")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "loaded 2"
    assert {k: f.value for k, f in services.figures(2025, "lista_nominal_alcaldia").items()} == {
        "Tlalpan": 600000, "Coyoacán": 500000}
    assert len(services.figures(2025, "credenciales_extranjero_pais")) == 9  # another kind: untouched


def test_a_file_with_problems_writes_nothing_and_reports_every_row(app, tmp_path):
    path = tmp_path / "mal.csv"
    path.write_text("kind,key,value,source\nlista_nominal_alcaldia,Tlalpan,10,\nlista_nominal_alcaldia,Ecatepec,5,\n"
                    "credenciales_extranjero_pais,US,diez,\n", encoding="utf-8")
    result = _run(app, str(path), "--year", "2030")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "row 3: key: «Ecatepec» no es una alcaldía de la Ciudad de México",
        "row 4: value: «diez» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)"]
    assert _count() == 0


def test_a_yaml_file_and_a_dry_run(app, tmp_path):
    path = tmp_path / "cifras.yaml"
    path.write_text("- {kind: credenciales_extranjero_pais, key: España, value: 2781, source: Programa}\n"
                    "- {kind: credenciales_extranjero_pais, key: CA, value: 5056}\n", encoding="utf-8")
    result = _run(app, str(path), "--year", "2026", "--dry-run")
    assert result.exit_code == 0 and result.output.splitlines()[-2:] == ["loaded 2", "dry run: nothing written"]
    assert _count() == 0
    assert _run(app, str(path), "--year", "2026").exit_code == 0
    assert {k: f.value for k, f in services.figures(2026, "credenciales_extranjero_pais").items()} == {
        "ES": 2781, "CA": 5056}
    bad = tmp_path / "mal.yaml"
    bad.write_text("- {kind: credenciales_extranjero_pais, key: CA, value: -1}\n- [1, 2]\n", encoding="utf-8")
    result = _run(app, str(bad), "--year", "2026")
    assert result.exit_code == 1 and result.output.splitlines() == [
        "row 1: value: «-1» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)",
        "row 2: (fila): se esperaba un objeto con kind, key, value y source"]
    assert _count(2026) == 2


@pytest.mark.parametrize("year", ["1999", "2201"])
def test_the_year_is_bounded(app, tmp_path, year):
    path = tmp_path / "c.csv"
    path.write_text("kind,key,value\nlista_nominal_alcaldia,Tlalpan,1\n", encoding="utf-8")
    result = _run(app, str(path), "--year", year)
    assert result.exit_code == 1 and result.output == "error: el año debe estar entre 2000 y 2200\n"


def test_unreadable_files_are_one_line(app, tmp_path):
    assert _run(app, str(tmp_path / "no.csv"), "--year", "2025").output.startswith("error: no existe el archivo")
    (tmp_path / "x.yaml").write_text("- [", encoding="utf-8")
    assert _run(app, str(tmp_path / "x.yaml"), "--year", "2025").output.startswith("error: x.yaml no es YAML válido")


@pytest.mark.parametrize("values", [
    {"value": -1}, {"kind": "poblacion"}, {"key": ""}, {"year": 1990},
])
def test_the_database_holds_the_rules_too(app, values):
    row = {"year": 2025, "kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": 1, "source": ""} | values
    db.session.add(ReferenceFigure(**row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_figure_per_year_kind_and_key_in_the_database(app):
    db.session.add(ReferenceFigure(year=2025, kind="lista_nominal_alcaldia", key="Tlalpan", value=1))
    db.session.commit()
    db.session.add(ReferenceFigure(year=2025, kind="lista_nominal_alcaldia", key="Tlalpan", value=2))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
