"""Forms answered page by page (issue 14, item 3): top-level field-list groups are pages with «Anterior» and
«Siguiente» and a progress indicator; the answers of the other pages travel as hidden inputs; each page is
checked with the logic on all the answers so far; pages with no relevant question are skipped; the last page
stores. Plain POSTs: the same without JavaScript."""

from __future__ import annotations

from sqlalchemy import select

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Response
from tests.factories import make_survey
from tests.surveys_public.helpers import Page


def expr(src: str) -> dict:
    return {"src": src, "tree": compile_expression(src)}


def labels(es: str) -> dict:
    return {"es": es, "en": es}


YES_NO = [("si", labels("Sí"), False), ("no", labels("No"), False)]


def paged_questions() -> list[dict]:
    return [
        {"type": "begin_group", "name": "datos", "labels": labels("Sus datos"), "appearance": "field-list"},
        {"name": "nombre", "type": "text", "required": True, "labels": labels("Nombre")},
        {"name": "edad", "type": "integer", "labels": labels("Edad"),
         "logic": {"constraint": expr(". >= 18"), "constraint_message": labels("Debe ser mayor de edad.")}},
        {"name": "hijos", "type": "select_one", "required": True, "labels": labels("¿Tiene hijas o hijos?"),
         "choices": YES_NO},
        {"type": "end_group", "name": "fin_datos"},
        {"type": "begin_group", "name": "familia", "labels": labels("Su familia"), "appearance": "field-list",
         "logic": {"relevant": expr("${hijos} = 'si'")}},
        {"name": "cuantos", "type": "integer", "required": True, "labels": labels("¿Cuántos?")},
        {"type": "end_group", "name": "fin_familia"},
        {"type": "begin_group", "name": "cierre", "labels": labels("Para terminar"), "appearance": "field-list"},
        {"name": "comentarios", "type": "text", "labels": labels("Comentarios")},
        {"type": "end_group", "name": "fin_cierre"},
    ]


def fields(page: Page) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for attrs in page.inputs:
        if attrs.get("name") and (attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs):
            found.setdefault(attrs["name"], []).append(attrs.get("value") or "")
    return found


def post(client, token: str, page: Page, move: str, **answers):
    """Posts the page as a browser would: its fields (hidden ones included), `answers` typed over them."""
    data = dict(fields(page))
    data.update({f"q_{k}": v for k, v in answers.items()})
    data["_ir"] = move
    response = client.post(f"/r/{token}", data=data)
    return response, Page(response.get_data(as_text=True))


def stored(survey_id: int) -> list[dict]:
    responses = db.session.scalars(select(Response).where(Response.survey_id == survey_id)).all()
    return [{a.question.name: a.choice.name if a.choice else a.value for a in r.answers} for r in responses]


def test_a_two_page_form_goes_forward_back_and_stores(client, app):
    survey = make_survey(state="open", questions=paged_questions())
    first = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    # the family page is not counted while its condition is false
    assert "Página 1 de 2" in first.html and "<progress" in first.html
    assert "Nombre" in first.labels.values() and "Comentarios" not in first.labels.values()
    assert "Anterior" not in first.html and "Siguiente" in first.html
    # next validates this page: a required answer missing and a constraint broken
    response, again = post(client, survey.open_token, first, "siguiente", edad="12", hijos="no")
    assert response.status_code == 422
    assert "Página 1 de 2" in again.html and "Debe ser mayor de edad." in again.html
    assert "Responda esta pregunta." in again.html
    assert fields(again)["q_edad"] == ["12"] and fields(again)["q_hijos"] == ["no"]
    # with "no", the family page is skipped: page 2 of 2 is the last one
    response, last = post(client, survey.open_token, again, "siguiente", nombre="Ana", edad="30")
    assert response.status_code == 200
    assert "Página 2 de 2" in last.html and "Comentarios" in last.labels.values()
    assert "Enviar respuestas" in last.html and "Anterior" in last.html
    assert fields(last)["q_nombre"] == ["Ana"]  # carried as a hidden input
    # back keeps every answer, this page's too
    response, back = post(client, survey.open_token, last, "anterior", comentarios="Muy bien")
    assert "Página 1 de 2" in back.html
    assert fields(back)["q_nombre"] == ["Ana"] and fields(back)["q_comentarios"] == ["Muy bien"]
    assert stored(survey.id) == []
    response, last = post(client, survey.open_token, back, "siguiente")
    response, _done = post(client, survey.open_token, last, "enviar")
    assert response.status_code == 303
    assert stored(survey.id) == [{"nombre": "Ana", "edad": "30", "hijos": "no", "comentarios": "Muy bien"}]


def test_a_page_made_relevant_is_shown_and_required(client, app):
    survey = make_survey(state="open", questions=paged_questions())
    first = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    _response, second = post(client, survey.open_token, first, "siguiente", nombre="Ana", hijos="si")
    assert "Página 2 de 3" in second.html and "¿Cuántos?" in second.labels.values()
    _response, third = post(client, survey.open_token, second, "siguiente", cuantos="2")
    assert "Página 3 de 3" in third.html
    response, _done = post(client, survey.open_token, third, "enviar")
    assert response.status_code == 303
    assert stored(survey.id) == [{"nombre": "Ana", "hijos": "si", "cuantos": "2"}]


def test_the_last_page_checks_every_page_again(client, app):
    """A hidden input changed by hand: the page with the error comes back, nothing is stored."""
    survey = make_survey(state="open", questions=paged_questions())
    first = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    _response, last = post(client, survey.open_token, first, "siguiente", nombre="Ana", hijos="no")
    response, back = post(client, survey.open_token, last, "enviar", edad="5")
    assert response.status_code == 422
    assert "Página 1 de 2" in back.html and "Debe ser mayor de edad." in back.html
    assert stored(survey.id) == []


def test_questions_outside_field_lists_share_a_page_per_run(client, app):
    questions = [{"name": "intro", "type": "text", "labels": labels("Primera")},
                 {"name": "otra", "type": "text", "labels": labels("Segunda")},
                 *paged_questions()[:5]]
    survey = make_survey(state="open", questions=questions)
    first = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    assert "Página 1 de 2" in first.html
    assert {"Primera", "Segunda"} <= set(first.labels.values()) and "Nombre" not in first.labels.values()


def test_a_form_without_field_lists_is_one_page(client, survey):
    html = client.get(f"/r/{survey.open_token}").get_data(as_text=True)
    assert "Página" not in html and "Siguiente" not in html and "Enviar respuestas" in html
