"""The builder and invitation pages: roles, forms, messages, escaping."""

import csv
import io

import pytest
from sqlalchemy import func, select

from crm.core import mail
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.models import Invitation, Question, Survey
from tests.factories import make_person, make_survey
from tests.surveys_builder.helpers import answer, oppose

XSS_LABEL = "<script>alert('q')</script>¿Qué opina?"
XSS_CHOICE = "<img src=x onerror=alert(1)>Bien"


def choice_rows(*rows):
    data = {}
    for index, (code, label_es, label_en, positive) in enumerate(rows):
        data[f"choices-{index}-code"] = code
        data[f"choices-{index}-label_es"] = label_es
        data[f"choices-{index}-label_en"] = label_en
        if positive:
            data[f"choices-{index}-positive"] = "y"
    return data


def builder_urls(survey_id, question_id):
    return [
        ("get", "/encuestas/nueva"), ("post", "/encuestas/nueva"), ("post", "/encuestas/nueva/plantilla"),
        ("get", f"/encuestas/{survey_id}/editar"), ("post", f"/encuestas/{survey_id}/editar"),
        ("get", f"/encuestas/{survey_id}/preguntas"), ("get", f"/encuestas/{survey_id}/preguntas/nueva"),
        ("post", f"/encuestas/{survey_id}/preguntas/nueva"),
        ("get", f"/encuestas/{survey_id}/preguntas/{question_id}"),
        ("post", f"/encuestas/{survey_id}/preguntas/{question_id}"),
        ("post", f"/encuestas/{survey_id}/preguntas/{question_id}/mover"),
        ("post", f"/encuestas/{survey_id}/preguntas/{question_id}/eliminar"),
        ("post", f"/encuestas/{survey_id}/duplicar"), ("get", f"/encuestas/{survey_id}/vista-previa"),
        ("get", f"/encuestas/{survey_id}/invitar"), ("post", f"/encuestas/{survey_id}/invitar"),
        ("post", f"/encuestas/{survey_id}/recordatorio"), ("get", f"/encuestas/{survey_id}/invitaciones"),
    ]


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_viewer_and_coordinator_cannot_build_or_invite(client, login_as, role):
    survey = make_survey(state="open")
    make_person("Ana", networks=("rvc",))
    login_as(role)
    for method, url in builder_urls(survey.id, survey.questions[0].id):
        data = {"origen": "red", "red": "rvc", "send": "y", "title_es": "X", "kind": "short_text",
                "label_es": "X", "direccion": "abajo"}
        response = client.get(url) if method == "get" else client.post(url, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert db.session.scalar(select(func.count(Survey.id))) == 1
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert len(survey.questions) == 2 and mail.outbox() == []
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "Editar preguntas" not in page and "/invitar" not in page


def test_staff_builds_a_survey_from_scratch(client, login_as):
    login_as("staff")
    assert "Crear desde plantilla" in client.get("/encuestas/nueva").get_data(as_text=True)
    response = client.post("/encuestas/nueva", data={
        "title_es": "Encuesta del foro", "title_en": "Forum survey", "languages": "es,en", "component": "AI3",
        "year": "2025", "opens_at": "2025-06-01T09:00", "closes_at": "2025-06-30T18:00"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey = db.session.scalar(select(Survey))
    assert response.headers["Location"].endswith(f"/encuestas/{survey.id}/preguntas")
    assert survey.titles == {"es": "Encuesta del foro", "en": "Forum survey"} and survey.state == "draft"
    assert survey.opens_at.isoformat() == "2025-06-01T15:00:00"

    # the scale form comes pre-filled with the five levels, the top two positive
    page = client.get(f"/encuestas/{survey.id}/preguntas/nueva?tipo=scale").get_data(as_text=True)
    assert 'value="excelente"' in page and 'value="muy_mala"' in page
    data = {"kind": "scale", "label_es": "¿Cómo califica el foro?", "label_en": "How do you rate the forum?",
            "required": "y", "indicator": "y", **choice_rows(("excelente", "Excelente", "Excellent", True),
                                                             ("buena", "Buena", "Good", True),
                                                             ("regular", "Regular", "Fair", False),
                                                             ("mala", "Mala", "Poor", False))}
    response = client.post(f"/encuestas/{survey.id}/preguntas/nueva", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    question = db.session.scalar(select(Question).where(Question.survey_id == survey.id))
    assert question.indicator and question.required and question.name == "como_califica_el_foro"
    assert [(c.name, c.positive) for c in question.choices] == [("excelente", True), ("buena", True),
                                                                 ("regular", False), ("mala", False)]
    # "add rows" shows the form again with more empty rows, saving nothing
    response = client.post(f"/encuestas/{survey.id}/preguntas/nueva",
                           data={"kind": "multiple", "label_es": "Temas", "more": "y",
                                 **choice_rows(("a", "A", "", False))})
    assert response.status_code == 200 and 'name="choices-3-code"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id))) == 1
    client.post(f"/encuestas/{survey.id}/preguntas/nueva", data={"kind": "long_text", "label_es": "Comentarios"})
    client.post(f"/encuestas/{survey.id}/preguntas/nueva", data={"kind": "section", "label_es": "Datos"})
    db.session.expire_all()
    assert [q.type for q in sorted(survey.questions, key=lambda q: q.position)] == \
        ["select_one", "text", "begin_group", "end_group"]
    comments = next(q for q in survey.questions if q.type == "text")
    client.post(f"/encuestas/{survey.id}/preguntas/{comments.id}/mover", data={"direccion": "arriba"})
    db.session.expire_all()
    assert [q.type for q in sorted(survey.questions, key=lambda q: q.position)][:2] == ["text", "select_one"]

    # errors come back as a 422 page in Spanish, nothing saved
    response = client.post(f"/encuestas/{survey.id}/preguntas/nueva",
                           data={"kind": "multiple", "label_es": "Temas", "indicator": "y",
                                 **choice_rows(("a", "A", "", True))})
    assert response.status_code == 422
    assert "Solo una pregunta de opción única" in response.get_data(as_text=True)
    response = client.post(f"/encuestas/{survey.id}/preguntas/nueva",
                           data={"kind": "single", "label_es": "Temas",
                                 **choice_rows(("1a", "A", "", True), ("b", "B", "", False))})
    assert response.status_code == 422 and "no es un código válido" in response.get_data(as_text=True)

    preview = client.get(f"/encuestas/{survey.id}/vista-previa?lang=en").get_data(as_text=True)
    assert "How do you rate the forum?" in preview and "Excellent" in preview and "Forum survey" in preview


def test_answered_question_cannot_be_deleted_but_its_label_can_change(client, login_as):
    survey = make_survey(state="open")
    answer(survey, "calidad", choice="buena")
    question = survey.questions[0]
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/preguntas").get_data(as_text=True)
    assert "ya tiene 1 respuesta" in page and "No se puede eliminar: tiene respuestas" in page
    response = client.post(f"/encuestas/{survey.id}/preguntas/{question.id}/eliminar", follow_redirects=True)
    assert "no se puede eliminar" in response.get_data(as_text=True)
    assert db.session.get(Question, question.id) is not None
    rows = {f"choices-{i}-choice_id": str(c.id) for i, c in enumerate(question.choices)}
    rows.update(choice_rows(*[(c.name, c.labels["es"] + "!", c.labels["en"], c.positive) for c in question.choices]))
    response = client.post(f"/encuestas/{survey.id}/preguntas/{question.id}",
                           data={"kind": "single", "name": "calidad", "label_es": "¿Qué le pareció la sesión?",
                                 "required": "y", "indicator": "y", **rows})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert question.labels["es"] == "¿Qué le pareció la sesión?" and question.choices[0].labels["es"] == "Buena!"
    rows["choices-0-remove"] = "y"
    response = client.post(f"/encuestas/{survey.id}/preguntas/{question.id}",
                           data={"kind": "single", "name": "calidad", "label_es": "X", **rows})
    assert response.status_code == 422
    assert "ya fue elegida en respuestas guardadas" in response.get_data(as_text=True)
    response = client.post(f"/encuestas/{survey.id}/preguntas/{question.id}",
                           data={"kind": "multiple", "name": "calidad", "label_es": "X",
                                 **{k: v for k, v in rows.items() if k != "choices-0-remove"}})
    assert response.status_code == 422 and "no puede cambiar su tipo" in response.get_data(as_text=True)


def test_question_of_another_survey_is_not_reachable(client, login_as):
    mine, other = make_survey(), make_survey()
    login_as("staff")
    foreign = other.questions[0].id
    assert client.get(f"/encuestas/{mine.id}/preguntas/{foreign}").status_code == 404
    assert client.post(f"/encuestas/{mine.id}/preguntas/{foreign}/eliminar").status_code == 404
    assert db.session.get(Question, foreign) is not None


def test_create_from_template_and_duplicate(client, login_as):
    login_as("staff")
    response = client.post("/encuestas/nueva/plantilla", data={"template": "observadores", "component": "AI5",
                                                               "year": "2025"})
    assert response.status_code == 302
    survey = db.session.scalar(select(Survey))
    assert survey.component_code == "AI5" and any(q.indicator for q in survey.questions)
    response = client.post(f"/encuestas/{survey.id}/duplicar")
    assert response.status_code == 302
    copy = db.session.scalar(select(Survey).where(Survey.id != survey.id))
    assert copy.state == "draft" and copy.code != survey.code and len(copy.questions) == len(survey.questions)
    assert client.post("/encuestas/nueva/plantilla", data={"template": "nada"}).status_code == 422


def test_stored_markup_in_labels_is_escaped_on_staff_pages(client, login_as):
    survey = make_survey(title="<b>Título</b>", titles={"es": "<b>Título</b>"}, questions=[
        {"name": "q1", "type": "select_one", "labels": {"es": XSS_LABEL}, "hints": {"es": "<i>ayuda</i>"},
         "choices": [("bien", {"es": XSS_CHOICE}, True), ("mal", {"es": "Mal"}, False)]},
        {"name": "g1", "type": "begin_group", "labels": {"es": "<u>Sección</u>"}},
        {"name": None, "type": "end_group"},
    ])
    login_as("staff")
    for url in (f"/encuestas/{survey.id}/preguntas", f"/encuestas/{survey.id}/preguntas/{survey.questions[0].id}",
                f"/encuestas/{survey.id}/vista-previa", f"/encuestas/{survey.id}", f"/encuestas/{survey.id}/invitar",
                f"/encuestas/{survey.id}/editar", "/encuestas/"):
        page = client.get(url).get_data(as_text=True)
        for raw in ("<script>alert", "<img src=x", "<b>Título", "<i>ayuda", "<u>Sección"):
            assert raw not in page, (url, raw)
    page = client.get(f"/encuestas/{survey.id}/preguntas").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;¿Qué opina?" in page
    assert "&lt;img src=x onerror=alert(1)&gt;Bien" in page and "Fin de la sección «&lt;u&gt;Sección&lt;/u&gt;»" in page
    edit = client.get(f"/encuestas/{survey.id}/preguntas/{survey.questions[0].id}").get_data(as_text=True)
    assert 'value="&lt;img src=x onerror=alert(1)&gt;Bien"' in edit


def test_invite_page_previews_counts_then_sends_and_reports(client, login_as):
    survey = make_survey(state="open")
    make_person("Ana", networks=("rvc",), consent=True)
    make_person("Ben", networks=("rvc",), language="en", consent=True)
    oppose(make_person("Olga", networks=("rvc",), consent=True), "email")
    make_person("Nora", networks=("rvc",))  # no consent recorded: never e-mailed
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/invitar?origen=red&red=rvc").get_data(as_text=True)
    assert "Red Voto Chilango, membresía activa: 4 personas" in page
    assert "<strong>2</strong> recibirían ahora" in page
    assert "1 sin consentimiento registrado" in page
    response = client.post(f"/encuestas/{survey.id}/invitar", data={"origen": "red", "red": "rvc", "send": "y"},
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Invitaciones por correo: 2 enviadas" in text
    assert "Se omitió a 2 personas (1: sin consentimiento registrado; 1: se opone a recibir correos electrónicos)" in text
    assert len(mail.outbox()) == 2
    assert "Enviada" in text and db.session.scalar(select(func.count(Invitation.id))) == 2
    # again: nothing new
    text = client.post(f"/encuestas/{survey.id}/invitar", data={"origen": "red", "red": "rvc", "send": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "0 enviadas" in text and "ya recibió la invitación por correo" in text and len(mail.outbox()) == 2
    text = client.post(f"/encuestas/{survey.id}/recordatorio", follow_redirects=True).get_data(as_text=True)
    assert "Recordatorios: 2 enviadas" in text and len(mail.outbox()) == 4


def test_a_draft_survey_is_not_sent_by_email_but_links_can_be_downloaded(client, login_as):
    survey = make_survey(state="draft")
    make_person("Ana", networks=("rvc",), phone="+525512345678")
    login_as("staff")
    text = client.post(f"/encuestas/{survey.id}/invitar", data={"origen": "red", "red": "rvc", "send": "y"},
                       follow_redirects=True).get_data(as_text=True)
    assert "ábrala antes de enviar" in text and mail.outbox() == []
    response = client.post(f"/encuestas/{survey.id}/invitar", data={"origen": "red", "red": "rvc", "links": "y"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    token = db.session.scalar(select(Invitation.token))
    assert rows[0]["telefono"] == "+525512345678" and rows[0]["enlace"].endswith(f"/r/{token}")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.invite_links")) is not None


def test_invitation_status_page_counts_each_status(client, login_as):
    survey = make_survey(state="open")
    for index, status in enumerate(["pending", "sent", "sent", "opened", "answered", "bounced"]):
        person = make_person(f"P{index}")
        db.session.add(Invitation(survey_id=survey.id, person_id=person.id, token=f"tok{index:040d}", status=status))
    db.session.commit()
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/invitaciones").get_data(as_text=True)
    for label in ("Pendiente", "Enviada", "Abierta", "Respondida", "Rebotada"):
        assert label in page
    assert '<td class="text-end">1</td><td class="text-end">2</td><td class="text-end">1</td>' in page
    filtered = client.get(f"/encuestas/{survey.id}/invitaciones?estado=sent").get_data(as_text=True)
    assert filtered.count("<td>Enviada</td>") == 2 and "<td>Pendiente</td>" not in filtered
