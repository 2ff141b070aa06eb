"""Logging in and out through the real form, in a real browser, with real CSRF."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import describe_violations

pytestmark = pytest.mark.e2e


def _expect():
    from playwright.sync_api import expect

    return expect


def log_in(page, email: str, password: str) -> None:
    page.goto("/acceso")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Iniciar sesión").click()


def test_log_in_see_home_and_log_out(live_server, page, screenshot, csp_violations):
    expect = _expect()
    user = live_server.create_user(role="staff", name="Rosa Téllez")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/acceso(\?.*)?$"))
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("input[name=csrf_token]").get_attribute("value")

    log_in(page, user.email, user.password)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Inicio", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Rosa Téllez")).to_be_visible()
    screenshot(page, "home-after-login")

    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page).to_have_url(re.compile(r"/acceso$"))
    expect(page.get_by_text("Sesión cerrada.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/acceso(\?.*)?$"))
    assert csp_violations(page) == []


def test_wrong_password_shows_the_spanish_message(live_server, page, screenshot):
    expect = _expect()
    user = live_server.create_user(role="viewer")

    log_in(page, user.email, "una contraseña equivocada")
    expect(page.get_by_role("alert")).to_contain_text("Correo o contraseña incorrectos.")
    expect(page).to_have_url(re.compile(r"/acceso$"))
    screenshot(page, "login-wrong-password")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/acceso(\?.*)?$"))


def test_the_live_server_enforces_csrf(live_server, page):
    user = live_server.create_user(role="staff")
    response = page.request.post(f"{live_server.url}/acceso", form={"email": user.email, "password": user.password},
                                 max_redirects=0)
    assert response.status == 400
    assert "caducó" in response.text()


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_login_and_home_pages_have_no_serious_accessibility_problem(live_server, viewport, request, axe_check,
                                                                     screenshot, csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    user = live_server.create_user(role="admin", name="Administración")
    label = "desktop" if viewport == "page" else "phone"

    page.goto("/acceso")
    screenshot(page, f"login-{label}")
    problems = axe_check(page)
    assert not problems, describe_violations(problems)

    log_in(page, user.email, "una contraseña equivocada")
    expect(page.get_by_role("alert")).to_be_visible()
    problems = axe_check(page)
    assert not problems, describe_violations(problems)

    log_in(page, user.email, user.password)
    expect(page.get_by_role("heading", name="Inicio", level=1)).to_be_visible()
    screenshot(page, f"home-{label}")
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    if label == "phone":
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"the home page scrolls sideways on a phone ({width}px wide)"
    assert csp_violations(page) == []
