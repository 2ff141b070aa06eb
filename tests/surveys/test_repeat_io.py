"""Responses of forms with repeats in and out: the main table with `response_id`, one long table per repeat
(a sheet of the workbook, or a CSV file beside the main one), the logic applied to each instance."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.tabular import read_csv_bytes
from surveys import services
from surveys.models import Answer, Response
from surveys.responses.export import export_download, export_responses, export_rows
from surveys.responses.imports import ResponsesImportError, import_responses, import_responses_file
from surveys.responses.repeats import sheet_titles, sibling_path
from surveys.xlsform.reader import read_xlsform
from tests.surveys.helpers import csv_bytes, workbook_bytes

SURVEY = [
    ["type", "name", "label", "required", "relevant", "constraint", "calculation", "repeat_count"],
    ["integer", "personas", "Personas en el hogar", "yes", "", "", "", ""],
    ["begin_repeat", "miembro", "Miembro", "", "", "", "", "${personas}"],
    ["text", "nombre", "Nombre", "yes", "", "", "", ""],
    ["integer", "edad", "Edad", "yes", "", ". < 120", "", ""],
    ["select_one sn", "estudia", "¿Estudia?", "yes", "${edad} < 18", "", "", ""],
    ["calculate", "numero", "", "", "", "", "position(..)", ""],
    ["end_repeat", "", "", "", "", "", "", ""],
    ["calculate", "total", "", "", "", "", "sum(${edad})", ""],
]
CHOICES = [["list_name", "name", "label"], ["sn", "si", "Sí"], ["sn", "no", "No"]]
MAIN = ["submitted_at", "response_id", "personas"]
MEMBERS = ["response_id", "instance", "nombre", "edad", "estudia"]


@pytest.fixture
def survey(app):
    return services.create_survey(read_xlsform(workbook_bytes(SURVEY, CHOICES)).definition)


def table(header, rows):
    return read_csv_bytes(csv_bytes(header, rows))


def run(survey, main_rows, member_rows, **kwargs):
    return import_responses(survey, table(MAIN, main_rows),
                            repeats={"miembro": ("hogar-miembro.csv", table(MEMBERS, member_rows))}, **kwargs)


def problems(survey, main_rows, member_rows) -> list[str]:
    with pytest.raises(ResponsesImportError) as caught:
        run(survey, main_rows, member_rows)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0  # all or nothing
    return [str(p) for p in caught.value.problems]


GOOD_MAIN = [["2025-03-01T10:00:00-06:00", "a", "2"], ["2025-03-02T10:00:00-06:00", "b", "1"]]
GOOD_MEMBERS = [["a", "1", "Ana", "40", ""], ["a", "2", "Luis", "10", "si"], ["b", "", "Eva", "70", ""]]


def stored_instances() -> list[tuple]:
    return sorted(db.session.execute(
        select(Answer.response_id, Answer.instance, Answer.question_id, Answer.value)).all())


def test_import_stores_each_instance_and_its_calculations(survey):
    assert run(survey, GOOD_MAIN, [row[:1] + [""] + row[2:] if row[0] == "b" else row for row in GOOD_MEMBERS]
               ).imported == 2
    names = {q.id: q.name for q in survey.questions}
    found = {(names[qid], instance): value for rid, instance, qid, value in stored_instances()
             if rid == min(r for r, *_ in stored_instances())}
    assert found[("nombre", 2)] == "Luis" and found[("edad", 1)] == "40"
    assert found[("numero", 2)] == "2" and found[("total", 0)] == "50"
    assert found[("personas", 0)] == "2"


def test_problems_of_a_repeat_file_name_the_file_row_and_column(survey):
    members = [["a", "1", "Ana", "40", "si"], ["a", "2", "Luis", "130", ""], ["b", "1", "", "x", ""],
               ["z", "1", "Sol", "3", "no"]]
    assert problems(survey, GOOD_MAIN, members) == [
        "hogar-miembro.csv row 2: estudia: la pregunta no aplica con las respuestas de esta fila (relevant: "
        "${edad} < 18); la celda debe quedar vacía",
        "hogar-miembro.csv row 3: edad: «130» no cumple la restricción de la pregunta (. < 120)",
        "hogar-miembro.csv row 4: edad: «x» no es un número entero",
        "hogar-miembro.csv row 4: nombre: la pregunta es obligatoria y la celda está vacía",
        "hogar-miembro.csv row 5: response_id: «z» no es el response_id de ninguna fila del archivo principal",
    ]


def test_repeat_count_fixes_the_instances_a_response_must_have(survey):
    assert problems(survey, [["2025-03-01T10:00:00-06:00", "a", "3"]], GOOD_MEMBERS[:2]) == [
        "row 2: miembro: la repetición debe tener 3 instancia(s) (repeat_count: ${personas}) y el archivo de la "
        "repetición tiene 2",
    ]


def test_links_and_instances_are_checked(survey):
    main = [["2025-03-01T10:00:00-06:00", "a", "1"], ["2025-03-01T11:00:00-06:00", "a", "1"],
            ["2025-03-01T12:00:00-06:00", "", "0"]]
    members = [["a", "1", "Ana", "40", ""], ["a", "1", "Eva", "41", ""], ["a", "0", "Sol", "3", "si"]]
    assert problems(survey, main, members) == [
        "row 3: response_id: «a» ya es el response_id de la fila 2",
        "row 4: response_id: falta el response_id que liga la respuesta con sus repeticiones",
        "hogar-miembro.csv row 3: instance: la respuesta «a» ya tiene la instancia 1 (fila 2)",
        "hogar-miembro.csv row 4: instance: «0» no es un número de instancia (un entero de 1 a 500)",
    ]


def test_headers_of_both_files_are_checked(survey):
    with pytest.raises(ResponsesImportError) as caught:
        import_responses(survey, table(["submitted_at", "personas", "nombre"], []),
                         repeats={"miembro": ("m.csv", table(["instance", "nombre", "personas"], [])),
                                  "otro": ("o.csv", table(["response_id"], []))})
    assert [str(p) for p in caught.value.problems] == [
        "row 1: nombre: la pregunta está dentro de la repetición «miembro»: sus respuestas van en la tabla de la "
        "repetición, una fila por instancia",
        "row 1: response_id: falta la columna que liga cada respuesta con las filas de sus repeticiones",
        "m.csv row 1: personas: no es una pregunta de la repetición «miembro»",
        "m.csv row 1: response_id: falta la columna que liga cada fila con su respuesta en el archivo principal",
        "o.csv: «otro» no es una repetición de esta encuesta (repeticiones: miembro)",
    ]


def _csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_export_writes_a_file_per_repeat_and_imports_back(survey, tmp_path):
    run(survey, GOOD_MAIN, GOOD_MEMBERS)
    first, second = db.session.scalars(select(Response.id).order_by(Response.submitted_at)).all()
    out = tmp_path / "hogar.csv"
    assert export_responses(survey, out) == 2
    assert _csv(out) == [["submitted_at", "response_id", "personas", "total"],
                         ["2025-03-01T10:00:00-06:00", str(first), "2", "50"],
                         ["2025-03-02T10:00:00-06:00", str(second), "1", "70"]]
    assert _csv(sibling_path(out, "miembro")) == [
        ["response_id", "instance", "nombre", "edad", "estudia", "numero"],
        [str(first), "1", "Ana", "40", "", "1"], [str(first), "2", "Luis", "10", "si", "2"],
        [str(second), "1", "Eva", "70", "", "1"]]
    before = stored_instances()
    report = import_responses_file(survey, out)  # the sibling is found by its name
    assert report.imported == 2 and report.warnings == ["la repetición miembro se lee de hogar-miembro.csv"]
    again = stored_instances()
    assert len(again) == 2 * len(before)
    assert sorted((i, q, v) for _, i, q, v in again) == sorted(2 * [(i, q, v) for _, i, q, v in before])


def test_xlsx_export_has_a_sheet_per_repeat_and_imports_back(survey, tmp_path):
    run(survey, GOOD_MAIN, GOOD_MEMBERS)
    out = tmp_path / "hogar.xlsx"
    export_responses(survey, out)
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert workbook.sheetnames == ["respuestas", "miembro"]
    rows = list(workbook["miembro"].iter_rows(values_only=True))
    assert rows[0] == ("response_id", "instance", "nombre", "edad", "estudia", "numero")
    assert [row[1:4] for row in rows[1:]] == [(1, "Ana", 40), (2, "Luis", 10), (1, "Eva", 70)]
    workbook.close()
    assert import_responses_file(survey, out).imported == 2
    assert db.session.scalar(select(func.count()).select_from(Response)) == 4
    downloaded = tmp_path / "web.xlsx"
    downloaded.write_bytes(export_download(survey, "xlsx", actor=None))
    assert openpyxl.load_workbook(downloaded, read_only=True).sheetnames == ["respuestas", "miembro"]


def test_forms_without_repeats_keep_their_columns(app):
    plain = services.create_survey(read_xlsform(workbook_bytes([["type", "name", "label"],
                                                                ["integer", "edad", "Edad"]])).definition)
    header, _ = export_rows(plain)
    assert header == ["submitted_at", "edad"]


def test_sheet_titles_are_unique_and_never_the_main_one():
    long = "a" * 40
    assert sheet_titles(["Respuestas", long, long[:31] + "b"]) == {
        "Respuestas": "Respuestas~2", long: "a" * 31, long[:31] + "b": "a" * 29 + "~2"}


def test_cli_export_and_import_with_repeat_files(app, survey, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "main.csv").write_bytes(csv_bytes(MAIN, GOOD_MAIN))
    (tmp_path / "gente.csv").write_bytes(csv_bytes(MEMBERS, GOOD_MEMBERS))
    result = runner.invoke(args=["surveys", "import-responses", survey.code, str(tmp_path / "main.csv"),
                                 "--repeat", f"miembro={tmp_path / 'gente.csv'}"])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "imported 2", result.output
    result = runner.invoke(args=["surveys", "export", survey.code, str(tmp_path / "out.csv")])
    assert result.output.splitlines() == [f"wrote {tmp_path / 'out-miembro.csv'}", "exported 2"]
    (tmp_path / "gente.csv").write_bytes(csv_bytes(MEMBERS, [["a", "1", "Ana", "400", ""]]))
    result = runner.invoke(args=["surveys", "import-responses", survey.code, str(tmp_path / "main.csv"),
                                 "--repeat", f"miembro={tmp_path / 'gente.csv'}"])
    assert result.exit_code == 1
    assert "gente.csv row 2: edad: «400» no cumple la restricción de la pregunta (. < 120)" in result.output
    result = runner.invoke(args=["surveys", "import-responses", survey.code, str(tmp_path / "main.csv"),
                                 "--repeat", "miembro"])
    assert result.exit_code == 1 and "--repeat espera REPETICIÓN=ARCHIVO" in result.output


def test_upload_answers_are_exported_as_links_and_ignored_by_the_import(app, tmp_path):
    # file questions live outside repeats (the reader refuses one inside: the web receives files only there)
    app.config["CRM_BASE_URL"] = "https://vinculo.example.mx"
    form = services.create_survey(read_xlsform(workbook_bytes([
        ["type", "name", "label"], ["file", "acta", "Acta"], ["begin_repeat", "foto", "Fotos"],
        ["text", "pie", "Pie de foto"], ["end_repeat", "", ""]])).definition)
    acta, pie = (next(q for q in form.questions if q.name == name) for name in ("acta", "pie"))
    key = f"{form.id}/{'ab' * 16}.pdf"
    response = Response(survey_id=form.id, channel="web", language="es")
    db.session.add(response)
    db.session.flush()
    db.session.add_all([Answer(response_id=response.id, question_id=acta.id, value=key),
                        Answer(response_id=response.id, question_id=pie.id, value="Casilla 12", instance=1)])
    db.session.commit()
    out = tmp_path / "actas.csv"
    export_responses(form, out)
    assert _csv(out)[1][2] == f"https://vinculo.example.mx/encuestas/{form.id}/archivos/{'ab' * 16}.pdf"
    assert _csv(sibling_path(out, "foto"))[1] == [str(response.id), "1", "Casilla 12"]
    report = import_responses_file(form, out)
    assert report.imported == 1
    assert report.warnings == [
        "la repetición foto se lee de actas-foto.csv",
        "la columna acta es de archivos: los archivos no se importan desde una tabla y la columna se ignora"]


def test_a_workbook_names_the_sheet_of_each_problem(survey, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "principal"
    for row in [MAIN, *GOOD_MAIN]:
        workbook.active.append(row)
    sheet = workbook.create_sheet("miembro")
    for row in [MEMBERS, ["a", 1, "Ana", 40, ""], ["a", 2, "Luis", 10, "talvez"], ["b", 1, "Eva", 70, ""]]:
        sheet.append(row)
    workbook.create_sheet("notas").append(["lo que sea"])
    path = tmp_path / "hogar.xlsx"
    workbook.save(path)
    with pytest.raises(ResponsesImportError) as caught:
        import_responses_file(survey, path)
    assert [str(p) for p in caught.value.problems] == [
        "hoja miembro row 3: estudia: «talvez» no es una opción de esta pregunta (opciones: si, no)"]
    sheet["E3"] = "no"
    workbook.save(path)
    report = import_responses_file(survey, path)
    assert report.imported == 2
    assert report.warnings == ["la hoja «notas» no es el nombre de ninguna repetición de la encuesta y se ignora"]


def test_the_staff_download_of_a_form_with_repeats_is_the_workbook(survey, client, login_as):
    run(survey, GOOD_MAIN, GOOD_MEMBERS)
    login_as("coordinator")
    moved = client.get(f"/encuestas/{survey.id}/respuestas.csv")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"/encuestas/{survey.id}/respuestas.xlsx")
    body = client.get(f"/encuestas/{survey.id}/respuestas.xlsx").get_data()
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert workbook.sheetnames == ["respuestas", "miembro"]
    assert len(list(workbook["miembro"].iter_rows())) == 4
