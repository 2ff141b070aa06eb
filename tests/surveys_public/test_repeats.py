"""Repeats on the respondent page (issue 14, surveys.respond.repeats), server-side: each instance a fieldset with
fields q_NAME__N; «Agregar» and «Quitar» without JavaScript keep every answer and store nothing; two instances
stored with `instance` 1 and 2 and read back by the export; relevance, constraints and calculations per
instance (`${q}` of the same instance, position(..)); repeat_count fixes the number; the web's limit.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.core.extensions import db
from surveys.models import Answer, Response
from surveys.respond.page_logic import SHOWN_FIELD
from surveys.respond.repeats import ACTION_FIELD, COUNT_PREFIX, WEB_LIMIT
from surveys.responses.export import export_rows
from surveys.responses.repeats import repeat_tables
from tests.factories import make_survey
from tests.surveys_public.helpers import Page
from tests.surveys_public.test_logic import count_responses, expr, get_page, labels

COUNT = COUNT_PREFIX + "miembro"


def members(extra: list[dict] | None = None, repeat_logic: dict | None = None) -> list[dict]:
    """A household: who answers, then one instance per member (name, age; «¿Vota?» only for adults)."""
    return [
        {"name": "hogar", "type": "text", "required": True, "labels": labels("Nombre del hogar")},
        {"type": "begin_repeat", "name": "miembro", "labels": labels("Miembro", "Member"),
         "logic": repeat_logic or {}},
        {"name": "nombre", "type": "text", "required": True, "labels": labels("Nombre", "Name")},
        {"name": "edad", "type": "integer", "required": True, "labels": labels("Edad", "Age"),
         "logic": {"constraint": expr(". < 120"),
                   "constraint_message": {"es": "Escriba una edad menor de 120 años."}}},
        {"name": "vota", "type": "select_one", "required": True, "labels": labels("¿Vota?"),
         "logic": {"relevant": expr("${edad} >= 18")},
         "choices": [("si", labels("Sí"), False), ("no", labels("No"), False)]},
        {"name": "numero", "type": "calculate", "labels": labels("Número"),
         "logic": {"calculation": expr("concat(${nombre}, '-', position(..))")}},
        *(extra or []),
        {"type": "end_repeat"},
        {"name": "total", "type": "calculate", "labels": labels("Total"),
         "logic": {"calculation": expr("count(${miembro})")}},
    ]


@pytest.fixture
def household(app):
    return make_survey(state="open", questions=members())


def post_page(client, token: str, page: Page, data: dict, *, script: bool = False):
    """Submits `page` as a browser would: its hidden fields (the instance counts too; the <noscript> list unless
    JavaScript runs), then `data`."""
    form = {f["name"]: f.get("value", "") for f in page.inputs if f.get("type") == "hidden" and f.get("name")}
    if script:
        form.pop(SHOWN_FIELD, None)
    form.update(data)
    return client.post(f"/r/{token}", data=form)


def field_names(page: Page) -> list[str]:
    return [f["name"] for f in page.fields()]


def stored_rows(survey) -> list[tuple[str, int, str]]:
    """(question, instance, value or choice name) of the one stored response, in a stable order."""
    [response] = db.session.scalars(select(Response).where(Response.survey_id == survey.id)).all()
    rows = db.session.scalars(select(Answer).where(Answer.response_id == response.id)).all()
    return sorted((a.question.name, a.instance, a.choice.name if a.choice else a.value) for a in rows)


def two_members() -> dict:
    return {"q_hogar": "Casa Pérez", COUNT: "2",
            "q_nombre__1": "Ana", "q_edad__1": "40", "q_vota__1": "si",
            "q_nombre__2": "Luis", "q_edad__2": "9"}


def test_each_instance_is_a_fieldset_with_its_own_fields(client, household):
    page = get_page(client, household.open_token)
    assert "Miembro 1" in page.legends
    assert {"q_hogar", "q_nombre__1", "q_edad__1", "q_vota__1"} <= set(field_names(page))
    assert page.hidden(COUNT) == "1"
    assert page.labels["p3-1"] == "Edad"  # each copy keeps its label, with an id of its own
    assert 'value="agregar miembro"' in page.html and 'value="quitar miembro 1"' in page.html
    assert "<template data-repeat-template>" in page.html and 'name="q_nombre__{n}"' in page.html
    assert "/static/survey-logic.js?v=" in page.html  # the one respondent script: repeats, logic, location


def test_add_and_remove_without_javascript_keep_every_answer_and_store_nothing(client, household):
    page = get_page(client, household.open_token)
    response = post_page(client, household.open_token, page, {
        "q_hogar": "Casa Pérez", "q_nombre__1": "Ana", "q_edad__1": "40", "q_vota__1": "si",
        ACTION_FIELD: "agregar miembro"})
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert "Se agregó «Miembro 2»." in page.html
    assert "Revise sus respuestas" not in page.html  # nothing checked yet
    assert page.hidden(COUNT) == "2" and "Miembro 2" in page.legends
    assert page.value("q_hogar") == "Casa Pérez" and page.value("q_nombre__1") == "Ana"
    assert page.value("q_edad__1") == "40" and 'name="q_vota__1" id="p4-1-0" value="si" checked' in page.html
    assert page.value("q_nombre__2") == ""
    # a third one, then the first removed: the others move up, their answers with them
    data = {"q_hogar": "Casa Pérez", "q_nombre__1": "Ana", "q_edad__1": "40", "q_vota__1": "si",
            "q_nombre__2": "Luis", "q_edad__2": "9", COUNT: "2"}
    page = Page(post_page(client, household.open_token, page, {**data, ACTION_FIELD: "agregar miembro"})
                .get_data(as_text=True))
    assert page.hidden(COUNT) == "3" and page.value("q_nombre__2") == "Luis"
    response = post_page(client, household.open_token, page, {
        **data, COUNT: "3", "q_nombre__3": "Eva", "q_edad__3": "70", ACTION_FIELD: "quitar miembro 1"})
    page = Page(response.get_data(as_text=True))
    assert "Se quitó «Miembro 1»." in page.html
    assert page.hidden(COUNT) == "2"
    assert [page.value("q_nombre__1"), page.value("q_edad__1")] == ["Luis", "9"]
    assert [page.value("q_nombre__2"), page.value("q_edad__2")] == ["Eva", "70"]
    assert "q_nombre__3" not in field_names(page)
    assert count_responses(household) == 0


def test_two_instances_are_stored_with_instance_1_and_2_and_exported(client, household):
    page = get_page(client, household.open_token)
    response = post_page(client, household.open_token, page, two_members(), script=True)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert stored_rows(household) == [
        ("edad", 1, "40"), ("edad", 2, "9"),
        ("hogar", 0, "Casa Pérez"),
        ("nombre", 1, "Ana"), ("nombre", 2, "Luis"),
        ("numero", 1, "Ana-1"), ("numero", 2, "Luis-2"),  # calculations inside the repeat, per instance
        ("total", 0, "2"),
        ("vota", 1, "si"),  # not relevant for a nine-year-old: nothing stored for instance 2
    ]
    header, rows = export_rows(household)
    [row] = list(rows)
    assert header[:3] == ["submitted_at", "response_id", "hogar"] and row[2] == "Casa Pérez"
    [(repeat, repeat_header, repeat_rows)] = repeat_tables(household)
    assert repeat == "miembro"
    assert repeat_header == ["response_id", "instance", "nombre", "edad", "vota", "numero"]
    assert [r[1:] for r in repeat_rows] == [[1, "Ana", 40, "si", "Ana-1"], [2, "Luis", 9, "", "Luis-2"]]


def test_errors_are_shown_per_instance_and_link_to_the_right_input(client, household):
    page = get_page(client, household.open_token)
    data = {**two_members(), "q_edad__2": "150", "q_vota__2": "no", "q_nombre__1": ""}
    response = post_page(client, household.open_token, page, data, script=True)
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    links = {link["href"]: link for link in page.links if link.get("class") == "alert-link"}
    assert set(links) == {"#p2-1", "#p3-2"}
    assert "Nombre (Miembro 1): Responda esta pregunta." in page.html
    assert "Edad (Miembro 2): Escriba una edad menor de 120 años." in page.html
    assert 'id="p3-2" name="q_edad__2"' in page.html and page.value("q_edad__2") == "150"
    assert page.value("q_nombre__2") == "Luis"  # every answer kept
    assert count_responses(household) == 0


def test_relevance_is_per_instance(client, household):
    page = get_page(client, household.open_token)
    response = post_page(client, household.open_token, page, {**two_members(), "q_vota__2": "si"}, script=True)
    assert response.status_code == 303
    assert ("vota", 2, "si") not in stored_rows(household)  # posted, but not relevant in instance 2


def test_a_new_instance_shown_without_javascript_asks_its_relevant_questions_first(client, household):
    """Instance 2's «¿Vota?» was not shown (its age was empty): the form comes back with it, nothing stored."""
    page = get_page(client, household.open_token)
    page = Page(post_page(client, household.open_token, page, {
        "q_hogar": "Casa", "q_nombre__1": "Ana", "q_edad__1": "40", "q_vota__1": "no",
        ACTION_FIELD: "agregar miembro"}).get_data(as_text=True))
    response = post_page(client, household.open_token, page, {
        "q_hogar": "Casa", "q_nombre__1": "Ana", "q_edad__1": "40", "q_vota__1": "no",
        "q_nombre__2": "Eva", "q_edad__2": "30", COUNT: "2"})
    assert response.status_code == 200
    assert "se agregaron preguntas" in response.get_data(as_text=True)
    assert count_responses(household) == 0


