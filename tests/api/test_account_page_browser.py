"""The account page's API-token section in a real browser: create a token (shown once, with its expiry),
use it, revoke it; axe clean and usable at a phone's width, no CSP violation."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def _get(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the test's own server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _create_and_check(page, live_server, axe_check, screenshot, csp_violations, name: str) -> str:
    expect = _expect()
    page.goto("/cuenta/contrasena")
    expect(page.get_by_role("heading", name="Claves de acceso a la API")).to_be_visible()
    page.get_by_label("Vigencia (días)").fill("30")
    page.get_by_label("Su contraseña, para confirmar").fill(PASSWORD)
    page.get_by_role("button", name="Crear clave de acceso").click()
    expect(page.get_by_text("Cópiela ahora: no se volverá a mostrar.")).to_be_visible()
    secret = page.get_by_label(re.compile(r"Clave de acceso \(vigente hasta el")).input_value()
    assert re.fullmatch(r"vnc_[A-Za-z0-9_-]{43}", secret)
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert csp_violations(page) == []
    return secret


def test_token_created_used_and_revoked_from_the_account_page(live_server, page, phone_page, axe_check,
                                                              screenshot, csp_violations):
    expect = _expect()
    user = live_server.create_user(role="coordinator", name="Coordinación")
    log_in(page, user)
    secret = _create_and_check(page, live_server, axe_check, screenshot, csp_violations, "api-token-created")
    status, body = _get(f"{live_server.url}/api/v1/people", secret)
    assert status == 200 and body["total"] == 0

    page.goto("/cuenta/contrasena")  # a GET again: the token is not shown a second time
    assert secret not in page.content() and secret[:12] in page.content()
    page.get_by_role("button", name=f"Revocar la clave {secret[:12]}").click()
    expect(page.get_by_text(f"Clave {secret[:12]}… revocada")).to_be_visible()
    assert _get(f"{live_server.url}/api/v1/people", secret)[0] == 401

    log_in(phone_page, user)
    _create_and_check(phone_page, live_server, axe_check, screenshot, csp_violations, "api-token-phone")
