"""Throttling: login attempts and token guessing on the respondent pages are rate-limited per address.

In-process (app_with(RATELIMIT_ENABLED=True)): what counts, for whom, and that forged proxy headers do not
reset the count. Through gunicorn (2 workers, the production configuration): a brute force of random
tokens from one address is cut off after a bounded number of guesses. tests/surveys_public/test_security.py
covers the basic limits of the respondent pages; these tests add the attacker's view.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import login
from tests.factories import PASSWORD, make_survey, make_user
from tests.reliability.harness import Browser, Gunicorn, app_env, in_app


def _forwarded(n: int) -> dict:
    return {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}", "Forwarded": f"for=192.0.2.{n}"}


def test_login_throttling_counts_per_address_and_ignores_forged_proxy_headers(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_LOGIN_LIMIT="5 per hour") as app:
        user = make_user(email="victima@iecm.mx")
        attacker = app.test_client()
        statuses = [attacker.post("/acceso", data={"email": user.email, "password": f"intento {n}"},
                                  headers=_forwarded(n)).status_code for n in range(8)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
        # the right password is refused too while throttled: the limit is not an oracle
        blocked = login(attacker, user)
        assert blocked.status_code == 429 and "Demasiados intentos" in blocked.get_data(as_text=True)
        assert blocked.headers.get("Content-Security-Policy") and blocked.headers.get("X-Frame-Options") == "DENY"
        # someone at another address logs in normally
        other = app.test_client()
        response = other.post("/acceso", data={"email": user.email, "password": PASSWORD},
                              environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 302


def test_login_throttling_keeps_counting_per_hour(app_with):
    with app_with(RATELIMIT_ENABLED=True) as app:  # the default: "5 per minute;30 per hour"
        assert "per hour" in app.config["CRM_LOGIN_LIMIT"]
        client = app.test_client()
        for n in range(6):
            client.post("/acceso", data={"email": "nadie@iecm.mx", "password": "x"})
        assert client.post("/acceso", data={"email": "nadie@iecm.mx", "password": "x"}).status_code == 429


def test_guessing_tokens_on_any_respondent_page_shares_one_limit(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_PUBLIC_MISS_LIMIT="20 per hour") as app:
        survey = make_survey(state="open")
        guesser = app.test_client()
        statuses = []
        for n in range(30):  # GET, POST and the thank-you page all count as guesses
            token = secrets.token_urlsafe(16)
            method, path = (("GET", f"/r/{token}"), ("POST", f"/r/{token}"), ("GET", f"/r/{token}/gracias"))[n % 3]
            statuses.append(guesser.open(path, method=method, headers=_forwarded(n)).status_code)
        assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}, statuses
        # the guessing browser is held off every token page for a while, the real link included
        assert guesser.get(f"/r/{survey.open_token}").status_code == 429
        # and nobody else is: another address, or another browser behind the same address (an office NAT)
        assert app.test_client().get(f"/r/{survey.open_token}",
                                     environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200
        neighbour = app.test_client()
        assert neighbour.get(f"/r/{survey.open_token}", headers=_forwarded(0)).status_code == 200


def test_guesses_that_drop_their_cookies_are_held_to_the_address_limit(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_PUBLIC_MISS_LIMIT="5 per hour",
                  CRM_PUBLIC_MISS_ADDRESS_LIMIT="12 per hour") as app:
        survey = make_survey(state="open")
        statuses = [app.test_client().get(f"/r/{secrets.token_urlsafe(16)}").status_code for _ in range(15)]
        assert statuses == [404] * 12 + [429] * 3
        assert app.test_client().get(f"/r/{survey.open_token}").status_code == 429  # the whole address waits
        assert app.test_client().get(f"/r/{survey.open_token}",
                                     environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200


def test_a_few_mistyped_links_behind_one_address_do_not_stop_the_others(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_PUBLIC_MISS_LIMIT="3 per hour") as app:
        survey = make_survey(state="open")
        for _ in range(10):  # ten people, each mistyping their link a few times
            person = app.test_client()
            assert [person.get(f"/r/{secrets.token_urlsafe(16)}").status_code for _ in range(4)] == [404] * 3 + [429]
        assert app.test_client().get(f"/r/{survey.open_token}").status_code == 200


def test_guessing_sign_up_confirmation_tokens_is_limited(app_with):
    with app_with(RATELIMIT_ENABLED=True) as app:
        client = app.test_client()
        statuses = [client.get(f"/unirse/confirmar/{secrets.token_urlsafe(24)}").status_code for _ in range(35)]
        assert statuses[0] == 404 and 429 in statuses, statuses
        assert statuses.index(429) <= 31


def test_brute_force_of_respondent_tokens_through_gunicorn_is_cut_off(tmp_path):
    """Guesses from fresh browsers (no cookie) are cut off by the address limit."""
    from tests.reliability.harness import DatabaseFactory

    databases = DatabaseFactory(tmp_path / "db")
    try:
        url = databases.new_sqlite("brute")
        with in_app(url):
            token = make_survey(state="open").open_token
        # One worker: with two, each keeps its own counters (memory storage) and an uneven share of the
        # requests between them makes the exact cut-off unpredictable; the bound is the limit times the workers.
        server = Gunicorn(app_env(url, tmp_path / "instance", CRM_PUBLIC_MISS_ADDRESS_LIMIT="20 per hour"),
                          tmp_path / "gunicorn.log", workers=1).start()
        try:
            def guess(_):
                return Browser(server.port, timeout=30).get(f"/r/{secrets.token_urlsafe(16)}")[0]

            with ThreadPoolExecutor(max_workers=8) as pool:
                statuses = list(pool.map(guess, range(200)))
            real = Browser(server.port).get(f"/r/{token}")[0]
        finally:
            server.stop()
    finally:
        databases.close()
    assert set(statuses) <= {404, 429}, sorted(set(statuses))
    assert statuses.count(404) <= 20 * server.workers, f"{statuses.count(404)} guesses answered before the limit"
    assert statuses[-50:].count(429) == 50, "the limit let guesses through again"
    assert real == 429  # the guessing address waits, as documented in surveys/respond/limits.py
