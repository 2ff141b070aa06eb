"""The coding page without JavaScript: its list (paged, filtered), the one POST per page with the CSRF token,
the code book editor, who may do what, the audit of the comments read, and the counts on the survey page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.coding import services
from surveys.coding.models import AnswerCode, CodeAssignment
from tests.conftest import login
from tests.factories import PASSWORD, make_user
from tests.survey_coding.helpers import COMMENTS, comment, commented_survey, opinion_answers


def url(survey, tail: str = "codificacion") -> str:
    return f"/encuestas/{survey.id}/preguntas/{survey.questions[1].id}/{tail}"


def text(client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200, address
    return response.get_data(as_text=True)


def listed(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r'<p class="text-prewrap mb-2" id="texto-\d+">(.*?)</p>',
                                                                  page, re.S)]


def assignments() -> set[tuple[int, int]]:
    return {(a, c) for a, c in db.session.execute(select(CodeAssignment.answer_id, CodeAssignment.code_id))}


def test_the_page_lists_the_counted_comments_newest_first_and_filters_them(app, client, login_as):
    user = login_as("staff")
    survey = commented_survey()
    question = survey.questions[1]
    horario = services.create_code(question, "Horario", actor=user)
    ids = opinion_answers(survey)
    services.assign(question, [ids[COMMENTS[0]], ids[COMMENTS[3]]], [horario.id], actor=user)
    page = text(client, url(survey))
    assert listed(page) == list(COMMENTS)  # the excluded response's comment is not listed
    assert "Ráfaga" not in page
    assert listed(text(client, url(survey) + "?estado=sin-codificar")) == [COMMENTS[1], COMMENTS[2], COMMENTS[4]]
    assert listed(text(client, url(survey) + "?estado=codificadas")) == [COMMENTS[0], COMMENTS[3]]
    assert listed(text(client, url(survey) + f"?codigo={horario.id}")) == [COMMENTS[0], COMMENTS[3]]
    assert listed(text(client, url(survey) + "?texto=TRAT")) == [COMMENTS[1], COMMENTS[3]]
    assert listed(text(client, url(survey) + "?texto=50%25")) == []  # a LIKE wildcard is searched as text
    # counts beside the list: Horario 2 of 5 (40 %), sin codificar 3 (60 %)
    assert re.search(r"<td>Horario</td><td class=\"text-end\">2</td><td[^>]*>40", page)
    assert re.search(r"<em>Sin codificar</em></td><td class=\"text-end\">3</td><td[^>]*>60", page)


def test_the_list_is_paged(app, client, login_as):
    login_as("staff")
    survey = commented_survey()
    for i in range(25):
        comment(survey, f"Comentario número {i}", when=datetime(2025, 1, 1) + timedelta(hours=i))
    first, second = text(client, url(survey)), text(client, url(survey) + "?pagina=2")
    assert len(listed(first)) == 25 and len(listed(second)) == 5
    assert "Página 1 de 2" in first and not set(listed(first)) & set(listed(second))


def _csrf_client(app, role: str):
    user = make_user(role=role)
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/acceso").get_data(as_text=True)).group(1)
    assert client.post("/acceso", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    # the test's app context is shared by the client's requests: Flask-WTF's per-request token cache in `g`
    # would otherwise hold the token of the session before logging in
    g.pop("csrf_token", None)
    return client, user


def _form(page: str, action_part: str) -> dict[str, str]:
    """The hidden inputs of the first form whose action contains `action_part`."""
    form = re.search(r'<form method="post" action="[^"]*' + re.escape(action_part) + r'[^"]*">(.*?)</form>', page,
                     re.S).group(1)
    return dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
                + re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form))


def test_a_page_of_codes_is_saved_in_one_post_with_its_csrf_token_without_javascript(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        client, user = _csrf_client(app, "staff")
        survey = commented_survey()
        question = survey.questions[1]
        horario = services.create_code(question, "Horario", actor=user)
        trato = services.create_code(question, "Trato del personal", actor=user)
        ids = opinion_answers(survey)
        services.assign(question, [ids[COMMENTS[4]]], [trato.id], actor=user)
        page = text(client, url(survey) + "?estado=sin-codificar&texto=o")
        forms = re.findall(r'<form method="post".*?</form>', page, re.S)
        assert len(forms) == 1 + 1 + 1 + 2 * 2  # log-out, the page's codes, new code, rename and delete per code
        assert all(len(re.findall(r'name="([\w-]*csrf_token)" type="hidden" value="[^"]+"|name="csrf_token" '
                                  r'value="[^"]+"', f)) == 1 for f in forms), forms
        hidden = _form(page, "/codificacion")
        assert set(hidden) == {"csrf_token", "answers"}
        assert hidden["answers"].split() == [str(ids[t]) for t in COMMENTS if t != COMMENTS[4]]
        boxes = re.findall(r'<input class="form-check-input" type="checkbox" name="(r\d+)" id="[^"]+" value="(\d+)"',
                           page)
        assert (f"r{ids[COMMENTS[0]]}", str(horario.id)) in boxes
        action = re.search(r'<form method="post" action="([^"]*/codificacion[^"]*)"', page).group(1)
        assert "estado=sin-codificar" in action and "texto=o" in action
        ticked = {**hidden, f"r{ids[COMMENTS[0]]}": [str(horario.id)],
                  f"r{ids[COMMENTS[3]]}": [str(horario.id), str(trato.id)]}
        refused = client.post(action.replace("&amp;", "&"), data={k: v for k, v in ticked.items() if k != "csrf_token"})
        assert refused.status_code == 400 and assignments() == {(ids[COMMENTS[4]], trato.id)}
        saved = client.post(action.replace("&amp;", "&"), data=ticked)
        assert saved.status_code == 302 and "estado=sin-codificar" in saved.location
        assert saved.location.endswith("#respuestas")
        assert assignments() == {(ids[COMMENTS[0]], horario.id), (ids[COMMENTS[3]], horario.id),
                                 (ids[COMMENTS[3]], trato.id), (ids[COMMENTS[4]], trato.id)}  # other pages kept
        after = client.get(saved.location).get_data(as_text=True)
        assert "Códigos guardados: 3 asignados y 0 retirados." in after
        # a code of another question slipped into the form is refused by the form's choices
        other = commented_survey()
        foreign = services.create_code(other.questions[1], "Sede", actor=user)
        client.post(action.replace("&amp;", "&"), data={**hidden, f"r{ids[COMMENTS[1]]}": [str(foreign.id)]})
        assert (ids[COMMENTS[1]], foreign.id) not in assignments()


def test_the_code_book_editor_adds_renames_and_deletes_with_confirmation(app, client, login_as):
    user = login_as("staff")
    survey = commented_survey()
    question = survey.questions[1]
    created = client.post(url(survey, "codigos"), data={"nuevo-label": "Horario", "nuevo-description": "Horas"})
    assert created.status_code == 302 and created.location.endswith("#libro")
    code = db.session.scalar(select(AnswerCode))
    assert (code.label, code.description) == ("Horario", "Horas")
    client.post(url(survey, "codigos"), data={"nuevo-label": "HORARIO"})
    page = text(client, url(survey))
    assert "Ya existe el código «Horario» en esta pregunta (sin distinguir mayúsculas ni acentos)." in page
    client.post(url(survey, "codigos/guardar"),
                data={"codigo": code.id, f"c{code.id}-label": "Horarios", f"c{code.id}-description": ""})
    db.session.refresh(code)
    assert code.label == "Horarios"
    services.assign(question, list(opinion_answers(survey).values())[:2], [code.id], actor=user)
    assert client.post(url(survey, "codigos/eliminar"), data={"codigo": code.id + 99}).status_code == 404
    asked = client.post(url(survey, "codigos/eliminar"), data={"codigo": code.id})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "está asignado a 2 comentarios" in body
    assert db.session.scalar(select(func.count(CodeAssignment.id))) == 2
    assert f'<input type="hidden" name="codigo" value="{code.id}">' in body
    done = client.post(url(survey, "codigos/eliminar"), data={"codigo": code.id, "confirm": "y"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(AnswerCode.id))) == 0
    assert db.session.scalar(select(func.count(CodeAssignment.id))) == 0
    assert "Código «Horarios» eliminado con sus 2 asignaciones." in text(client, done.location)


@pytest.mark.parametrize("role,reads,writes", [("viewer", False, False), ("coordinator", True, False),
                                               ("staff", True, True), ("admin", True, True)])
def test_who_may_read_and_code(app, client, role, reads, writes):
    survey = commented_survey()
    code = services.create_code(survey.questions[1], "Horario", actor=None)
    answer_id = next(iter(opinion_answers(survey).values()))
    login(client, make_user(role=role))
    page = client.get(url(survey))
    assert page.status_code == (200 if reads else 403)
    if reads:
        body = page.get_data(as_text=True)
        assert ('type="checkbox"' in body) == writes and ("Agregar código" in body) == writes
    posts = [(url(survey), {"answers": str(answer_id), f"r{answer_id}": str(code.id)}),
             (url(survey, "codigos"), {"nuevo-label": "Trato"}),
             (url(survey, "codigos/guardar"), {"codigo": code.id, f"c{code.id}-label": "Horarios"}),
             (url(survey, "codigos/eliminar"), {"codigo": code.id, "confirm": "y"})]
    for address, data in posts:
        assert client.post(address, data=data).status_code == (302 if writes else 403), address
    # staff: Trato added, Horario renamed then deleted with its assignment; others: nothing changed
    assert list(db.session.scalars(select(AnswerCode.label))) == (["Trato"] if writes else ["Horario"])
    assert db.session.scalar(select(func.count(CodeAssignment.id))) == 0


def test_anonymous_is_sent_to_log_in_and_wrong_questions_are_not_found(app, client, login_as):
    survey = commented_survey()
    assert client.get(url(survey)).status_code == 302
    login_as("staff")
    other = commented_survey()
    assert client.get(f"/encuestas/{other.id}/preguntas/{survey.questions[1].id}/codificacion").status_code == 404
    assert client.get(f"/encuestas/{survey.id}/preguntas/{survey.questions[0].id}/codificacion").status_code == 404


def test_reading_a_page_of_comments_is_audited(app, client, login_as):
    user = login_as("coordinator")
    survey = commented_survey()
    text(client, url(survey) + "?estado=sin-codificar")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.view_responses"))
    assert entry.actor_id == user.id and entry.target_id == str(survey.id)
    assert entry.details["question"] == "opinion" and entry.details["estado"] == "sin-codificar"
    assert sorted(entry.details["answers"]) == sorted(opinion_answers(survey)[t] for t in COMMENTS)


def test_the_survey_page_shows_the_counts_beside_the_question_and_links_to_the_coding_page(app, client, login_as):
    user = login_as("staff")
    survey = commented_survey()
    question = survey.questions[1]
    code = services.create_code(question, "Trato del personal", actor=user)
    services.assign(question, [opinion_answers(survey)[COMMENTS[1]]], [code.id], actor=user)
    page = text(client, f"/encuestas/{survey.id}")
    card = page[page.index("<code>opinion</code>"):]
    card = card[:card.index('<div class="card mb-2">') if '<div class="card mb-2">' in card else None]
    assert 'aria-label="Conteo por código de opinion"' in card
    assert re.search(r"<td>Trato del personal</td><td class=\"text-end\">1</td><td[^>]*>20", card)
    assert re.search(r"<em>Sin codificar</em></td><td class=\"text-end\">4</td><td[^>]*>80", card)
    assert f'href="/encuestas/{survey.id}/preguntas/{question.id}/codificacion"' in card
    assert "Codificar los comentarios de «opinion»" in card
    client.post("/salir")
    login(client, make_user(role="viewer"))
    seen = text(client, f"/encuestas/{survey.id}")
    assert "Trato del personal" in seen and "/codificacion" not in seen  # counts for all, comments for some
