"""CSRF on the respondent form (never a bare 400), rate limits, and no tokens in the logs."""

import logging

from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.models import Response
from tests.factories import make_survey
from tests.surveys_public.helpers import Page


def count_responses() -> int:
    return db.session.scalar(select(func.count(Response.id)))


# --- CSRF ------------------------------------------------------------------------------------------


def test_valid_csrf_token_stores(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        client = app.test_client()
        page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
        assert page.hidden("csrf_token")
        response = client.post(f"/r/{survey.open_token}", data={
            "csrf_token": page.hidden("csrf_token"), "_clave": page.hidden("_clave"), "_lang": "es",
            "q_calidad": "buena"})
        assert response.status_code == 303
        assert count_responses() == 1


def test_bad_or_missing_csrf_token_comes_back_with_answers(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        client = app.test_client()
        page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
        answers = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "regular", "q_opinion": "Bien"}
        for token in ("manipulado", None):
            data = dict(answers, **({"csrf_token": token} if token else {}))
            response = client.post(f"/r/{survey.open_token}", data=data)
            assert response.status_code == 422
            html = Page(response.get_data(as_text=True))
            assert "Por seguridad, revise sus respuestas y envíe de nuevo." in html.html
            assert html.checked("q_calidad") == ["regular"]
            assert html.value("q_opinion") == "Bien"
            assert html.hidden("_clave") == answers["_clave"]
        assert count_responses() == 0
        # the page that came back carries a fresh token: sending it again stores
        response = client.post(f"/r/{survey.open_token}",
                               data=dict(answers, csrf_token=html.hidden("csrf_token")))
        assert response.status_code == 303
        assert count_responses() == 1


def test_form_left_open_until_the_session_expired(app_with):
    """The session cookie (and its CSRF secret) is gone: the answers come back, in the page's language."""
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        old_tab = app.test_client()
        page = Page(old_tab.get(f"/r/{survey.open_token}?lang=en").get_data(as_text=True))
        fresh_browser = app.test_client()  # no cookie any more
        data = {"csrf_token": page.hidden("csrf_token"), "_clave": page.hidden("_clave"), "_lang": "en",
                "q_calidad": "buena", "q_opinion": "Great"}
        response = fresh_browser.post(f"/r/{survey.open_token}", data=data)
        assert response.status_code == 422
        html = Page(response.get_data(as_text=True))
        assert html.lang == "en"
        assert "For your security, please check your answers and submit again." in html.html
        assert html.checked("q_calidad") == ["buena"] and html.value("q_opinion") == "Great"
        response = fresh_browser.post(f"/r/{survey.open_token}", data=dict(data, csrf_token=html.hidden("csrf_token")))
        assert response.status_code == 303, response.get_data(as_text=True)
        assert count_responses() == 1


def test_csrf_failure_and_missing_answer_are_reported_together(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        survey = make_survey(state="open")
        response = app.test_client().post(f"/r/{survey.open_token}", data={"_lang": "es", "q_opinion": "x"})
        assert response.status_code == 422
        body = response.get_data(as_text=True)
        assert "Por seguridad" in body and "Elija una opción." in body


# --- rate limits -----------------------------------------------------------------------------------


def test_many_unknown_tokens_from_one_address_are_refused(app_with):
    with app_with(RATELIMIT_ENABLED=True) as app:
        client = app.test_client()
        statuses = [client.get(f"/r/tokenInventado{n:04d}xyz").status_code for n in range(40)]
        assert statuses[0] == 404
        assert 429 in statuses
        assert statuses.index(429) <= 21
        limited = client.get("/r/tokenInventado9999xyz?lang=en")
        assert limited.status_code == 429
        assert "Too many attempts" in limited.get_data(as_text=True)
        # another address is not affected
        other = client.get("/r/tokenInventado0000xyz", environ_base={"REMOTE_ADDR": "10.0.0.7"})
        assert other.status_code == 404


def test_sixty_people_behind_one_address_all_answer(app_with):
    with app_with(RATELIMIT_ENABLED=True) as app:
        survey = make_survey(state="open")
        for n in range(60):
            client = app.test_client()  # each person with their own browser, all from 127.0.0.1
            page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
            response = client.post(f"/r/{survey.open_token}", data={
                "_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena", "q_opinion": f"Persona {n}"})
            assert response.status_code == 303, (n, response.status_code)
            assert client.get(response.headers["Location"]).status_code == 200
        assert count_responses() == 60


def test_the_same_form_posted_over_and_over_is_limited(app_with):
    with app_with(RATELIMIT_ENABLED=True) as app:
        survey = make_survey(state="open")
        client = app.test_client()
        page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
        data = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"}
        statuses = [client.post(f"/r/{survey.open_token}", data=data).status_code for _ in range(15)]
        assert statuses[:10] == [303] * 10
        assert statuses[-1] == 429
        assert count_responses() == 1
        # a new form from another browser at the same address is fine
        client = app.test_client()
        page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
        response = client.post(f"/r/{survey.open_token}", data=dict(data, _clave=page.hidden("_clave")))
        assert response.status_code == 303


# --- logs ------------------------------------------------------------------------------------------


def test_request_log_lines_do_not_carry_tokens(app):
    from surveys.respond.logs import RedactTokens

    logger = logging.getLogger("werkzeug")
    assert any(isinstance(f, RedactTokens) for f in logger.filters)
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", "GET /r/SecretToken_abc-123?lang=es HTTP/1.1", "200", "-"), None)
    RedactTokens().filter(record)
    assert "SecretToken" not in record.getMessage()
    assert "/r/[token]?lang=es" in record.getMessage()
    access = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s",
                               ({"r": "POST /r/SecretToken HTTP/1.1", "U": "/r/SecretToken", "s": "303"},), None)
    RedactTokens().filter(access)
    assert "SecretToken" not in access.getMessage()


def test_unexpected_errors_are_logged_without_the_token(app_with, monkeypatch, caplog):
    from surveys.respond import views

    with app_with(PROPAGATE_EXCEPTIONS=False, TESTING=False) as app:
        survey = make_survey(state="open")

        def broken(*args, **kwargs):
            raise RuntimeError(f"database said no about {survey.open_token}")

        monkeypatch.setattr(views, "build_form", broken)
        with caplog.at_level(logging.ERROR):
            response = app.test_client().get(f"/r/{survey.open_token}?lang=en")
        assert response.status_code == 500
        assert "Something went wrong" in response.get_data(as_text=True)
        assert "RuntimeError" in caplog.text
        assert survey.open_token not in caplog.text
