"""Tokens from the command line (`tokens create|revoke`, CONTRACTS.md) and from the account page."""

from __future__ import annotations

import re

from sqlalchemy import select

from crm.auth.tokens import ApiToken
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.api.conftest import bearer
from tests.factories import PASSWORD, make_user

PATH = "/api/v1/surveys"


def test_cli_create_prints_the_token_last_and_revoke_ends_it(app, client):
    user = make_user(role="coordinator", email="coordinacion@iecm.mx")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "Coordinacion@iecm.mx", "--days", "10"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"vnc_[A-Za-z0-9_-]{43}", secret)
    row = db.session.scalar(select(ApiToken))
    assert row.user_id == user.id and (row.expires_at - row.created_at).days == 10
    assert secret not in result.output.splitlines()[0]  # printed once
    assert client.get(PATH, headers=bearer(secret)).status_code == 200
    default = runner.invoke(args=["tokens", "create", "coordinacion@iecm.mx"])
    assert default.exit_code == 0
    assert max((t.expires_at - t.created_at).days for t in db.session.scalars(select(ApiToken))) == 90
    revoked = runner.invoke(args=["tokens", "revoke", "coordinacion@iecm.mx"])
    assert revoked.exit_code == 0 and "2" in revoked.output
    response = client.get(PATH, headers=bearer(secret))
    assert response.status_code == 401 and response.is_json
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("api_token.create") == 2 and "api_token.revoke" in actions


def test_cli_unknown_address_exits_1_in_spanish(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nadie@iecm.mx"])
    assert result.exit_code == 1
    assert "No hay ninguna cuenta con el correo «nadie@iecm.mx»" in result.output
    assert db.session.scalar(select(ApiToken)) is None
    assert app.test_cli_runner().invoke(args=["tokens", "revoke", "nadie@iecm.mx"]).exit_code == 1


def test_account_page_creates_a_token_shown_once_and_revokes_it(client, login_as):
    user = login_as("viewer")
    page = client.get("/cuenta/contrasena")
    assert page.status_code == 200 and "Claves de acceso a la API" in page.get_data(as_text=True)
    created = client.post("/cuenta/claves-api", data={"clave-days": "30", "clave-password": PASSWORD})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "no se volverá a mostrar" in html
    secret = re.search(r'id="nueva-clave" type="text" readonly value="(vnc_[^"]+)"', html).group(1)
    assert client.get(PATH, headers=bearer(secret)).status_code == 200
    again = client.get("/cuenta/contrasena").get_data(as_text=True)
    assert secret not in again and secret[:12] in again  # shown once; the prefix tells it apart
    row = db.session.scalar(select(ApiToken))
    assert row.user_id == user.id and (row.expires_at - row.created_at).days == 30
    revoked = client.post(f"/cuenta/claves-api/{row.id}/revocar")
    assert revoked.status_code in (302, 303)
    assert client.get(PATH, headers=bearer(secret)).status_code == 401
    assert "Revocada" in client.get("/cuenta/contrasena").get_data(as_text=True)


def test_account_page_refuses_a_bad_expiry_and_another_account_s_token(client, login_as):
    from crm.auth import tokens

    login_as("staff")
    bad = client.post("/cuenta/claves-api", data={"clave-days": "9999", "clave-password": PASSWORD})
    assert bad.status_code == 422 and "La vigencia debe ser de 1 a 366 días." in bad.get_data(as_text=True)
    other, _secret = tokens.create_token(make_user(role="admin"))
    assert client.post(f"/cuenta/claves-api/{other.id}/revocar").status_code == 404
    assert db.session.get(ApiToken, other.id).revoked_at is None


def test_account_page_forms_carry_csrf(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        user = make_user(role="staff")
        page = client.get("/acceso").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/acceso", data={"email": user.email, "password": "Una frase de paso larga 42",
                                     "csrf_token": csrf})
        assert client.post("/cuenta/claves-api", data={"clave-days": "30", "clave-password": PASSWORD}).status_code == 400
        assert db.session.scalar(select(ApiToken)) is None
        html = client.get("/cuenta/contrasena").get_data(as_text=True)
        assert 'name="clave-csrf_token"' in html