def test_repeat_count_fixes_the_number_and_hides_the_buttons(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "personas", "type": "integer", "required": True, "labels": labels("¿Cuántas personas?")},
        *members(repeat_logic={"repeat_count": expr("${personas}")})[1:],
    ])
    page = get_page(client, survey.open_token)
    assert page.hidden(COUNT_PREFIX + "miembro") == "0"
    assert 'value="agregar miembro"' not in page.html and "data-fixed" in page.html
    response = post_page(client, survey.open_token, page, {"q_personas": "2"})  # two instances the page lacked
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.hidden(COUNT_PREFIX + "miembro") == "2" and "Miembro 2" in page.legends
    assert 'value="quitar miembro 1"' not in page.html
    # a forged «Agregar» changes nothing: the form decides
    response = post_page(client, survey.open_token, page, {"q_personas": "2", ACTION_FIELD: "agregar miembro",
                                                           "q_nombre__1": "Ana", "q_edad__1": "4",
                                                           "q_nombre__2": "Luis", "q_edad__2": "5"})
    assert response.status_code == 303
    assert {(q, i) for q, i, _ in stored_rows(survey) if q == "nombre"} == {("nombre", 1), ("nombre", 2)}


def test_the_web_takes_at_most_its_limit_of_instances(client, household, app):
    page = get_page(client, household.open_token)
    response = post_page(client, household.open_token, page, {COUNT: str(WEB_LIMIT), ACTION_FIELD: "agregar miembro"})
    page = Page(response.get_data(as_text=True))
    assert page.hidden(COUNT) == str(WEB_LIMIT)
    assert f"Esta página admite hasta {WEB_LIMIT} «Miembro»; ya no puede agregar más." in page.html
    assert f'name="q_nombre__{WEB_LIMIT + 1}"' not in page.html
    fixed = make_survey(state="open", questions=[
        {"name": "personas", "type": "integer", "labels": labels("¿Cuántas personas?")},
        *members(repeat_logic={"repeat_count": expr("${personas}")})[1:],
    ])
    page = get_page(client, fixed.open_token)
    response = post_page(client, fixed.open_token, page, {"q_personas": "60"})
    page = Page(response.get_data(as_text=True))
    assert f"esta encuesta pide 60 «Miembro», pero esta página admite como máximo {WEB_LIMIT}" in page.html
    assert page.hidden(COUNT_PREFIX + "miembro") == str(WEB_LIMIT)
    assert count_responses(fixed) == 0


def test_the_logic_data_names_each_questions_repeat(client, household):
    import json
    import re

    page = get_page(client, household.open_token)
    data = json.loads(re.search(r'<script type="application/json" id="survey-logic">(.*?)</script>',
                                page.html, re.S).group(1))
    assert data["questions"]["edad"]["repeat"] == "miembro" and "repeat" not in data["questions"]["hogar"]
    assert data["repeats"] == {"miembro": {"count": None}}


def test_the_buttons_and_instances_in_english(client, household):
    page = get_page(client, household.open_token, lang="en")
    assert "Member 1" in page.legends
    assert "Add “Member”" in page.html and "Remove “Member 1”" in page.html
    response = post_page(client, household.open_token, page, {ACTION_FIELD: "agregar miembro"})
    assert "“Member 2” was added." in response.get_data(as_text=True)
