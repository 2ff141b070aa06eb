"""`flask surveys ...` as CONTRACTS.md describes it: last lines, exit codes, nothing written on failure."""

import csv

import openpyxl
import pytest
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from crm.core.extensions import db
from surveys import services
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey
from surveys.xlsform.reader import read_xlsform
from tests.factories import make_person
from tests.surveys.helpers import SAMPLE, rich_form, write_workbook


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def _run(*args):
        result = runner.invoke(args=["surveys", *map(str, args)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        lines = result.output.strip().splitlines()
        return result.exit_code, result.output, lines[-1] if lines else ""

    return _run


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def imported_sample(run) -> str:
    code, out, last = run("import-form", SAMPLE / "form.xlsx", "--component", "AI3", "--year", "2025")
    assert code == 0, out
    return last


def test_import_form_prints_the_identifier_last_and_creates_a_draft(run):
    sid = imported_sample(run)
    assert sid == "sesion_info"
    survey = services.find_survey(sid)
    assert (survey.state, survey.component_code, survey.year, survey.title) == ("draft", "AI3", 2025,
                                                                                "Sesión informativa")
    assert survey.languages == ["es", "en"] and len(survey.open_token) >= 43
    assert [q.name for q in survey.questions] == ["calidad", "opinion"]
    assert services.find_survey(str(survey.id)) is survey


def test_the_same_form_twice_gets_a_new_code(run):
    assert [imported_sample(run) for _ in range(3)] == ["sesion_info", "sesion_info-2", "sesion_info-3"]


def test_code_from_title_when_no_form_id(run, tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", [["type", "name", "label"], ["text", "q", "Q"]],
                          settings=[["form_title"], ["Encuesta de satisfacción: Foro 2025"]])
    assert run("import-form", path)[2] == "encuesta-de-satisfaccion-foro-2025"


def test_import_form_warnings_are_printed_before_the_identifier(run, tmp_path):
    path = write_workbook(tmp_path / "f.xlsx", [["type", "name", "label", "lable"], ["text", "q", "Q", "x"]])
    code, out, last = run("import-form", path)
    assert code == 0
    assert "survey: columna desconocida «lable» ignorada" in out
    assert last == "f"  # no settings: the file name gives the title and the code


def test_import_form_failure_lists_every_problem_and_writes_nothing(run, tmp_path):
    path = write_workbook(tmp_path / "bad.xlsx",
                          [["type", "name", "label", "required"], ["select_one cal", "q", "Q", "quizás"],
                           ["text", "q", "Otra", ""], ["end_group", "", "", ""]],
                          [["list_name", "name", "label", "positive"], ["cal", "a", "A", "talvez"]])
    code, out, _ = run("import-form", path)
    assert code == 1 and "Traceback" not in out
    assert out.strip().splitlines() == [
        "survey row 2: required: «quizás» no es sí/no (use yes o no) ni una expresión válida: «quizás» no es "
        "válido aquí: una pregunta se nombra ${quizás}",
        "survey row 3: el nombre «q» se repite (fila 2)",
        "survey row 4: end_group sin un begin_group abierto",
        "choices row 2: positive «talvez» no es sí/no (use yes o no)",
    ]
    assert count(Survey) == count(Question) == count(Choice) == 0


@pytest.mark.parametrize("content", [None, b"not a workbook", b"type,name\ntext,q\n"])
def test_unreadable_form_file_is_one_clear_line(run, tmp_path, content):
    path = tmp_path / "form.xlsx"
    if content is not None:
        path.write_bytes(content)
    code, out, _ = run("import-form", path)
    assert code == 1 and len(out.strip().splitlines()) == 1 and "Traceback" not in out
    assert count(Survey) == 0


def test_import_form_validates_component_and_year(run):
    code, out, _ = run("import-form", SAMPLE / "form.xlsx", "--component", "AI9")
    assert code == 1 and "AI9" in out
    code, out, _ = run("import-form", SAMPLE / "form.xlsx", "--component", "ai5", "--year", "2025")
    assert code == 0 and services.find_survey(out.strip().splitlines()[-1]).component_code == "AI5"
    assert run("import-form", SAMPLE / "form.xlsx", "--year", "1850")[0] == 1


def test_import_responses_success_dry_run_and_failure(run):
    sid = imported_sample(run)
    code, out, last = run("import-responses", sid, SAMPLE / "responses.csv", "--dry-run")
    assert (code, last) == (0, "dry run: nothing written") and "imported 4" in out
    assert count(Response) == 0

    code, out, last = run("import-responses", sid, SAMPLE / "responses_bad.csv")
    assert code == 1 and "Traceback" not in out
    assert [line.split(":")[0] for line in out.strip().splitlines()] == ["row 2", "row 3"]
    assert count(Response) == 0

    code, out, last = run("import-responses", sid, SAMPLE / "responses_bad.csv", "--dry-run")
    assert code == 1 and last == "dry run: nothing written"

    code, out, last = run("import-responses", sid, SAMPLE / "responses.csv")
    assert (code, last) == (0, "imported 4")
    assert count(Response) == 4 and count(Answer) == 7


def test_import_responses_unknown_survey_and_unreadable_file(run, tmp_path):
    code, out, _ = run("import-responses", "no-existe", SAMPLE / "responses.csv")
    assert code == 1 and "no existe la encuesta" in out
    sid = imported_sample(run)
    for path in (tmp_path / "missing.csv", tmp_path / "data.txt"):
        path.write_bytes(b"x") if path.suffix == ".txt" else None
        code, out, _ = run("import-responses", sid, path)
        assert code == 1 and len(out.strip().splitlines()) == 1 and "Traceback" not in out
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("submitted_at,opinion\n2025-01-01,Opinión\n".encode("latin-1"))
    code, out, _ = run("import-responses", sid, latin1)
    assert code == 1 and "UTF-8" in out


def test_open_and_close(run):
    sid = imported_sample(run)
    assert run("open", sid)[0] == 0
    survey = services.find_survey(sid)
    assert survey.state == "open" and survey.opens_at is not None
    opened_at = survey.opens_at
    assert run("close", sid)[0] == 0
    db.session.refresh(survey)
    assert survey.state == "closed" and survey.closes_at is not None
    assert run("open", sid)[0] == 0
    db.session.refresh(survey)
    assert survey.state == "open" and survey.opens_at == opened_at and survey.closes_at is None
    assert run("open", "nada")[0] == 1


def test_link_is_stable_and_invitations_are_personal(run):
    sid = imported_sample(run)
    survey = services.find_survey(sid)
    code, out, first = run("link", sid)
    assert code == 0 and first == f"/r/{survey.open_token}"
    assert run("link", str(survey.id))[2] == first  # works in draft, by id too, and is stable

    person = make_person(email="Rosa.Tellez@Gmail.com")
    code, out, path = run("link", sid, "--email", "rosa.tellez@gmail.com")
    assert code == 0 and path.startswith("/r/") and path != first
    invitation = db.session.scalar(select(Invitation))
    assert path == f"/r/{invitation.token}" and invitation.person_id == person.id
    assert len(invitation.token) >= 43 and invitation.status == "pending"
    assert run("link", sid, "--email", "ROSA.TELLEZ@gmail.com ")[2] != path  # a new invitation each time

    code, out, _ = run("link", sid, "--email", "nadie@example.org")
    assert code == 1 and "ninguna persona registrada tiene el correo «nadie@example.org»" in out
    assert count(Invitation) == 2


def test_export_form_is_standard_and_reads_back_to_the_same_survey(run, tmp_path):
    source = write_workbook(tmp_path / "rich.xlsx", **rich_form())
    sid = run("import-form", source)[2]
    survey = services.find_survey(sid)
    exported = tmp_path / "exported.xlsx"
    code, out, _ = run("export-form", sid, exported)
    assert code == 0
    converted = convert(xlsform=str(exported), validate=False)
    assert "evaluacion_sesion" in converted.xform
    assert read_xlsform(exported).definition == services.definition_of(survey)
    assert read_xlsform(exported).definition == read_xlsform(source).definition
    again = run("import-form", exported)[2]
    copy = services.find_survey(again)
    assert services.definition_of(copy) == services.definition_of(survey)
    assert run("export-form", sid, tmp_path / "f.csv")[0] == 1


def test_export_form_of_a_survey_built_elsewhere_converts(run, tmp_path):
    from tests.factories import make_survey

    survey = make_survey(code="hecha-en-web")
    survey.form_id = ""
    db.session.commit()
    path = tmp_path / "web.xlsx"
    assert run("export-form", survey.code, path)[0] == 0
    convert(xlsform=str(path), validate=False)
    definition = read_xlsform(path).definition
    assert definition == services.definition_of(survey)


def test_export_csv_and_xlsx(run, tmp_path):
    sid = imported_sample(run)
    run("import-responses", sid, SAMPLE / "responses.csv")
    code, out, last = run("export", sid, tmp_path / "r.csv")
    assert (code, last) == (0, "exported 4")
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["opinion"] for r in rows) == ["", "'=1+1", "'@cmd", "Muy clara"]
    assert run("export", sid, tmp_path / "r.xlsx")[0] == 0
    workbook = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert not [c for s in workbook.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    code, out, _ = run("export", sid, tmp_path / "r.pdf")
    assert code == 1 and "Traceback" not in out

    # the export imports back unchanged into a copy of the survey
    copy = run("import-form", SAMPLE / "form.xlsx")[2]
    assert run("import-responses", copy, tmp_path / "r.csv")[2] == "imported 4"
    run("export", copy, tmp_path / "copy.csv")
    assert (tmp_path / "copy.csv").read_bytes() == (tmp_path / "r.csv").read_bytes()
