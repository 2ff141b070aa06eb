from datetime import date

import pytest
from sqlalchemy import select

from crm.contacts.models import Organization
from crm.core.audit import AuditEntry
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.events.imports import pipeline
from crm.events.models import Activity
from tests.events.helpers import count, table, write_csv
from tests.factories import load_program, make_activity, make_organization

HEADER = ["fecha", "accion", "titulo", "tipo", "modalidad", "organizaciones"]


@pytest.fixture
def program(app):
    return load_program(2025)


def run(tmp_path, rows, **kwargs):
    return pipeline.import_activities(table(tmp_path, [HEADER, *rows]), **kwargs)


def test_creates_activities_and_skips_them_on_a_second_import(program, tmp_path):
    rows = [["2025-01-20", "AI2.2", "Boletín internacional de enero", "difusión", "virtual", ""],
            ["2025-02-14", "AI4.1", "Reunión con la Red Voto Chilango", "reunión", "presencial", ""]]
    first = run(tmp_path, rows)
    assert (first.created, first.skipped) == (2, 0)
    second = run(tmp_path, rows)
    assert (second.created, second.skipped) == (0, 2)
    assert count(Activity) == 2
    activity = db.session.scalar(select(Activity).where(Activity.title == "Boletín internacional de enero"))
    assert (activity.date, activity.action_line.code, activity.type, activity.modality) == (
        date(2025, 1, 20), "AI2.2", "difusion", "virtual")


def test_equality_ignores_case_accents_and_surrounding_spaces(program, tmp_path):
    make_activity("AI2.2", date(2025, 1, 20), title="Boletín internacional de enero")
    result = run(tmp_path, [["2025-01-20", " ai2.2 ", "  BOLETIN Internacional de Enero ", "", "", ""]])
    assert (result.created, result.skipped) == (0, 1)
    assert count(Activity) == 1


def test_a_different_date_line_or_title_is_a_new_activity(program, tmp_path):
    make_activity("AI2.2", date(2025, 1, 20), title="Boletín")
    result = run(tmp_path, [["2025-01-21", "AI2.2", "Boletín", "", "", ""],
                            ["2025-01-20", "AI2.1", "Boletín", "", "", ""],
                            ["2025-01-20", "AI2.2", "Boletín 2", "", "", ""]])
    assert (result.created, result.skipped) == (3, 0)


def test_a_repeated_row_in_the_same_file_is_skipped(program, tmp_path):
    result = run(tmp_path, [["2025-03-03", "AI3.1", "Foro de democracia", "foro", "", ""],
                            ["2025-03-03", "AI3.1", "foro de democrácia", "Foro", "", ""]])
    assert (result.created, result.skipped) == (1, 1)
    assert count(Activity) == 1


@pytest.mark.parametrize(("tipo", "modalidad", "want"), [
    ("difusión", "híbrida", ("difusion", "hibrida")),
    ("DIFUSION", "Hibrida", ("difusion", "hibrida")),
    ("misión de observación", "Virtual", ("mision_observacion", "virtual")),
    ("Mision de Observacion", "PRESENCIAL", ("mision_observacion", "presencial")),
    ("mision_observacion", "", ("mision_observacion", None)),
    ("", "", (None, None)),
])
def test_type_and_modality_ignore_case_and_accents(program, tmp_path, tipo, modalidad, want):
    run(tmp_path, [["2025-05-05", "AI2.4", "Misión", tipo, modalidad, ""]])
    activity = db.session.scalar(select(Activity))
    assert (activity.type, activity.modality) == want


def test_every_problem_is_reported_by_row_and_nothing_is_written(program, tmp_path):
    rows = [["2025-01-20", "AI2.2", "Bien", "", "", "Universidad Nueva"],
            ["2025-13-01", "AI2.2", "Fecha imposible", "", "", ""],
            ["20/01/2025", "AI2.2", "Fecha con otro formato", "", "", ""],
            ["2025-02-01", "AI9.1", "Código desconocido", "", "", ""],
            ["2025-02-01", "AI2.2", "Tipo raro", "asamblea", "a distancia", ""],
            ["2025-02-01", "", "", "", "", ""]]
    with pytest.raises(ImportProblems) as caught:
        run(tmp_path, rows)
    problems = [str(p) for p in caught.value.problems]
    assert [p for p in problems if p.startswith("row 2:")] == []
    assert any(p.startswith("row 3: fecha: ") for p in problems)
    assert any(p.startswith("row 4: fecha: ") for p in problems)
    assert any(p.startswith("row 5: accion: ") and "AI9.1" in p for p in problems)
    assert any(p.startswith("row 6: tipo: ") for p in problems)
    assert any(p.startswith("row 6: modalidad: ") for p in problems)
    assert any(p.startswith("row 7: accion: ") for p in problems)
    assert any(p.startswith("row 7: titulo: ") for p in problems)
    assert count(Activity) == 0
    assert count(Organization) == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activities.import")) is None


