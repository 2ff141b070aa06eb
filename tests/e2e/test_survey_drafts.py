"""Save and continue, and a submission retried on a dropped connection, in a real browser on a phone (issue 14):
a personal link's answers saved with the button (no JavaScript needed) and automatically on leaving the page,
then shown again; an open link's draft kept in the browser, restored with a notice and discarded on request; a
submission whose first POSTs fail (one stored by the server but its answer lost, one never sent) retried with
the same submission key, ending on the thank-you page with exactly one stored response."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest

from tests.e2e.conftest import PHONE, _expect
from tests.e2e.test_survey_logic import in_app, labels, stored_answers

pytestmark = pytest.mark.e2e

QUESTIONS = [
    {"name": "calidad", "type": "select_one", "required": True, "labels": labels("¿Cómo califica la sesión?"),
     "choices": [("buena", labels("Buena"), True), ("mala", labels("Mala"), False)]},
    {"name": "opinion", "type": "text", "required": True, "labels": labels("Opinión")},
    {"name": "sugerencias", "type": "text", "labels": labels("Sugerencias")},
]
SAVED = "Sus respuestas quedaron guardadas el"
RESTORED = "Se recuperaron sus respuestas guardadas el"
LOCAL = "Recuperamos las respuestas que dejó sin enviar en este navegador."


def make(live_server, *, personal: bool) -> tuple[int, str]:
    from tests.factories import make_person, make_survey
    from tests.surveys_public.helpers import invite

    def work():
        survey = make_survey(state="open", questions=QUESTIONS, open_link_limited=False)
        token = invite(survey, make_person()).token if personal else survey.open_token
        return survey.id, token

    return in_app(live_server, work)


def drafts(live_server) -> list[dict]:
    from sqlalchemy import select

    from crm.core.extensions import db
    from surveys.models import ResponseDraft

    return in_app(live_server, lambda: [d.answers for d in db.session.scalars(select(ResponseDraft))])


def eventually(check, seconds: float = 10.0):
    """Polls until check() is truthy (a beacon is sent after the page is gone); a generous bound."""
    deadline = time.monotonic() + seconds
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_a_personal_link_saves_without_javascript_and_resumes(live_server, new_page):
    expect = _expect()
    survey_id, token = make(live_server, personal=True)
    page = new_page(**PHONE, java_script_enabled=False)
    page.goto(f"/r/{token}")
    page.get_by_label("Sugerencias").fill("Más horarios")  # the required questions stay empty
    page.get_by_role("button", name="Guardar y continuar después").click()
    expect(page.get_by_text(SAVED)).to_be_visible()
    assert stored_answers(live_server, survey_id) == [] and drafts(live_server) == [{"q_sugerencias": "Más horarios"}]
    later = new_page(**PHONE)  # another day, another browser
    later.goto(f"/r/{token}")
    expect(later.get_by_text(RESTORED)).to_be_visible()
    expect(later.get_by_label("Sugerencias")).to_have_value("Más horarios")
    later.get_by_label("Buena").check()
    later.get_by_label("Opinión").fill("Útil")
    later.get_by_role("button", name="Enviar respuestas").click()
    expect(later.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [
        {"calidad": "buena", "opinion": "Útil", "sugerencias": "Más horarios"}]
    assert drafts(live_server) == []


def test_a_personal_link_saves_on_leaving_the_page(live_server, new_page):
    expect = _expect()
    _survey_id, token = make(live_server, personal=True)
    page = new_page(**PHONE)
    page.goto(f"/r/{token}")
    page.get_by_label("Mala").check()
    page.get_by_label("Opinión").fill("Se escuchaba mal")
    page.goto("about:blank")  # leaving: the script sends what changed
    assert eventually(lambda: drafts(live_server)) == [{"q_calidad": "mala", "q_opinion": "Se escuchaba mal"}]
    page.goto(f"/r/{token}")
    expect(page.get_by_text(RESTORED)).to_be_visible()
    expect(page.get_by_label("Mala")).to_be_checked()


def test_an_open_link_keeps_its_draft_in_the_browser(live_server, new_page):
    expect = _expect()
    survey_id, token = make(live_server, personal=False)
    page = new_page(**PHONE)
    page.goto(f"/r/{token}")
    expect(page.get_by_role("button", name="Guardar y continuar después")).to_have_count(0)
    page.get_by_label("Buena").check()
    page.get_by_label("Opinión").fill("Muy clara")
    page.wait_for_function(f"() => (localStorage.getItem('vinculo-borrador:{token}') || '').includes('Muy clara')")
    page.reload()
    notice = page.get_by_text(LOCAL)
    expect(notice).to_be_visible()
    expect(page.get_by_label("Opinión")).to_have_value("Muy clara")
    expect(page.get_by_label("Buena")).to_be_checked()
    page.get_by_role("button", name="Descartar borrador").click()
    expect(notice).to_be_hidden()
    expect(page.get_by_label("Opinión")).to_have_value("")
    assert page.evaluate(f"() => localStorage.getItem('vinculo-borrador:{token}')") is None
    page.get_by_label("Mala").check()
    page.get_by_label("Opinión").fill("Otra")
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert page.evaluate(f"() => localStorage.getItem('vinculo-borrador:{token}')") is None  # cleared once stored
    page.goto(f"/r/{token}")
    expect(page.get_by_text(LOCAL)).to_be_hidden()
    expect(page.get_by_label("Opinión")).to_have_value("")
    assert stored_answers(live_server, survey_id) == [{"calidad": "mala", "opinion": "Otra"}]
    assert drafts(live_server) == []  # nothing of an open link's draft reached the server


@pytest.mark.parametrize("personal", [False, True], ids=["open-link", "personal-link"])
def test_a_dropped_connection_is_retried_with_the_same_key(live_server, new_page, personal):
    expect = _expect()
    survey_id, token = make(live_server, personal=personal)
    page = new_page(**PHONE)
    keys: list[str] = []

    def flaky(route):
        request = route.request
        if request.method != "POST":
            return route.continue_()
        keys.append(parse_qs(request.post_data or "").get("_clave", [""])[0] if "urlencoded" in (
            request.headers.get("content-type") or "") else _multipart_key(request.post_data_buffer))
        if len(keys) == 1:  # the server stores it, but the answer never reaches the phone
            route.fetch(max_redirects=0)
            return route.abort("connectionreset")
        if len(keys) == 2:  # the connection is down: the request never leaves
            return route.abort("internetdisconnected")
        return route.continue_()

    page.route(lambda url: f"/r/{token}" in url and "/gracias" not in url, flaky)
    page.goto(f"/r/{token}")
    page.get_by_label("Buena").check()
    page.get_by_label("Opinión").fill("Llegó")
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_text("Sin conexión: reintentando…")).to_be_visible()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible(timeout=30_000)
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0], keys
    assert stored_answers(live_server, survey_id) == [{"calidad": "buena", "opinion": "Llegó"}]


def _multipart_key(body: bytes | None) -> str:
    """The _clave field of a multipart/form-data body (what fetch sends for FormData)."""
    text = (body or b"").decode("utf-8", "replace")
    marker = 'name="_clave"'
    if marker not in text:
        return ""
    return text.split(marker, 1)[1].split("\r\n\r\n", 1)[1].split("\r\n", 1)[0]
