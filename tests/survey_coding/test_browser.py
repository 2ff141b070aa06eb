"""The coding page in Chromium: axe-core finds no serious or critical problem at 1280 px and at a phone's width,
nothing scrolls sideways, the CSP is kept, and a page of codes is saved from the keyboard alone."""

from __future__ import annotations

import pytest

from tests.browser import DESKTOP, PHONE, _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e


def scene(live_server) -> str:
    """A survey with comments, a code book of three codes and one comment coded; the coding page's path."""
    from crm.core.extensions import db
    from surveys.coding import services
    from tests.survey_coding.helpers import COMMENTS, commented_survey, opinion_answers

    with live_server.app.app_context():
        survey = commented_survey(title="Taller de voto en el extranjero")
        question = survey.questions[1]
        codes = [services.create_code(question, label, description, actor=None) for label, description in (
            ("Horario", "Menciones de la hora o la duración"), ("Trato del personal", ""),
            ("Sugerencia de sede", "Propuestas de otro lugar"))]
        services.assign(question, [opinion_answers(survey)[COMMENTS[0]]], [codes[0].id], actor=None)
        path = f"/encuestas/{survey.id}/preguntas/{question.id}/codificacion"
        db.session.remove()
    return path


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_coding_page_is_accessible_and_fits(live_server, new_page, axe_check, csp_violations, screenshot, device):
    path = scene(live_server)
    page = new_page(**(PHONE if device == "phone" else DESKTOP))
    log_in(page, live_server.create_user(role="staff"))
    assert page.goto(path).status == 200
    screenshot(page, f"survey-coding-{device}")
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    viewport = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport
    assert csp_violations(page) == []


def test_codes_are_ticked_and_saved_from_the_keyboard(live_server, new_page):
    expect = _expect()
    path = scene(live_server)
    page = new_page(java_script_enabled=False)  # works without JavaScript
    log_in(page, live_server.create_user(role="staff"))
    page.goto(path + "?estado=sin-codificar")
    box = page.get_by_role("checkbox", name="Trato del personal").first
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.get_by_role("button", name="Guardar los códigos de esta página").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Códigos guardados: 1 asignado y 0 retirados.")).to_be_visible()
    expect(page.get_by_role("row", name="Trato del personal 1 20")).to_be_visible()