def test_the_code_must_belong_to_the_program_of_the_year_of_the_date(program, tmp_path):
    with pytest.raises(ImportProblems) as caught:
        run(tmp_path, [["2026-01-10", "AI2.2", "Sin programa 2026", "", "", ""]])
    assert len(caught.value.problems) == 1
    assert str(caught.value.problems[0]).startswith("row 2: accion: ")
    assert "2026" in str(caught.value.problems[0])


def test_unknown_and_missing_columns_are_reported_on_row_1(program, tmp_path):
    with pytest.raises(ImportProblems) as caught:
        pipeline.import_activities(table(tmp_path, [["fecha", "titulo", "lugar"], ["2025-01-01", "x", "y"]]))
    problems = [str(p) for p in caught.value.problems]
    assert "row 1: lugar: columna desconocida; las columnas son: fecha, accion, titulo, tipo, modalidad, " \
           "organizaciones" in problems
    assert any(p.startswith("row 1: accion: ") for p in problems)


def test_header_names_ignore_case_and_accents(program, tmp_path):
    result = pipeline.import_activities(table(tmp_path, [["Fecha", "Acción", "Título"],
                                                         ["2025-01-20", "AI2.2", "Boletín"]]))
    assert result.created == 1


def test_organizations_are_matched_by_name_or_acronym_and_created_when_new(program, tmp_path):
    existing = make_organization("Universidad Nacional Autónoma de México", acronym="UNAM")
    rows = [["2025-04-10", "AI3.1", "Conversatorio", "conversatorio", "",
             "unam; Instituto Nacional Electoral (INE) ; ine;Organización Cívica"],
            ["2025-04-11", "AI3.1", "Seminario", "seminario", "", "universidad nacional autonoma de mexico;INE"]]
    result = run(tmp_path, rows)
    assert (result.created, result.organizations_created) == (2, 2)
    names = sorted(o.display_name for o in db.session.scalars(select(Organization)))
    assert names == ["Instituto Nacional Electoral (INE)", "Organización Cívica",
                     "Universidad Nacional Autónoma de México (UNAM)"]
    first = db.session.scalar(select(Activity).where(Activity.title == "Conversatorio"))
    assert sorted(o.name for o in first.organizations) == ["Instituto Nacional Electoral", "Organización Cívica",
                                                           existing.name]
    second = db.session.scalar(select(Activity).where(Activity.title == "Seminario"))
    assert sorted(o.name for o in second.organizations) == ["Instituto Nacional Electoral", existing.name]


def test_dry_run_reports_and_writes_nothing(program, tmp_path):
    result = run(tmp_path, [["2025-01-20", "AI2.2", "Boletín", "", "", "Organización Nueva"]], dry_run=True)
    assert (result.created, result.skipped, result.organizations_created) == (1, 0, 1)
    assert count(Activity) == 0
    assert count(Organization) == 0


def test_import_is_audited(program, tmp_path):
    run(tmp_path, [["2025-01-20", "AI2.2", "Boletín", "", "", ""]], actor="prueba")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activities.import"))
    assert entry.actor_label == "prueba"
    assert entry.details["created"] == 1


# --------------------------------------------------------------------------- the command


def test_command_prints_the_counts_last(app, program, tmp_path):
    path = write_csv(tmp_path, [HEADER, ["2025-01-20", "AI2.2", "Boletín", "difusión", "virtual", ""]])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["activities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "created 1, skipped 0"
    again = runner.invoke(args=["activities", "import", str(path)])
    assert again.output.strip().splitlines()[-1] == "created 0, skipped 1"


def test_command_dry_run_ends_with_nothing_written(app, program, tmp_path):
    path = write_csv(tmp_path, [HEADER, ["2025-01-20", "AI2.2", "Boletín", "", "", ""]])
    result = app.test_cli_runner().invoke(args=["activities", "import", str(path), "--dry-run"])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-2:] == ["created 1, skipped 0", "dry run: nothing written"]
    assert count(Activity) == 0


def test_command_with_problems_exits_1(app, program, tmp_path):
    path = write_csv(tmp_path, [HEADER, ["2025-02-30", "AI2.2", "Boletín", "", "", ""]])
    result = app.test_cli_runner().invoke(args=["activities", "import", str(path), "--dry-run"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("row 2: fecha: ")
    assert lines[-1] == "dry run: nothing written"


@pytest.mark.parametrize(("name", "content"), [("missing.csv", None), ("data.txt", b"x"),
                                                ("latin.csv", "fecha,accion,titulo\n2025-01-01,AI2.2,Año\n".encode("latin-1"))])
def test_unreadable_file_gives_one_clear_line(app, tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["activities", "import", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_xlsx_with_date_cells(app, program, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([date(2025, 6, 3), "AI4.2", "Cápsula para la diáspora", "Difusión", "Virtual", "IECM"])
    path = tmp_path / "actividades.xlsx"
    workbook.save(path)
    result = app.test_cli_runner().invoke(args=["activities", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "created 1, skipped 0"
    activity = db.session.scalar(select(Activity))
    assert (activity.date, activity.type, [o.name for o in activity.organizations]) == (
        date(2025, 6, 3), "difusion", ["IECM"])
