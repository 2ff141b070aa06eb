"""CSRF on every POST, with the production setting (WTF_CSRF_ENABLED) on.

- every route that takes a POST refuses one without a token, or with another session's token, and changes
  nothing (the respondent form answers 422 with the answers kept, as CONTRACTS.md asks; every other form
  answers the 400 page "El formulario caducó");
- every form rendered with method="post", on every page, carries a non-empty csrf_token;
- the only views exempt from the global check are the respondent form, which checks the token itself, and the
  one-click unsubscribe (RFC 8058: a mail client POSTs it with no session; it needs the person's secret link
  and the body `List-Unsubscribe=One-Click`, and can only record an opposition to e-mail).

Routes are taken from app.url_map, so a new POST route is covered without editing this file.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm.core.extensions import csrf, db
from tests.factories import PASSWORD
from tests.security.html_checks import parse_forms
from tests.security.world import build_world, describe, fetch, page_urls

LOGIN_PAGE = "/acceso"


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _log_in(app, email: str):
    client = app.test_client()
    token = _token(client.get(LOGIN_PAGE).get_data(as_text=True))
    response = client.post(LOGIN_PAGE, data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def _snapshot() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name != "audit_entry"}


def test_every_post_route_refuses_a_request_without_a_valid_token(app_with, monkeypatch):
    monkeypatch.setattr("crm.contacts.views.signup.MIN_SECONDS", 0)
    with app_with(WTF_CSRF_ENABLED=True) as app:
        world = build_world()
        admin = _log_in(app, world.admin_email)
        stranger = app.test_client()
        foreign_token = _token(stranger.get(LOGIN_PAGE).get_data(as_text=True))  # valid, for another session
        routes = page_urls(app, per_kind=2, methods=("POST",), skip={"static", "bootstrap.static"})
        routes.sort(key=lambda item: item[0] == "auth.logout")  # log-out last, in case it is not protected
        endpoints = {endpoint for endpoint, _ in routes}
        assert {"auth.login", "auth.logout", "contacts.person_new", "public.submit", "signup.join",
                "imports.upload", "surveys.import_form", "admin.create_user"} <= endpoints, endpoints
        stranger.get("/aviso-de-privacidad")  # the privacy notice is stored on first use: not a change by a POST
        before = _snapshot()
        problems: list[str] = []
        for endpoint, url in routes:
            for label, token in (("no token", None), ("another session's token", foreign_token), ("junk", "x" * 90)):
                data = {"given_name": "Ana", "first_surname": "Ruiz", "email": "csrf@example.org", "body": "nota",
                        "name": "Nombre", "title_es": "Título", "q_calidad": "buena", "accion": "cerrar",
                        "consent": "y", "password": PASSWORD}
                if token:
                    data["csrf_token"] = token
                browser = stranger if endpoint.startswith(("public.", "signup.", "auth.login")) else admin
                response = fetch(browser, url, "POST", data=data)
                body = response.get_data(as_text=True) if response.status_code < 500 else ""
                if endpoint == "mailings.one_click":
                    # exempt by design: an unknown link is 404, and without the RFC 8058 body nothing is recorded
                    ok = response.status_code in (400, 404)
                elif endpoint == "public.submit":
                    # a used or closed link answers 200 with a page that has no form
                    ok = (response.status_code == 422 and "Por seguridad" in body) or response.status_code == 404 or (
                        response.status_code == 200 and 'method="post"' not in body.split("</nav>", 1)[-1])
                else:
                    ok = response.status_code == 400 and "El formulario caducó" in body
                if not ok:
                    problems.append(f"POST {url} [{endpoint}] with {label}: {describe(response)}")
        assert not problems, f"{len(problems)} POST routes without CSRF protection:\n" + "\n".join(problems)
        assert _snapshot() == before
        assert admin.get("/").status_code == 200, "the refused log-out still ended the session"


def test_every_rendered_post_form_carries_a_token(app_with, monkeypatch):
    monkeypatch.setattr("crm.contacts.views.signup.MIN_SECONDS", 0)
    with app_with(WTF_CSRF_ENABLED=True) as app:
        world = build_world()
        admin = _log_in(app, world.admin_email)
        anonymous = app.test_client()
        problems: list[str] = []
        forms = 0
        for endpoint, url in page_urls(app, per_kind=2):
            browser = anonymous if endpoint.startswith(("public.", "signup.", "privacy.", "auth.login")) else admin
            response = fetch(browser, url)
            if "html" not in response.headers.get("Content-Type", ""):
                continue
            for form in parse_forms(response.get_data(as_text=True), url):
                if form.method != "post":
                    continue
                forms += 1
                # a prefixed form's field ("cond-csrf_token"): Flask-WTF's global check takes any key ending
                # in csrf_token (flask_wtf.csrf.CSRFProtect._get_csrf_token)
                tokens = [f.value for f in form.fields if f.name == "csrf_token" or f.name.endswith("-csrf_token")]
                if len(tokens) != 1 or not tokens[0]:
                    problems.append(f"{url}: the form posting to {form.action} has {len(tokens)} csrf_token fields")
        assert forms > 30
        assert not problems, "\n".join(problems)


def test_only_the_respondent_form_is_exempt_from_the_global_check(app):
    exempt = set(getattr(csrf, "_exempt_views", set())) | set(getattr(csrf, "_exempt_blueprints", set()))
    assert exempt == {"surveys.respond.views.submit", "crm.mailings.views.public.one_click"}, exempt
