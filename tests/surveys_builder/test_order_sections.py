"""Order and sections on the questions page without JavaScript (issue 18, item 10): move a question (or a whole
section) to any place in one step, put it into or out of a section, create, rename and remove sections without
losing questions, save a whole order (what the page's script sends); the safety rules hold for every path."""

from __future__ import annotations

import pytest

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Survey
from tests.factories import make_survey

QUESTIONS = [
    {"name": "a", "type": "text", "labels": {"es": "Pregunta A"}},
    {"name": "sec", "type": "begin_group", "labels": {"es": "Sección uno"}},
    {"name": "b", "type": "text", "labels": {"es": "Pregunta B"}},
    {"name": "c", "type": "text", "labels": {"es": "Pregunta C"}},
    {"type": "end_group"},
    {"name": "d", "type": "integer", "labels": {"es": "Pregunta D"}},
]


@pytest.fixture
def survey(app):
    return make_survey(questions=QUESTIONS, languages=["es"])


def fresh(survey) -> Survey:
    db.session.expire_all()
    return db.session.get(Survey, survey.id)


def order(survey) -> list[str]:
    return [x.name or x.type for x in sorted(fresh(survey).questions, key=lambda x: x.position)]


def qid(survey, name: str) -> int:
    return next(x.id for x in fresh(survey).questions if x.name == name)


def test_move_to_any_place_in_one_step(client, login_as, survey):
    login_as("staff")
    url = f"/encuestas/{survey.id}/preguntas/mover-a"
    response = client.post(url, data={"pregunta": qid(survey, "d"), "destino": str(qid(survey, "a"))},
                           follow_redirects=True)
    assert response.status_code == 200 and "Se movió «Pregunta D»." in response.get_data(as_text=True)
    assert order(survey) == ["d", "a", "sec", "b", "c", "end_group"]
    client.post(url, data={"pregunta": qid(survey, "d"), "destino": "fin"})
    assert order(survey) == ["a", "sec", "b", "c", "end_group", "d"]


def test_a_section_moves_with_its_questions(client, login_as, survey):
    login_as("staff")
    url = f"/encuestas/{survey.id}/preguntas/mover-a"
    client.post(url, data={"pregunta": qid(survey, "sec"), "destino": "fin"})
    assert order(survey) == ["a", "d", "sec", "b", "c", "end_group"]
    response = client.post(url, data={"pregunta": qid(survey, "sec"), "destino": str(qid(survey, "b"))},
                           follow_redirects=True)
    assert "no puede moverse dentro de sí misma" in response.get_data(as_text=True)
    assert order(survey) == ["a", "d", "sec", "b", "c", "end_group"]


def test_a_question_goes_into_and_out_of_a_section(client, login_as, survey):
    login_as("staff")
    url = f"/encuestas/{survey.id}/preguntas/seccion"
    response = client.post(url, data={"pregunta": qid(survey, "a"), "seccion": str(qid(survey, "sec"))},
                           follow_redirects=True)
    assert "«Pregunta A» quedó en la sección «Sección uno»." in response.get_data(as_text=True)
    assert order(survey) == ["sec", "b", "c", "a", "end_group", "d"]
    client.post(url, data={"pregunta": qid(survey, "b"), "seccion": ""})
    assert order(survey) == ["sec", "c", "a", "end_group", "b", "d"]


def test_sections_are_created_renamed_and_removed_keeping_their_questions(client, login_as, survey):
    login_as("staff")
    response = client.post(f"/encuestas/{survey.id}/secciones/nueva", data={"title_es": "Sobre usted"},
                           follow_redirects=True)
    assert "Sección «Sobre usted» creada al final." in response.get_data(as_text=True)
    new = next(x for x in fresh(survey).questions if x.type == "begin_group" and x.label("es") == "Sobre usted")
    assert order(survey)[-2:] == [new.name, "end_group"]
    client.post(f"/encuestas/{survey.id}/preguntas/seccion", data={"pregunta": qid(survey, "d"), "seccion": new.id})
    client.post(f"/encuestas/{survey.id}/secciones/{new.id}/renombrar", data={"title_es": "Datos generales"})
    assert db.session.get(type(new), new.id).label("es") == "Datos generales"
    assert order(survey)[-3:] == [new.name, "d", "end_group"]
    before = len(fresh(survey).questions)
    response = client.post(f"/encuestas/{survey.id}/preguntas/{qid(survey, 'sec')}/eliminar", follow_redirects=True)
    assert response.status_code == 200
    assert order(survey) == ["a", "b", "c", new.name, "d", "end_group"]  # its questions stay, outside it
    assert len(fresh(survey).questions) == before - 2
    response = client.post(f"/encuestas/{survey.id}/secciones/nueva", data={"title_es": ""}, follow_redirects=True)
    assert "Escriba el título de la sección." in response.get_data(as_text=True)


