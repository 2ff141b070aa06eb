"""The security review's findings (each test failed on the code before its fix) and guards for what the
review checked and found right: the token acts with the account's current role, revocation takes effect on
the next request, blocked and anonymised people never appear, errors carry no stack trace."""

from __future__ import annotations

from sqlalchemy import select

from crm.api import reads
from crm.auth import tokens
from crm.contacts.models import Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.api.conftest import bearer
from tests.factories import PASSWORD, make_person, make_user

BASE = "https://vinculo.iecm.example"


# --------------------------------------------------------------------------- findings


def test_next_is_on_the_configured_address_never_on_the_host_header(app_with):
    """Finding: `next` was built from the request's Host header (a forged Host sent the next request, with its
    token, to another server)."""
    with app_with(CRM_BASE_URL=BASE, CRM_PROXIES=1) as app:
        client = app.test_client()
        for i in range(3):
            make_person(given_name=f"P{i}")
        _row, secret = tokens.create_token(make_user(role="admin"))
        for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}, {}):
            body = client.get("/api/v1/people?per_page=1", headers={**bearer(secret), **headers}).get_json()
            assert body["next"] == f"{BASE}/api/v1/people?per_page=1&page=2", headers
        second = client.get(body["next"], headers=bearer(secret)).get_json()
        assert second["next"] == f"{BASE}/api/v1/people?per_page=1&page=3" and len(second["items"]) == 1


def test_wrong_tokens_from_an_address_never_lock_out_a_valid_token_there(app_with):
    """Finding: past the refused-token limit of an address, a valid token from that address (another system
    behind the same proxy or NAT) got 429 too: anyone could lock every client out by sending bad tokens."""
    with app_with(RATELIMIT_ENABLED=True, CRM_API_FAILURE_LIMIT="3 per minute") as app:
        client = app.test_client()
        _row, secret = tokens.create_token(make_user(role="viewer"))
        statuses = [client.get("/api/v1/surveys", headers=bearer(f"vnc_adivinanza{i}")).status_code
                    for i in range(5)]
        assert statuses == [401] * 3 + [429] * 2
        assert client.get("/api/v1/surveys").status_code == 429  # still slowed down without a token
        assert client.get("/api/v1/surveys", headers=bearer(secret)).status_code == 200


def test_a_token_refused_by_role_still_counts_against_its_rate_limit(app_with):
    """Finding: a 403 was answered before the token's rate limit was counted, so a token could hit a path its
    role may not read without limit (each request a token look-up and a write)."""
    with app_with(RATELIMIT_ENABLED=True, CRM_API_LIMIT="3 per minute") as app:
        client = app.test_client()
        _row, secret = tokens.create_token(make_user(role="viewer"))
        statuses = [client.get("/api/v1/people", headers=bearer(secret)).status_code for _ in range(4)]
        assert statuses == [403] * 3 + [429]


def test_creating_a_token_on_the_account_page_asks_for_the_password(client, login_as):
    """Finding: a session left open (or stolen) was enough to create a token valid up to a year, which outlives
    the session, its idle timeout and its log-out; the account's password is now asked, as for changing it."""
    login_as("staff")
    for data in ({"clave-days": "30"}, {"clave-days": "30", "clave-password": "no es la contraseña"}):
        refused = client.post("/cuenta/claves-api", data=data)
        assert refused.status_code == 422 and "vnc_" not in refused.get_data(as_text=True), data
    assert db.session.scalar(select(tokens.ApiToken)) is None
    html = client.get("/cuenta/contrasena").get_data(as_text=True)
    assert 'name="clave-password"' in html and 'autocomplete="current-password"' in html
    created = client.post("/cuenta/claves-api", data={"clave-days": "30", "clave-password": PASSWORD})
    assert created.status_code == 200 and db.session.scalar(select(tokens.ApiToken)) is not None


def test_people_carry_their_oppositions_as_the_staff_download_does(client, token_for):
    """Finding: the API gave the e-mail and phone of people who opposed being contacted on them without saying
    so (the staff download of the people list adds one opposition column per channel for that reason)."""
    from crm.contacts.models import ChannelPreference

    opposed = make_person(given_name="Opuesta", phone="+525512345678")
    opposed.channel_preferences.append(ChannelPreference(channel="email", opted_out=True))
    make_person(given_name="Sin oposicion")
    db.session.commit()
    _user, secret = token_for("admin")
    items = client.get("/api/v1/people", headers=bearer(secret)).get_json()["items"]
    marks = {item["nombre"]: (item["oposicion_correo"], item["oposicion_telefono"]) for item in items}
    assert marks == {"Opuesta": ("sí", ""), "Sin oposicion": ("", "")}


def test_wrong_passwords_on_the_token_form_are_limited_per_account(app_with):
    """With the password asked, the token form must not become a place to try passwords without limit: wrong
    ones count against the account (CRM_LOGIN_ACCOUNT_LIMIT), right ones do not."""
    from tests.conftest import login

    with app_with(RATELIMIT_ENABLED=True, CRM_LOGIN_ACCOUNT_LIMIT="2 per minute") as app:
        client = app.test_client()
        login(client, make_user(role="staff"))
        right = {"clave-days": "30", "clave-password": PASSWORD}
        assert [client.post("/cuenta/claves-api", data=right).status_code for _ in range(3)] == [200] * 3
        wrong = {"clave-days": "30", "clave-password": "adivinanza"}
        assert [client.post("/cuenta/claves-api", data=wrong).status_code for _ in range(3)] == [422, 422, 429]


