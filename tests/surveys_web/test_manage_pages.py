import io
from pathlib import Path

import openpyxl
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.models import Answer, Response, Survey
from tests.factories import make_person, make_survey

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "contract-check" / "sample"


def add_response(survey, choice="buena", text=None, person=None):
    q = survey.questions
    response = Response(survey_id=survey.id, person_id=person.id if person else None)
    response.answers.append(Answer(question_id=q[0].id, choice_id=next(c.id for c in q[0].choices if c.name == choice)))
    if text is not None:
        response.answers.append(Answer(question_id=q[1].id, value=text))
    db.session.add(response)
    db.session.commit()
    return response


def test_staff_creates_a_survey_from_an_xlsform_and_opens_it(client, login_as):
    login_as("staff")
    data = {"file": (io.BytesIO((SAMPLE / "form.xlsx").read_bytes()), "form.xlsx"), "component": "AI3", "year": "2025"}
    response = client.post("/encuestas/importar-formulario", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    survey = db.session.scalar(select(Survey))
    assert survey.state == "draft" and survey.component_code == "AI3" and survey.year == 2025
    client.post(f"/encuestas/{survey.id}/estado", data={"accion": "abrir"})
    db.session.refresh(survey)
    assert survey.state == "open"
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert f"/r/{survey.open_token}" in page and "¿Cómo califica la sesión?" in page


def test_a_broken_xlsform_lists_its_problems_and_creates_nothing(client, login_as):
    login_as("staff")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["select_one nada", "q1", "Pregunta"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = client.post("/encuestas/importar-formulario", data={"file": (buffer, "malo.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "no se creó nada" in response.get_data(as_text=True)
    assert db.session.scalar(select(Survey)) is None


def test_summaries_count_over_submitted_responses_and_escape_text(client, login_as):
    survey = make_survey(state="open")
    add_response(survey, "buena", "<b>excelente</b>")
    add_response(survey, "buena")
    add_response(survey, "mala")
    login_as("coordinator")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "3 respuestas" in page
    assert "66.7" in page and "33.3" in page
    assert "&lt;b&gt;excelente&lt;/b&gt;" in page and "<b>excelente</b>" not in page


def test_exports_are_formula_safe_and_audited(client, login_as):
    survey = make_survey(state="open")
    add_response(survey, "buena", "=HYPERLINK(\"http://x\")")
    login_as("coordinator")
    body = client.get(f"/encuestas/{survey.id}/respuestas.csv").get_data(as_text=True)
    assert body.startswith("\ufeffsubmitted_at,calidad,opinion")
    assert "'=HYPERLINK" in body
    xlsx = client.get(f"/encuestas/{survey.id}/respuestas.xlsx").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.max_row == 2
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "surveys.export")))
    assert len(actions) == 2


def test_roles_on_survey_pages(client, login_as):
    survey = make_survey()
    add_response(survey, "buena", person=make_person())
    login_as("viewer")
    assert client.get("/encuestas/").status_code == 200
    assert client.get(f"/encuestas/{survey.id}").status_code == 200
    assert client.get(f"/encuestas/{survey.id}/respuestas").status_code == 403
    assert client.get(f"/encuestas/{survey.id}/respuestas.csv").status_code == 403
    assert client.post(f"/encuestas/{survey.id}/estado", data={"accion": "abrir"}).status_code == 403


def test_staff_browses_responses_and_it_is_audited(client, login_as):
    survey = make_survey()
    add_response(survey, "regular", "Muy clara", person=make_person("Rosa", "Téllez"))
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/respuestas").get_data(as_text=True)
    assert "Rosa Téllez" in page and "Muy clara" in page and "Regular" in page
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "surveys.view_responses"))


def test_web_import_of_responses_for_one_survey(client, login_as):
    survey = make_survey(questions=None)
    login_as("staff")
    text = "\ufeffsubmitted_at,calidad,opinion\n2025-02-10T10:00:00-06:00,buena,Muy clara\n"
    response = client.post(f"/importar/encuesta-{survey.id}", data={"file": (io.BytesIO(text.encode()), "r.csv")},
                           content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 respuestas" in page