def test_a_whole_order_is_saved_and_checked(client, login_as, survey):
    login_as("staff")
    ids = {x.name or "end": x.id for x in fresh(survey).questions}
    wanted = [ids[n] for n in ("d", "sec", "c", "b", "end", "a")]
    response = client.post(f"/encuestas/{survey.id}/preguntas/orden", data={"orden": ",".join(map(str, wanted))},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json == {"ok": True, "mensaje": "Orden guardado."}
    assert order(survey) == ["d", "sec", "c", "b", "end_group", "a"]
    broken = [ids[n] for n in ("end", "sec", "c", "b", "d", "a")]
    response = client.post(f"/encuestas/{survey.id}/preguntas/orden", data={"orden": ",".join(map(str, broken))},
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and "sin abrir o sin cerrar" in response.json["mensaje"]
    response = client.post(f"/encuestas/{survey.id}/preguntas/orden", data={"orden": "1,2,x"})
    assert response.status_code == 302
    assert order(survey) == ["d", "sec", "c", "b", "end_group", "a"]


def test_no_move_enters_a_section_with_a_condition(client, login_as, app):
    survey = make_survey(questions=[
        {"name": "edad", "type": "integer", "labels": {"es": "Edad"}},
        {"name": "adultos", "type": "begin_group", "labels": {"es": "Adultos"},
         "logic": {"relevant": {"src": "${edad} >= 18", "tree": compile_expression("${edad} >= 18")}}},
        {"name": "trabajo", "type": "text", "labels": {"es": "Trabajo"}},
        {"type": "end_group"},
        {"name": "fin", "type": "text", "labels": {"es": "Comentario"}}], languages=["es"])
    login_as("staff")
    response = client.post(f"/encuestas/{survey.id}/preguntas/seccion",
                           data={"pregunta": qid(survey, "fin"), "seccion": qid(survey, "adultos")},
                           follow_redirects=True)
    assert "tiene una condición" in response.get_data(as_text=True)
    assert order(survey) == ["edad", "adultos", "trabajo", "end_group", "fin"]


def test_the_questions_page_offers_every_move_without_javascript(client, login_as, survey):
    login_as("staff")
    html = client.get(f"/encuestas/{survey.id}/preguntas").get_data(as_text=True)
    assert f'action="/encuestas/{survey.id}/preguntas/mover-a"' in html
    assert f'<option value="{qid(survey, "d")}">5. Pregunta D</option>' in html
    assert f'<option value="{qid(survey, "sec")}">Sección uno</option>' in html  # «Cambiar de sección»
    assert f"/encuestas/{survey.id}/secciones/{qid(survey, 'sec')}/renombrar" in html
    assert "Quitar sección (conserva sus preguntas)" in html
    assert "staff/builder.js" in html and 'class="btn btn-sm btn-outline-secondary builder-handle" hidden' in html
    assert "Texto" in html and "Número entero" in html and "select_one" not in html and ">text<" not in html
    assert "Abrir la encuesta (vista previa)" in html


def test_an_open_survey_links_to_its_respondent_page(client, login_as, app):
    survey = make_survey(state="open")
    login_as("staff")
    html = client.get(f"/encuestas/{survey.id}/preguntas").get_data(as_text=True)
    assert f'href="/r/{survey.open_token}"' in html and "Abrir la encuesta" in html


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_the_order_and_section_routes_need_the_builders_permission(client, login_as, survey, role):
    login_as(role)
    before = order(survey)
    d, sec = qid(survey, "d"), qid(survey, "sec")
    for url, data in (("/preguntas/mover-a", {"pregunta": d, "destino": "fin"}),
                      ("/preguntas/seccion", {"pregunta": d, "seccion": sec}),
                      ("/preguntas/orden", {"orden": ""}), ("/secciones/nueva", {"title_es": "X"}),
                      (f"/secciones/{sec}/renombrar", {"title_es": "X"})):
        assert client.post(f"/encuestas/{survey.id}{url}", data=data).status_code == 403, url
    assert order(survey) == before and fresh(survey).questions[1].label("es") == "Sección uno"
