"""XLSForm logic on the respondent page, in a real browser on a phone (issue 14): skip logic, cascading
choices, a constraint with its message and the answers kept; each with JavaScript (crm/static/survey-logic.js
shows and hides as the person answers) and without (the server evaluates on every submission and brings
back what the answers added before storing anything).
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, _expect, describe_violations

pytestmark = pytest.mark.e2e

ADDED = "Según sus respuestas, se agregaron preguntas; revíselas y envíe de nuevo."
SCRIPT = [pytest.param(True, id="javascript"), pytest.param(False, id="no-javascript")]


def in_app(live_server, work):
    from crm.core.extensions import db

    with live_server.app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def expr(src: str, context: str = "question") -> dict:
    from surveys.logic.expressions import compile_expression

    return {"src": src, "tree": compile_expression(src, context=context)}


def labels(es: str, en: str | None = None) -> dict:
    return {"es": es, "en": en or es}


def make_logic_survey(live_server, questions: list[dict]) -> tuple[int, str]:
    from tests.factories import make_survey

    def work():
        survey = make_survey(state="open", questions=questions, titles=labels("Encuesta con lógica",
                                                                              "Survey with logic"))
        return survey.id, survey.open_token

    return in_app(live_server, work)


def stored_answers(live_server, survey_id: int) -> list[dict]:
    """Every stored response's answers: [{question name: choice name or value}]."""
    from sqlalchemy import select

    from crm.core.extensions import db
    from surveys.models import Response

    def work():
        responses = db.session.scalars(select(Response).where(Response.survey_id == survey_id)).all()
        return [{a.question.name: a.choice.name if a.choice else a.value for a in r.answers} for r in responses]

    return in_app(live_server, work)


def phone(new_page, script: bool):
    return new_page(**PHONE, java_script_enabled=script)


def submit(page) -> None:
    page.get_by_role("button", name="Enviar respuestas").click()


def skip_questions() -> list[dict]:
    return [
        {"name": "tiene_hijos", "type": "select_one", "required": True, "labels": labels("¿Tiene hijas o hijos?"),
         "choices": [("si", labels("Sí"), False), ("no", labels("No"), False)]},
        {"name": "hijos", "type": "integer", "required": True, "labels": labels("¿Cuántas hijas o hijos tiene?"),
         "logic": {"relevant": expr("${tiene_hijos} = 'si'")}},
        {"type": "begin_group", "name": "escuela", "labels": labels("Escuela"),
         "logic": {"relevant": expr("${hijos} > 0")}},
        {"name": "escuela_nombre", "type": "text", "required": True, "labels": labels("Nombre de la escuela")},
        {"type": "end_group", "name": "fin_escuela"},
        {"name": "comentarios", "type": "text", "labels": labels("Comentarios")},
    ]


@pytest.mark.parametrize("script", SCRIPT)
def test_skip_logic(live_server, new_page, csp_violations, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, skip_questions())
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    how_many = page.get_by_label("¿Cuántas hijas o hijos tiene?")
    school = page.get_by_label("Nombre de la escuela")
    expect(how_many).to_be_hidden()
    expect(school).to_be_hidden()
    page.get_by_label("Sí", exact=True).check()
    if script:  # shown as the person answers
        expect(how_many).to_be_visible()
        how_many.fill("2")
        expect(school).to_be_visible()
        school.fill("Primaria Benito Juárez")
        how_many.fill("0")  # the school question hides again: its answer is not sent
        expect(school).to_be_hidden()
    else:  # the server brings the question back before storing anything
        submit(page)
        expect(page.get_by_text(ADDED)).to_be_visible()
        assert stored_answers(live_server, survey_id) == []
        expect(page.get_by_label("Sí", exact=True)).to_be_checked()
        expect(how_many).to_be_visible()
        how_many.fill("0")
    page.get_by_label("Comentarios").fill("Todo bien")
    submit(page)
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"tiene_hijos": "si", "hijos": "0", "comentarios": "Todo bien"}]
    assert csp_violations(page) == []


@pytest.mark.parametrize("script", SCRIPT)
def test_cascading_choices(live_server, new_page, script):
    """xlsform.org's example: the cities offered are those of the chosen state."""
    expect = _expect()
    cities = [("dallas", "Dallas", "texas"), ("austin", "Austin", "texas"),
              ("seattle", "Seattle", "washington"), ("tacoma", "Tacoma", "washington")]
    survey_id, token = make_logic_survey(live_server, [
        {"name": "state", "type": "select_one", "required": True, "labels": labels("Estado"),
         "choices": [("texas", labels("Texas"), False), ("washington", labels("Washington"), False)]},
        {"name": "city", "type": "select_one", "required": True, "labels": labels("Ciudad"),
         "logic": {"choice_filter": expr("state=${state}", "choice_filter")},
         "choices": [(name, labels(label), False, {"state": state}) for name, label, state in cities]},
    ])
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    city = page.get_by_role("group", name="Ciudad")
    for name in ("Dallas", "Seattle"):
        expect(city.get_by_label(name)).to_be_hidden()
    page.get_by_label("Texas").check()
    if script:
        expect(city.get_by_label("Dallas")).to_be_visible()
        expect(city.get_by_label("Seattle")).to_be_hidden()
        page.get_by_label("Washington").check()
        expect(city.get_by_label("Dallas")).to_be_hidden()
        city.get_by_label("Seattle").check()
        page.get_by_label("Texas").check()  # Seattle is not in Texas: the choice is cleared
        expect(city.get_by_label("Seattle")).to_be_hidden()
        expect(city.get_by_label("Austin")).to_be_visible()
    else:
        submit(page)
        expect(page.get_by_text(ADDED)).to_be_visible()
        expect(city.get_by_label("Austin")).to_be_visible()
        expect(city.get_by_label("Seattle")).to_be_hidden()
        assert stored_answers(live_server, survey_id) == []
    city.get_by_label("Austin").check()
    submit(page)
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"state": "texas", "city": "austin"}]


@pytest.mark.parametrize("script", SCRIPT)
def test_constraint_message_and_kept_answers(live_server, new_page, axe_check, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, [
        {"name": "edad", "type": "integer", "required": True, "labels": labels("Edad", "Age"),
         "logic": {"constraint": expr(". >= 18"),
                   "constraint_message": {"es": "Debe tener 18 años o más.", "en": "You must be 18 or older."}}},
        {"name": "opinion", "type": "text", "labels": labels("Opinión", "Opinion")},
    ])
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    age = page.get_by_label("Edad")
    age.fill("10")
    page.get_by_label("Opinión").fill("Muy útil")
    if script:  # the message shows as soon as the person leaves the field
        page.get_by_label("Opinión").focus()
        expect(page.get_by_text("Debe tener 18 años o más.")).to_be_visible()
    submit(page)  # the server refuses it too (with or without the script), keeping every answer
    expect(page.get_by_role("heading", name="Revise sus respuestas")).to_be_visible()
    expect(page.get_by_role("link", name="Edad: Debe tener 18 años o más.")).to_be_visible()
    expect(age).to_have_value("10")
    expect(page.get_by_label("Opinión")).to_have_value("Muy útil")
    if script:  # axe runs in the page: it needs JavaScript
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    assert stored_answers(live_server, survey_id) == []
    age.fill("30")
    submit(page)
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"edad": "30", "opinion": "Muy útil"}]
