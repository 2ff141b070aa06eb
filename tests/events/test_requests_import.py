from datetime import date

import pytest
from sqlalchemy import select

from crm.contacts.models import Organization
from crm.core.audit import AuditEntry
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.core.text import fold
from crm.events.imports import pipeline
from crm.events.models import PartnerRequest
from tests.events.helpers import count, table, write_csv
from tests.factories import load_program, make_organization

HEADER = ["recibida", "atendida", "solicitante", "asunto", "accion"]


@pytest.fixture
def program(app):
    return load_program(2025)


def run(tmp_path, rows, **kwargs):
    return pipeline.import_requests(table(tmp_path, [HEADER, *rows]), **kwargs)


def requests():
    return list(db.session.scalars(select(PartnerRequest).order_by(PartnerRequest.id)))


def test_creates_requests_and_the_requesting_organization_once(program, tmp_path):
    result = run(tmp_path, [["2025-01-08", "2025-01-10", "Instituto Nacional Electoral (INE)", "Informe de sesiones",
                             "AI1.2"],
                            ["2025-04-02", "", "INE", "Actualización del sistema de vinculación", "AI1.3"]])
    assert (result.created, result.updated, result.skipped) == (2, 0, 0)
    organizations = list(db.session.scalars(select(Organization)))
    assert [(o.name, o.acronym) for o in organizations] == [("Instituto Nacional Electoral", "INE")]
    first, second = requests()
    assert (first.received_on, first.attended_on, first.action_line.code) == (date(2025, 1, 8), date(2025, 1, 10),
                                                                              "AI1.2")
    assert (second.attended_on, second.status, second.requester_id) == (None, "pending", organizations[0].id)


def test_an_equal_request_is_skipped_comparing_the_organization_it_names(program, tmp_path):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    db.session.add(PartnerRequest(received_on=date(2025, 1, 8), attended_on=date(2025, 1, 9), requester_id=ine.id,
                                  subject="Informe de sesiones", subject_key=fold("Informe de sesiones")))
    db.session.commit()
    result = run(tmp_path, [["2025-01-08", "", "ine", "  INFORME de sesiónes ", ""],
                            ["2025-01-08", "2025-01-20", "Instituto Nacional Electoral", "Informe de sesiones", ""]])
    assert (result.created, result.updated, result.skipped) == (0, 0, 2)
    assert [r.attended_on for r in requests()] == [date(2025, 1, 9)]  # a recorded date is never replaced


def test_a_non_empty_atendida_fills_an_empty_one(program, tmp_path):
    run(tmp_path, [["2025-04-02", "", "INE", "Actualización del sistema", "AI1.3"]])
    result = run(tmp_path, [["2025-04-02", "2025-04-05", "Instituto Nacional Electoral (INE)",
                             "actualizacion del sistema", ""],
                            ["2025-04-02", "2025-04-06", "INE", "Actualización del sistema", ""]])
    assert (result.created, result.updated, result.skipped) == (0, 1, 1)
    (request,) = requests()
    assert request.attended_on == date(2025, 4, 5)
    assert request.action_line.code == "AI1.3"


def test_a_repeated_row_in_the_same_file_is_skipped_but_keeps_its_attention_date(program, tmp_path):
    result = run(tmp_path, [["2025-05-02", "", "IECM", "Convenio", ""],
                            ["2025-05-02", "2025-05-03", "iecm", "convenio", ""]])
    assert (result.created, result.updated, result.skipped) == (1, 0, 1)
    (request,) = requests()
    assert request.attended_on == date(2025, 5, 3)


def test_different_organizations_make_different_requests(program, tmp_path):
    result = run(tmp_path, [["2025-05-02", "", "IECM", "Convenio", ""],
                            ["2025-05-02", "", "INE", "Convenio", ""]])
    assert (result.created, result.skipped) == (2, 0)


def test_every_problem_is_reported_by_row_and_nothing_is_written(program, tmp_path):
    rows = [["2025-01-08", "", "INE", "Bien", "AI1.1"],
            ["2025-01-08", "2025-01-07", "INE", "Atendida antes de recibida", ""],
            ["2025-02-30", "", "INE", "Fecha imposible", ""],
            ["2025-02-01", "ayer", "INE", "Atendida ilegible", ""],
            ["2025-02-01", "", "INE", "Línea de otro componente", "AI2.2"],
            ["2025-02-01", "", "INE", "Línea desconocida", "AI1.99"],
            ["2026-02-01", "", "INE", "Programa no cargado", "AI1.1"],
            ["", "", "", "", ""] + ["x"]]
    with pytest.raises(ImportProblems) as caught:
        run(tmp_path, rows)
    problems = [str(p) for p in caught.value.problems]
    assert not [p for p in problems if p.startswith("row 2:")]
    assert any(p.startswith("row 3: atendida: ") for p in problems)
    assert any(p.startswith("row 4: recibida: ") for p in problems)
    assert any(p.startswith("row 5: atendida: ") for p in problems)
    assert any(p.startswith("row 6: accion: ") and "AI1" in p for p in problems)
    assert any(p.startswith("row 7: accion: ") for p in problems)
    assert any(p.startswith("row 8: accion: ") and "2026" in p for p in problems)
    assert {p.split(": ")[1] for p in problems if p.startswith("row 9:")} >= {"recibida", "solicitante", "asunto"}
    assert count(PartnerRequest) == 0
    assert count(Organization) == 0


def test_accion_is_optional_and_a_request_without_a_program_is_fine(app, tmp_path):
    result = run(tmp_path, [["2030-01-08", "", "INE", "Sin línea de acción", ""]])
    assert result.created == 1
    assert requests()[0].action_line_id is None


def test_dry_run_and_audit(program, tmp_path):
    rows = [["2025-01-08", "", "INE", "Informe", ""]]
    result = run(tmp_path, rows, dry_run=True)
    assert (result.created, count(PartnerRequest), count(Organization)) == (1, 0, 0)
    run(tmp_path, rows, actor="prueba")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "requests.import"))
    assert (entry.actor_label, entry.details["created"]) == ("prueba", 1)


def test_command_prints_the_counts_last(app, program, tmp_path):
    path = write_csv(tmp_path, [HEADER, ["2025-01-08", "", "INE", "Informe", ""]])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["requests", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "created 1, updated 0, skipped 0"
    path = write_csv(tmp_path, [HEADER, ["2025-01-08", "2025-01-09", "INE", "Informe", ""]])
    result = runner.invoke(args=["requests", "import", str(path), "--dry-run"])
    assert result.output.strip().splitlines()[-2:] == ["created 0, updated 1, skipped 0", "dry run: nothing written"]
    assert requests()[0].attended_on is None
    result = runner.invoke(args=["requests", "import", str(path)])
    assert result.output.strip().splitlines()[-1] == "created 0, updated 1, skipped 0"
    assert requests()[0].attended_on == date(2025, 1, 9)