def test_an_answer_off_its_schema_sends_and_logs_no_personal_data(app_with, monkeypatch, caplog):
    """Finding: when an answer did not match its declared schema, SpecTree answered 500 with pydantic's errors,
    each with its `input` (the whole item: names, e-mail addresses), and logged them the same way."""
    with app_with(PROPAGATE_EXCEPTIONS=False) as app:
        client = app.test_client()
        _row, secret = tokens.create_token(make_user(role="admin"))
        item = {"id": 1, "code": "c", "title": "Rosa Téllez rosa.tellez@example.org", "state": "open",
                "component": None, "year": "no es un año", "responses": 0}
        monkeypatch.setattr(reads, "surveys_page", lambda *_a, **_k: reads.Page([item], 1))
        response = client.get("/api/v1/surveys", headers=bearer(secret))
        assert response.status_code == 500 and response.is_json
        assert set(response.get_json()) == {"error", "message"}
        assert "Téllez" not in response.get_data(as_text=True)
        assert "Téllez" not in caplog.text and "year" in caplog.text


# --------------------------------------------------------------------------- checked and right


def test_the_token_acts_with_the_account_s_current_role(client, token_for):
    user, secret = token_for("viewer")
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 403
    user.role = "coordinator"
    db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    user.role = "viewer"
    db.session.commit()
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 403


def test_revoking_from_another_session_ends_the_token_at_the_next_request(app, client, token_for):
    user, secret = token_for("admin")
    assert client.get("/api/v1/surveys", headers=bearer(secret)).status_code == 200
    result = app.test_cli_runner().invoke(args=["tokens", "revoke", user.email])
    assert result.exit_code == 0
    assert client.get("/api/v1/surveys", headers=bearer(secret)).status_code == 401


def test_blocked_and_anonymised_people_are_never_given(client, token_for):
    kept = make_person(given_name="Visible", networks=("rvc",))
    for status in ("blocked", "anonymized"):
        hidden = make_person(given_name=f"Oculta {status}", networks=("rvc",))
        hidden.status = status
    db.session.commit()
    _user, secret = token_for("admin")
    for url in ("/api/v1/people", "/api/v1/people?red=rvc"):
        body = client.get(url, headers=bearer(secret)).get_json()
        assert [item["id"] for item in body["items"]] == [kept.id] and body["total"] == 1, url
    assert db.session.scalar(select(db.func.count(Person.id))) == 3


def test_audit_entries_never_hold_the_token(client, token_for):
    make_person()
    _user, secret = token_for("admin")
    client.get("/api/v1/people", headers=bearer(secret))
    for entry in db.session.scalars(select(AuditEntry)):
        assert secret not in str(entry.details) and secret[12:20] not in str(entry.details)


def test_an_unexpected_error_is_json_without_a_trace(app_with, monkeypatch):
    with app_with(PROPAGATE_EXCEPTIONS=False) as app:
        client = app.test_client()
        _row, secret = tokens.create_token(make_user(role="admin"))

        def broken(*_args, **_kwargs):
            raise RuntimeError("secreto interno /srv/vinculo")

        monkeypatch.setattr(reads, "surveys_page", broken)
        response = client.get("/api/v1/surveys", headers=bearer(secret))
        assert response.status_code == 500 and response.is_json
        assert set(response.get_json()) == {"error", "message"}
        text = response.get_data(as_text=True)
        assert "Traceback" not in text and "secreto" not in text and "RuntimeError" not in text
        assert response.headers["Cache-Control"] == "no-store"


def test_personal_data_answers_are_not_stored_by_caches(client, token_for):
    make_person()
    _user, secret = token_for("admin")
    for path in ("/api/v1/people", "/api/v1/organizations", "/api/v1/activities", "/api/v1/requests",
                 "/api/v1/agreements", "/api/v1/surveys"):
        response = client.get(path, headers=bearer(secret))
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.mimetype == "application/json" and "Set-Cookie" not in response.headers, path


def test_x_forwarded_for_from_a_client_does_not_reset_the_refused_token_count(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_API_FAILURE_LIMIT="3 per minute") as app:  # CRM_PROXIES=0
        client = app.test_client()
        statuses = [client.get("/api/v1/surveys", headers={**bearer(f"vnc_otra{i}"),
                                                           "X-Forwarded-For": f"198.51.100.{i}"}).status_code
                    for i in range(5)]
        assert statuses == [401] * 3 + [429] * 2


def test_a_logged_in_browser_gets_no_session_cookie_from_the_api(client, token_for, login_as):
    login_as("admin")
    _user, secret = token_for("admin")
    for response in (client.get("/api/v1/people", headers=bearer(secret)), client.get("/api/v1/people"),
                     client.get("/api/v1/indicators?year=2025", headers=bearer(secret))):
        assert "Set-Cookie" not in response.headers
    assert client.get("/api/v1/people").status_code == 401


def test_the_new_token_is_in_no_cookie_and_the_page_is_not_cached(app, client, login_as):
    login_as("staff")
    created = client.post("/cuenta/claves-api", data={"clave-days": "30", "clave-password": PASSWORD})
    secret = db.session.scalar(select(tokens.ApiToken)).prefix
    assert secret in created.get_data(as_text=True) and created.headers["Cache-Control"] == "no-store"
    serializer = app.session_interface.get_signing_serializer(app)
    for header in created.headers.getlist("Set-Cookie"):
        name, value = header.split(";", 1)[0].split("=", 1)
        assert "vnc_" not in header
        if name == app.config["SESSION_COOKIE_NAME"] and value:
            assert "vnc_" not in str(serializer.loads(value))  # no flash message with the token either
