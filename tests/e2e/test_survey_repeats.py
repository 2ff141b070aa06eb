"""A repeat with two instances on the respondent page, in a real browser on a phone (issue 14): with JavaScript
«Agregar» and «Quitar» act in the page (crm/static/survey-repeats.js copies the instance's <template>) and
each instance's relevance and constraint follow its own answers (crm/static/survey-logic.js); without it they
post the form back and the server shows it again with every answer kept. Either way the two instances are
stored with `instance` 1 and 2, and the instance's question that is not relevant is not stored.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, describe_violations
from tests.e2e.test_survey_logic import SCRIPT, expr, in_app, labels, make_logic_survey, phone, submit

pytestmark = pytest.mark.e2e


def household() -> list[dict]:
    return [
        {"name": "hogar", "type": "text", "required": True, "labels": labels("Nombre del hogar")},
        {"type": "begin_repeat", "name": "miembro", "labels": labels("Miembro")},
        {"name": "nombre", "type": "text", "required": True, "labels": labels("Nombre")},
        {"name": "edad", "type": "integer", "required": True, "labels": labels("Edad"),
         "logic": {"constraint": expr(". < 120"),
                   "constraint_message": {"es": "Escriba una edad menor de 120 años."}}},
        {"name": "vota", "type": "select_one", "required": True, "labels": labels("¿Vota?"),
         "logic": {"relevant": expr("${edad} >= 18")},
         "choices": [("si", labels("Sí"), False), ("no", labels("No"), False)]},
        {"name": "numero", "type": "calculate", "labels": labels("Número"),
         "logic": {"calculation": expr("concat(${nombre}, '-', position(..))")}},
        {"type": "end_repeat"},
    ]


def stored_rows(live_server, survey_id: int) -> list[list[tuple]]:
    """Each stored response's answers: sorted (question, instance, choice name or value)."""
    from sqlalchemy import select

    from crm.core.extensions import db
    from surveys.models import Response

    def work():
        responses = db.session.scalars(select(Response).where(Response.survey_id == survey_id)).all()
        return [sorted((a.question.name, a.instance, a.choice.name if a.choice else a.value) for a in r.answers)
                for r in responses]

    return in_app(live_server, work)


@pytest.mark.parametrize("script", SCRIPT)
def test_a_repeat_with_two_instances(live_server, new_page, csp_violations, axe_check, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, household())
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    add = page.get_by_role("button", name="Agregar «Miembro»")
    first, second = page.get_by_role("group", name="Miembro 1"), page.get_by_role("group", name="Miembro 2")
    expect(second).to_have_count(0)
    page.get_by_label("Nombre del hogar").fill("Casa Pérez")
    first.get_by_label("Nombre").fill("Ana")
    first.get_by_label("Edad").fill("40")
    if script:  # «¿Vota?» appears in this instance as its age is typed
        first.get_by_label("Sí").check()
        page.evaluate("() => { window.samePage = true; }")
    add.click()
    expect(second).to_be_visible()
    expect(page.get_by_text("Se agregó «Miembro 2».")).to_be_visible()
    if script:  # no round trip
        assert page.evaluate("() => window.samePage") is True
    else:  # the server showed the form again: every answer kept, nothing stored, «¿Vota?» now shown
        assert stored_rows(live_server, survey_id) == []
        expect(page.get_by_label("Nombre del hogar")).to_have_value("Casa Pérez")
        expect(first.get_by_label("Nombre")).to_have_value("Ana")
        first.get_by_label("Sí").check()
    second.get_by_label("Nombre").fill("Luis")
    second.get_by_label("Edad").fill("150")
    if script:  # the constraint of this instance, on leaving it
        second.get_by_label("Nombre").focus()
        expect(second.get_by_text("Escriba una edad menor de 120 años.")).to_be_visible()
        expect(first.get_by_text("Escriba una edad menor de 120 años.")).to_have_count(0)
    second.get_by_label("Edad").fill("9")
    if script:
        expect(second.get_by_role("group", name="¿Vota?")).to_be_hidden()  # relevance per instance
        expect(first.get_by_role("group", name="¿Vota?")).to_be_visible()
    # a third, removed again
    add.click()
    third = page.get_by_role("group", name="Miembro 3")
    third.get_by_label("Nombre").fill("Temporal")
    third.get_by_role("button", name="Quitar «Miembro 3»").click()
    expect(third).to_have_count(0)
    expect(second.get_by_label("Nombre")).to_have_value("Luis")
    if script:
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    submit(page)
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_rows(live_server, survey_id) == [[
        ("edad", 1, "40"), ("edad", 2, "9"), ("hogar", 0, "Casa Pérez"), ("nombre", 1, "Ana"), ("nombre", 2, "Luis"),
        ("numero", 1, "Ana-1"), ("numero", 2, "Luis-2"), ("vota", 1, "si")]]
    assert csp_violations(page) == []


def test_repeat_count_adds_and_removes_instances_as_the_person_answers(live_server, new_page, csp_violations):
    expect = _expect()
    questions = household()
    questions[1] = {**questions[1], "logic": {"repeat_count": expr("${personas}")}}
    _survey_id, token = make_logic_survey(live_server, [
        {"name": "personas", "type": "integer", "required": True, "labels": labels("¿Cuántas personas?")},
        *questions[1:]])
    page = phone(new_page, True)
    page.goto(f"/r/{token}")
    expect(page.get_by_role("group", name="Miembro 1")).to_have_count(0)
    page.get_by_label("¿Cuántas personas?").fill("3")
    expect(page.get_by_role("group", name="Miembro 3")).to_be_visible()
    expect(page.get_by_role("button", name="Agregar «Miembro»")).to_have_count(0)  # the form fixes the number
    page.get_by_label("¿Cuántas personas?").fill("1")
    expect(page.get_by_role("group", name="Miembro 2")).to_have_count(0)
    expect(page.locator("input[name='_instancias.miembro']")).to_have_value("1")
    assert csp_violations(page) == []
