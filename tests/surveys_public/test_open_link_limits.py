"""The open link's limits per browser and per address (surveys.respond.open_limits), the keys stored with a
response, the builder's option, and the bursts list (surveys.responses.bursts)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import Response
from surveys.respond.open_limits import BROWSER_COOKIE, keys_for
from surveys.respond.store import store
from surveys.respond.submission import find_target
from surveys.responses.bursts import find_bursts, thresholds
from tests.factories import make_person, make_survey
from tests.surveys_public.helpers import Page, answer, invite


def _cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(BROWSER_COOKIE + "="))


def _responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(select(Response).order_by(Response.id)))


def test_the_open_link_sets_a_long_lived_browser_cookie_once(client, survey):
    first = client.get(f"/r/{survey.open_token}")
    cookie = _cookie(first)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/r/" in cookie
    assert "Max-Age=34560000" in cookie  # 400 days
    again = client.get(f"/r/{survey.open_token}")
    assert not any(c.startswith(BROWSER_COOKIE) for c in again.headers.getlist("Set-Cookie"))


def test_a_second_visit_after_answering_says_so_in_the_chosen_language(client, survey):
    assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 303
    page = client.get(f"/r/{survey.open_token}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "A response from this browser is already recorded" in html
    assert Page(html).forms == 0
    spanish = client.get(f"/r/{survey.open_token}").get_data(as_text=True)
    assert "Ya se registró una respuesta desde este navegador" in spanish


def test_the_back_button_after_answering_still_thanks(client, survey):
    page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    form = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"}
    assert client.post(f"/r/{survey.open_token}", data=form).status_code == 303
    again = client.post(f"/r/{survey.open_token}", data=form)  # the same form: a repeat, not a new answer
    assert again.status_code == 303 and again.headers["Location"].endswith("/gracias?lang=es")
    assert len(_responses()) == 1


def test_personal_links_are_not_limited(client, survey):
    assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 303
    invitation = invite(survey, make_person())  # the same browser, now with a personal link
    assert answer(client, invitation.token, {"q_calidad": "buena"}).status_code == 303
    stored = _responses()
    assert len(stored) == 2 and stored[1].address_key is None and stored[1].browser_key is None


def test_a_survey_may_take_more_answers_per_browser_or_none_limited(client):
    shared_tablet = make_survey(state="open", open_link_per_browser=3)
    statuses = [answer(client, shared_tablet.open_token, {"q_calidad": "buena"}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 200]
    unlimited = make_survey(state="open", open_link_limited=False)
    assert {answer(client, unlimited.open_token, {"q_calidad": "buena"}).status_code for _ in range(5)} == {303}


def test_an_anonymous_survey_is_limited_per_browser_too(client):
    survey = make_survey(state="open", anonymous=True)
    assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 303
    assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 200
    assert len(_responses()) == 1


def test_only_keyed_hashes_are_stored_scoped_to_the_survey(app, client):
    first, second = make_survey(state="open"), make_survey(state="open")
    for survey in (first, second):
        client.post(f"/r/{survey.open_token}", data={"_lang": "es", "q_calidad": "buena"},
                    environ_base={"REMOTE_ADDR": "198.51.100.23"})
    a, b = _responses()
    assert len(a.address_key) == 64 and a.address_key != b.address_key  # per survey: not linkable
    assert "198.51.100.23" not in a.address_key and a.browser_key is None  # no cookie: no browser key
    assert a.address_key == keys_for(app.secret_key, first.id, "198.51.100.23", None).address_key
    assert keys_for("another secret", first.id, "198.51.100.23", None).address_key != a.address_key
    # with the cookie the open link sets, the browser's key is stored too (and is not the cookie's value)
    third = make_survey(state="open")
    answer(client, third.open_token, {"q_calidad": "buena"})
    browser = client.get_cookie(BROWSER_COOKIE, path="/r/").value
    stored = _responses()[-1]
    assert stored.browser_key == keys_for(app.secret_key, third.id, "127.0.0.1", browser).browser_key
    assert browser not in stored.browser_key


def test_the_builder_saves_the_option(client, login_as):
    login_as("staff")
    survey = make_survey(state="draft")
    form = client.get(f"/encuestas/{survey.id}/editar").get_data(as_text=True)
    assert "Limitar las respuestas por el enlace abierto" in form and 'name="open_link_limited"' in form
    response = client.post(f"/encuestas/{survey.id}/editar", data={
        "title_es": survey.title, "languages": "es", "open_link_per_browser": "5",
        "open_link_per_address_hour": "1000"})  # the box unticked: the limit off
    assert response.status_code == 302
    db.session.expire_all()
    assert (survey.open_link_limited, survey.open_link_per_browser, survey.open_link_per_address_hour) == \
        (False, 5, 1000)
    refused = client.post(f"/encuestas/{survey.id}/editar", data={
        "title_es": survey.title, "languages": "es", "open_link_limited": "y", "open_link_per_browser": "0"})
    assert refused.status_code == 422 and "Escriba un número entre 1 y 1000." in refused.get_data(as_text=True)
    new = Page(client.get("/encuestas/nueva").get_data(as_text=True))  # on by default for a new survey
    [box] = [f for f in new.inputs if f.get("name") == "open_link_limited"]
    assert "checked" in box


# --- bursts --------------------------------------------------------------------------------------------


def _store_at(survey, address: str, when, choice_id=None):
    target = find_target(survey.open_token)
    keys = keys_for("k", survey.id, address, None)
    answers = [{"question_id": survey.questions[0].id, "choice_id": choice_id or survey.questions[0].choices[0].id}]
    assert store(target, answers, lang="es", submission_key=None, now=when, keys=keys) == "stored"


def test_an_office_answering_through_the_morning_is_not_a_burst(app):
    survey = make_survey(state="open", open_link_limited=False)
    start = utcnow() - timedelta(hours=5)
    for n in range(120):  # one address, one response every two minutes
        _store_at(survey, "10.0.0.1", start + timedelta(minutes=2 * n))
    assert find_bursts(survey) == []


def test_bursts_are_runs_per_address_with_their_share(app):
    survey = make_survey(state="open", open_link_limited=False)
    start = utcnow() - timedelta(hours=3)
    for n in range(10):
        _store_at(survey, f"10.0.1.{n}", start + timedelta(seconds=n))  # ten addresses at once: no burst
    for n in range(30):
        _store_at(survey, "10.0.0.9", start + timedelta(minutes=30, seconds=n))
    for n in range(25):
        _store_at(survey, "10.0.0.9", start + timedelta(hours=2, seconds=2 * n))  # the same address, later
    first, second = find_bursts(survey)
    assert (first.count, second.count) == (30, 25) and first.address == second.address == 1
    assert first.share == round(100 * 30 / 65, 1) and first.seconds == 29 and first.excluded == 0


def test_anonymous_surveys_compare_rates_over_the_hour(app):
    survey = make_survey(state="open", anonymous=True, open_link_limited=False)
    assert thresholds(survey) == (1200, 3600)
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    for n in range(40):  # 40 in one hour from one address: the hour is all an anonymous survey keeps
        _store_at(survey, "10.0.0.5", start + timedelta(seconds=n))
    assert find_bursts(survey) == []


def test_an_anonymous_surveys_keys_are_forgotten_after_a_day(app):
    from surveys.respond.open_limits import forget_anonymous_keys

    anonymous = make_survey(state="open", anonymous=True, open_link_limited=False)
    identified = make_survey(state="open", open_link_limited=False)
    for survey in (anonymous, identified):
        _store_at(survey, "10.0.0.7", utcnow() - timedelta(hours=30))
        _store_at(survey, "10.0.0.7", utcnow() - timedelta(hours=2))
    assert forget_anonymous_keys() == 1
    db.session.commit()
    kept = {(r.survey_id, r.address_key is None) for r in _responses()}
    assert kept == {(anonymous.id, True), (anonymous.id, False), (identified.id, False)}
