"""`agreements import|export` (CONTRACTS.md, "Agreements file"): all or nothing, every problem by row and
column, counterparts matched or created unclassified, milestones under lines of their year's program."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Organization
from crm.core.audit import AuditEntry
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.events.agreements import pipeline
from crm.events.agreements.counting import milestones_by_line
from crm.events.agreements.models import Agreement, AgreementTransition
from tests.agreements.conftest import HEADER
from tests.events.helpers import count, table, write_csv
from tests.factories import load_program, make_organization

SIGNED = ["IECM/CONV/012/2025", "Convenio de colaboración", "Instituto Electoral de Tamaulipas (IETAM)",
          "convenio general", "firmado", "2025-02-01", "AI1.7", "2025-03-01", "AI1.6", "2026-12-31",
          "Secretaría Ejecutiva"]
NEGOTIATING = ["IECM/CONV/013/2025", "Programa de trabajo", "Universidad de Sonora; INE", "programa de trabajo",
               "en negociación", "", "", "", "", "", ""]


def run(tmp_path, rows, header=HEADER, **kwargs):
    return pipeline.import_agreements(table(tmp_path, [header, *rows]), **kwargs)


def problems_of(tmp_path, rows, header=HEADER) -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        run(tmp_path, rows, header)
    return [str(p) for p in caught.value.problems]


def test_creates_agreements_with_counterparts_milestones_and_a_dated_transition(program, tmp_path):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    result = run(tmp_path, [SIGNED, NEGOTIATING], actor="línea de comandos", source="convenios.csv")
    assert (result.created, result.updated, result.organizations_created) == (2, 0, 2)
    signed = db.session.scalar(select(Agreement).where(Agreement.folio == "IECM/CONV/012/2025"))
    assert (signed.state, signed.type, signed.opinion_on, signed.opinion_line.code, signed.signed_on,
            signed.signing_line.code, signed.valid_until, signed.responsible_area) == (
        "firmado", "convenio_general", date(2025, 2, 1), "AI1.7", date(2025, 3, 1), "AI1.6", date(2026, 12, 31),
        "Secretaría Ejecutiva")
    [step] = signed.transitions
    assert (step.from_state, step.to_state, step.on_date, step.actor_label) == (
        None, "firmado", date(2025, 3, 1), "línea de comandos")
    negotiating = db.session.scalar(select(Agreement).where(Agreement.folio == "IECM/CONV/013/2025"))
    assert ine in negotiating.counterparts
    created = db.session.scalar(select(Organization).where(Organization.acronym == "IETAM"))
    assert created.name == "Instituto Electoral de Tamaulipas" and created.type == "sin_clasificar"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "agreements.import")) == 1


def test_reimporting_a_folio_updates_it_and_never_counts_its_milestones_twice(program, tmp_path):
    run(tmp_path, [SIGNED])
    assert milestones_by_line(2025) == [("AI1.7", date(2025, 2, 1)), ("AI1.6", date(2025, 3, 1))]
    concluded = [SIGNED[0].lower(), "Convenio de colaboración (addendum)", "IETAM", "", "concluido",
                 "2025-02-01", "AI1.7", "2025-03-01", "AI1.6", "2026-12-31", ""]
    result = run(tmp_path, [concluded])
    assert (result.created, result.updated) == (0, 1)
    assert count(Agreement) == 1
    assert milestones_by_line(2025) == [("AI1.7", date(2025, 2, 1)), ("AI1.6", date(2025, 3, 1))]
    agreement = db.session.scalar(select(Agreement))
    assert agreement.title == "Convenio de colaboración (addendum)" and agreement.state == "concluido"
    assert [(t.from_state, t.to_state) for t in agreement.transitions] == [(None, "firmado"), ("firmado", "concluido")]
    assert count(Organization) == 1  # "IETAM" is the organization the first import created


def test_every_broken_rule_is_reported_by_row_and_column_and_nothing_is_written(program, tmp_path):
    make_organization("Instituto Estatal Electoral de Chihuahua", acronym="IEE")
    make_organization("Instituto Electoral de Estado", acronym="IEE")
    rows = [
        ["", "", "", "convenio raro", "pendiente", "", "", "", "", "", ""],                        # row 2
        ["F-3", "Título", "IEE", "", "firmado", "", "", "", "", "", ""],                            # row 3
        ["F-4", "Título", "UNAM", "", "firmado", "2025-13-01", "AI1.7", "2025-05-01", "AI9.9",
         "2025-04-30", ""],                                                                        # row 4
        ["F-5", "Título", "UNAM", "", "en dictamen", "", "AI1.7", "", "AI1.6", "", ""],            # row 5
        ["F-6", "Título", "UNAM", "", "dictaminado", "2024-06-01", "AI1.7", "", "", "", ""],       # row 6
        ["f-7", "Título", "UNAM", "", "en negociación", "", "", "", "", "", ""],                   # row 7
        ["F-7", "Título", "UNAM", "", "en negociación", "", "", "", "", "", ""],                   # row 8
        ["F-9", "Título", "UNAM", "", "firmado", "", "", "01/03/2025", "", "", "x" * 201],         # row 9
    ]
    lines = problems_of(tmp_path, rows)
    expected = [
        r"row 2: folio: falta el valor", r"row 2: titulo: falta el valor", r"row 2: contraparte: falta el valor",
        r"row 2: tipo: «convenio raro» no es un tipo de convenio válido", r"row 2: estado: «pendiente» no es un estado",
        r"row 3: firma: es obligatoria cuando el estado es «firmado»",
        r"row 3: contraparte: «IEE»: la sigla corresponde a varias organizaciones",
        r"row 4: dictamen: «2025-13-01» no es una fecha válida",
        r"row 4: vigencia_fin: el fin de la vigencia \(2025-04-30\) es anterior a la firma \(2025-05-01\)",
        r"row 5: accion_dictamen: indique la fecha de dictamen", r"row 5: accion_firma: indique la fecha de firma",
        r"row 6: accion_dictamen: no hay un programa cargado para 2024",
        r"row 7: folio: el folio «f-7» se repite en la\(s\) fila\(s\) 8", r"row 8: folio: el folio «F-7» se repite",
        r"row 9: firma: «01/03/2025» no es una fecha AAAA-MM-DD",
        r"row 9: area_responsable: el texto es demasiado largo",
    ]
    for pattern in expected:
        assert any(re.match(pattern, line) for line in lines), (pattern, lines)
    assert "row 4: accion_firma: «AI9.9» no es una línea de acción del programa 2025" in lines
    assert len(lines) == len(expected) + 1
    assert count(Agreement) == 0 and count(AgreementTransition) == 0
    assert count(Organization) == 2  # UNAM was not created


def test_an_action_line_must_exist_in_the_program_of_its_milestone_year(program, tmp_path):
    load_program(2026)
    rows = [["F-1", "Título", "UNAM", "", "firmado", "2025-02-01", "AI9.1", "2026-01-15", "ai1.6", "", ""]]
    lines = problems_of(tmp_path, rows)
    assert lines == ["row 2: accion_dictamen: «AI9.1» no es una línea de acción del programa 2025"]
    rows[0][6] = "AI1.7"
    run(tmp_path, rows)
    agreement = db.session.scalar(select(Agreement))
    assert agreement.signing_line.program_year_id != agreement.opinion_line.program_year_id
    assert milestones_by_line(2026) == [("AI1.6", date(2026, 1, 15))]


def test_header_problems_stop_before_the_rows(program, tmp_path):
    lines = problems_of(tmp_path, [["x", "y", "z"]], header=["folio", "titulo", "nota"])
    assert "row 1: nota: columna desconocida; las columnas son: " + ", ".join(HEADER) in lines
    assert "row 1: contraparte: falta esta columna obligatoria" in lines
    assert "row 1: estado: falta esta columna obligatoria" in lines


def test_dry_run_writes_nothing(program, tmp_path):
    result = run(tmp_path, [SIGNED], dry_run=True)
    assert (result.created, result.organizations_created) == (1, 1)
    assert count(Agreement) == 0 and count(Organization) == 0


def test_the_command_line_reports_and_exports(app, program, tmp_path):
    runner = app.test_cli_runner()
    good = write_csv(tmp_path, [HEADER, SIGNED, NEGOTIATING], "good.csv")
    bad = write_csv(tmp_path, [HEADER, ["F-1", "", "UNAM", "", "firmado", "", "", "", "", "", ""]], "bad.csv")
    out = runner.invoke(args=["agreements", "import", str(bad), "--dry-run"])
    assert out.exit_code == 1
    assert out.output.splitlines() == ["row 2: titulo: falta el valor (obligatorio)",
                                       "row 2: firma: es obligatoria cuando el estado es «firmado»",
                                       "dry run: nothing written"]
    out = runner.invoke(args=["agreements", "import", str(good)])
    assert out.exit_code == 0 and out.output.splitlines()[-1] == "created 2, updated 0", out.output
    exported = tmp_path / "out.csv"
    out = runner.invoke(args=["agreements", "export", str(exported)])
    assert out.exit_code == 0, out.output
    again = runner.invoke(args=["agreements", "import", str(exported)])
    assert again.exit_code == 0 and again.output.splitlines()[-1] == "created 0, updated 2", again.output
    assert count(Organization) == 3  # the export's names match the same organizations
    out = runner.invoke(args=["agreements", "import", str(tmp_path / "missing.csv")])
    assert out.exit_code == 1 and "Traceback" not in out.output


def test_export_writes_the_import_columns_xlsx_too(program, tmp_path):
    from crm.core.tabular import read_table

    run(tmp_path, [SIGNED])
    pipeline.export_agreements(tmp_path / "convenios.xlsx")
    exported = read_table(tmp_path / "convenios.xlsx")
    assert list(exported.header) == HEADER
    [(_, cells)] = list(exported.rows)
    assert cells["contraparte"] == "Instituto Electoral de Tamaulipas (IETAM)"
    assert (cells["tipo"], cells["estado"], cells["firma"], cells["accion_firma"]) == (
        "convenio general", "firmado", "2025-03-01", "AI1.6")
