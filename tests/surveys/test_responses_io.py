"""Responses import (all or nothing, every problem reported) and export."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import csv_bytes as table_csv
from crm.core.tabular import read_csv_bytes, read_table, read_xlsx_bytes
from surveys import services
from surveys.models import Answer, Response
from surveys.responses.export import export_responses, export_rows
from surveys.responses.imports import ResponsesImportError, import_responses, import_responses_file
from surveys.xlsform.reader import read_xlsform
from tests.factories import make_survey
from tests.surveys.helpers import SAMPLE, csv_bytes, rich_form, workbook_bytes, xlsx_table_bytes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sample_survey(**kwargs):
    return services.create_survey(read_xlsform(SAMPLE / "form.xlsx").definition, component_code="AI3", year=2025,
                                  **kwargs)


def rich_survey(**kwargs):
    return services.create_survey(read_xlsform(workbook_bytes(**rich_form())).definition, **kwargs)


def problems(survey, data: bytes) -> list[str]:
    with pytest.raises(ResponsesImportError) as caught:
        import_responses(survey, read_csv_bytes(data))
    return [str(p) for p in caught.value.problems]


def export_csv(survey) -> list[dict]:
    header, rows = export_rows(survey)
    return list(csv.DictReader(io.StringIO(table_csv(header, list(rows)).decode("utf-8-sig"))))


# --------------------------------------------------------------------------- the public sample

def test_sample_responses_import_and_export(app, tmp_path):
    survey = sample_survey()
    report = import_responses_file(survey, SAMPLE / "responses.csv")
    assert report.imported == 4 and not report.dry_run
    stored = db.session.scalars(select(Response).order_by(Response.submitted_at)).all()
    assert [r.channel for r in stored] == ["import"] * 4
    assert [r.submitted_at for r in stored] == [datetime(2025, 2, 10, 16, 0), datetime(2025, 2, 11, 18, 30),
                                                datetime(2025, 5, 2, 15, 0), datetime(2025, 8, 20, 18, 0)]
    assert count(Answer) == 4 + 3  # one empty opinion

    csv_path = tmp_path / "r.csv"
    assert export_responses(survey, csv_path) == 4
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["submitted_at", "calidad", "opinion"]
    assert [r["submitted_at"] for r in rows] == ["2025-02-10T10:00:00-06:00", "2025-02-11T12:30:00-06:00",
                                                 "2025-05-02T09:00:00-06:00", "2025-08-20T12:00:00-06:00"]
    assert sorted(r["opinion"] for r in rows) == ["", "'=1+1", "'@cmd", "Muy clara"]

    xlsx_path = tmp_path / "r.xlsx"
    export_responses(survey, xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    assert not [c for s in workbook.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert [c.value for c in workbook.worksheets[0][1]] == ["submitted_at", "calidad", "opinion"]
    assert workbook.worksheets[0].max_row == 5

    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["surveys.import_form", "surveys.import_responses", "surveys.export", "surveys.export"]


def test_sample_bad_responses_name_rows_2_and_3_and_write_nothing(app):
    survey = sample_survey()
    with pytest.raises(ResponsesImportError) as caught:
        import_responses_file(survey, SAMPLE / "responses_bad.csv")
    assert [str(p) for p in caught.value.problems] == [
        "row 2: calidad: «excelente» no es una opción de esta pregunta (opciones: buena, regular, mala)",
        "row 3: submitted_at: «ayer» no es una fecha y hora ISO 8601 (por ejemplo 2025-02-10T10:00:00-06:00)",
    ]
    assert count(Response) == 0 and count(Answer) == 0


def test_an_export_imports_back_unchanged(app):
    survey = rich_survey()
    data = csv_bytes(["submitted_at", "calidad", "utilidad", "temas", "edad", "horas", "fecha", "opinion"], [
        ["2025-03-01T10:00:00-06:00", "buena", "mala", "observacion voto_exterior", "34", "2,5", "2025-02-28",
         "=SUM(A1)"],
        ["2025-03-02T10:00:00Z", "regular", "", "", "", "", "", "''@ya protegido"],
        ["2025-03-03 08:15", "mala", "buena", "presupuesto", "-3", "-0.25", "2025-01-05", "+52 55 1234"],
    ])
    import_responses(survey, read_csv_bytes(data))
    first = export_csv(survey)
    assert first[0]["temas"] == "voto_exterior observacion"  # choice order, space-separated
    assert first[0]["horas"] == "2.5" and first[2]["edad"] == "-3" and first[2]["horas"] == "-0.25"
    assert first[0]["opinion"] == "'=SUM(A1)" and first[1]["opinion"] == "''@ya protegido"
    assert first[2]["opinion"] == "'+52 55 1234"

    copy = rich_survey()
    header, rows = export_rows(survey)
    import_responses(copy, read_csv_bytes(table_csv(header, list(rows))))
    assert export_csv(copy) == first
    texts = db.session.scalars(select(Answer.value).where(Answer.value.like("%protegido"))).all()
    assert texts == ["'@ya protegido", "'@ya protegido"]


def test_xlsx_export_writes_numbers_as_numbers_and_reads_back(app, tmp_path):
    survey = rich_survey()
    data = xlsx_table_bytes(["submitted_at", "calidad", "edad", "horas", "fecha"],
                            [[datetime(2025, 3, 1, 10, 0), "buena", 34, 2.5, "2025-02-28"]])
    import_responses(survey, read_xlsx_bytes(data))
    path = tmp_path / "r.xlsx"
    export_responses(survey, path)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["edad"] == 34 and isinstance(row["edad"], int)
    assert row["horas"] == 2.5
    assert row["submitted_at"] == "2025-03-01T10:00:00-06:00"
    assert row["fecha"] == "2025-02-28"
    table = read_table(path)
    copy = rich_survey()
    assert import_responses(copy, table).imported == 1


# --------------------------------------------------------------------------- time zones

def test_exact_instants_and_local_times(app):
    survey = sample_survey()
    data = csv_bytes(["submitted_at", "calidad"], [["2025-04-01T05:30Z", "buena"],
                                                   ["2025-04-01T05:30:00+00:00", "buena"],
                                                   ["2025-03-31T23:30:00", "buena"],
                                                   ["2025-07-15", "mala"]])
    import_responses(survey, read_csv_bytes(data))
    stored = db.session.scalars(select(Response.submitted_at).order_by(Response.id)).all()
    # Mexico City is UTC-6 all year since 2022: the local time without offset is the same instant.
    assert stored == [datetime(2025, 4, 1, 5, 30)] * 3 + [datetime(2025, 7, 15, 6, 0)]
    assert export_csv(survey)[0]["submitted_at"] == "2025-03-31T23:30:00-06:00"


def test_local_times_follow_crm_timezone(app_with):
    with app_with(CRM_TIMEZONE="Europe/Madrid"):
        survey = sample_survey()
        data = csv_bytes(["submitted_at", "calidad"], [["2025-01-15T12:00:00", "buena"],
                                                       ["2025-07-15T12:00:00", "buena"]])
        import_responses(survey, read_csv_bytes(data))
        stored = db.session.scalars(select(Response.submitted_at).order_by(Response.id)).all()
        assert stored == [datetime(2025, 1, 15, 11, 0), datetime(2025, 7, 15, 10, 0)]  # CET, then CEST
        assert [r["submitted_at"] for r in export_csv(survey)] == ["2025-01-15T12:00:00+01:00",
                                                                    "2025-07-15T12:00:00+02:00"]


# --------------------------------------------------------------------------- rules

def test_missing_question_column_means_not_answered(app):
    survey = rich_survey()
    report = import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "calidad"],
                                                               [["2025-03-01T10:00:00Z", "buena"]])))
    assert report.imported == 1 and report.warnings == []
    assert count(Answer) == 1


def test_missing_required_column_is_an_unanswered_required_question(app):
    survey = rich_survey()
    assert problems(survey, csv_bytes(["submitted_at", "opinion"], [["2025-03-01T10:00:00Z", "Bien"]])) == [
        "row 1: calidad: falta la columna de esta pregunta obligatoria"]
    assert count(Response) == 0


def test_empty_required_question_is_an_error(app):
    survey = sample_survey()
    assert problems(survey, csv_bytes(["submitted_at", "calidad", "opinion"], [["2025-03-01T10:00:00Z", "", "x"]])) == [
        "row 2: calidad: la pregunta es obligatoria y la celda está vacía"]


def test_header_problems(app):
    survey = rich_survey()
    found = problems(survey, csv_bytes(["fecha_envio", "calidda", "bienvenida", "sesion", "edad", "edad"],
                                       [["x", "buena", "", "", "1", "2"]]))
    assert found == [
        "row 1: fecha_envio: no es una pregunta de esta encuesta (¿quiso decir «fecha»?)",
        "row 1: calidda: no es una pregunta de esta encuesta (¿quiso decir «calidad»?)",
        "row 1: bienvenida: es una nota o un grupo; no lleva respuestas",
        "row 1: sesion: es una nota o un grupo; no lleva respuestas",
        "row 1: edad: la columna está repetida",
        "row 1: submitted_at: falta la columna obligatoria con la fecha y hora de cada respuesta",
        "row 1: calidad: falta la columna de esta pregunta obligatoria",
    ]


def test_invalid_values_for_each_type_are_reported_per_row_and_column(app):
    survey = rich_survey()
    found = problems(survey, csv_bytes(
        ["submitted_at", "calidad", "temas", "edad", "horas", "fecha"],
        [["2025-03-01T10:00:00Z", "buena", "observacion otro", "treinta", "1", "2025-02-30"],
         ["", "buenisima", "", "1.5", "dos", ""],
         ["2025-13-01T00:00:00", "buena", "", "", "", "2025-02-01x"]]))
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in found] == [
        "row 2: temas", "row 2: edad", "row 2: fecha", "row 3: submitted_at", "row 3: calidad", "row 3: edad",
        "row 3: horas", "row 4: submitted_at", "row 4: fecha"]
    assert count(Response) == 0


def test_cells_right_of_the_header_are_an_error(app):
    survey = sample_survey()
    data = b"submitted_at,calidad\r\n2025-03-01T10:00:00Z,buena,sobra\r\n"
    assert problems(survey, data) == ["row 2: (sin encabezado): hay datos a la derecha de la última columna"]


def test_row_numbers_follow_the_spreadsheet_with_multiline_cells(app):
    survey = sample_survey()
    data = csv_bytes(["submitted_at", "calidad", "opinion"], [["2025-03-01T10:00:00Z", "buena", "dos\nlíneas"],
                                                              ["2025-03-01T10:00:00Z", "pésima", ""]])
    assert problems(survey, data)[0].startswith("row 3: calidad:")


def test_anonymous_survey_stores_no_person(app):
    survey = sample_survey(anonymous=True)
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "calidad"], [["2025-03-01T10:00:00Z",
                                                                                       "buena"]])))
    response = db.session.scalar(select(Response))
    assert response.person_id is None and response.invitation_id is None and response.anonymous is True


def test_dry_run_writes_nothing(app):
    survey = sample_survey()
    before = count(AuditEntry)
    report = import_responses(survey, read_table(SAMPLE / "responses.csv"), dry_run=True)
    assert report.imported == 4 and report.dry_run
    assert count(Response) == 0 and count(AuditEntry) == before


def test_select_multiple_stores_one_answer_per_choice(app):
    survey = rich_survey()
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "calidad", "temas"], [
        ["2025-03-01T10:00:00Z", "buena", "  presupuesto   observacion presupuesto "]])))
    names = db.session.scalars(select(Answer).where(Answer.choice_id.is_not(None))).all()
    assert sorted(a.choice.name for a in names) == ["buena", "observacion", "presupuesto"]


def test_export_of_a_survey_made_elsewhere_uses_question_names(app):
    survey = make_survey()
    header, rows = export_rows(survey)
    assert header == ["submitted_at", "calidad", "opinion"] and list(rows) == []


def test_decimal_export_values_are_numbers(app):
    survey = rich_survey()
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "calidad", "horas", "edad"],
                                                      [["2025-03-01T10:00:00Z", "buena", "1e2", "007"]])))
    _, rows = export_rows(survey)
    row = next(rows)
    assert row[5] == Decimal("100") and row[4] == 7
