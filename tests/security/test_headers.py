"""Security headers and cookie flags, on every page the app serves (and its error pages and downloads).

- Content-Security-Policy: scripts, styles and everything else from 'self' only, no 'unsafe-inline' or
  'unsafe-eval', no plugins (object-src 'none'), no <base> hijack, forms post to 'self', and no framing
  (frame-ancestors 'none', with X-Frame-Options DENY for old browsers);
- X-Content-Type-Options: nosniff; a Referrer-Policy (no-referrer on respondent pages: their URL is the
  token); Cache-Control: no-store on every dynamic page and download (personal data);
- pages hold no inline script, no inline style (the policy would block them) and no event handler attribute;
- the session cookie is HttpOnly and SameSite=Lax, Secure when SESSION_COOKIE_SECURE is set, and expires with
  the idle timeout.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tests.conftest import login
from tests.factories import make_user
from tests.security.html_checks import injected_markup
from tests.security.world import describe, fetch, page_urls

REQUIRED_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'", "'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def _policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = set(words[1:])
    return directives


def _image_policy_problems(policy: dict[str, set[str]]) -> list[str]:
    """An SVG served on its own (charts): a script-free image; inline styles are the image's own."""
    problems = []
    if policy.get("default-src") != {"'none'"}:
        problems.append(f"SVG CSP default-src {policy.get('default-src')} (expected 'none')")
    if policy.get("script-src", {"'none'"}) != {"'none'"}:
        problems.append(f"SVG CSP script-src {policy.get('script-src')}")
    if not policy.get("frame-ancestors") or not policy["frame-ancestors"] <= {"'self'", "'none'"}:
        problems.append(f"SVG CSP frame-ancestors {policy.get('frame-ancestors')}")
    return problems


def header_problems(response, path: str) -> list[str]:
    problems = []
    headers = response.headers
    policy = _policy(headers.get("Content-Security-Policy", ""))
    image = headers.get("Content-Type", "").startswith("image/svg")
    for directive, allowed in ({} if image else REQUIRED_DIRECTIVES).items():
        values = policy.get(directive)
        if values is None:
            problems.append(f"CSP lacks {directive}")
        elif not values or not values <= allowed:
            problems.append(f"CSP {directive} {' '.join(sorted(values))} (allowed: {' '.join(sorted(allowed))})")
    if image:
        problems += _image_policy_problems(policy)
    for directive, values in policy.items():
        if image and directive == "style-src":
            continue
        if values & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} and directive != "img-src":
            problems.append(f"CSP {directive} allows {' '.join(sorted(values))}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options: {headers.get('X-Content-Type-Options')}")
    if headers.get("X-Frame-Options") != "DENY" and not image:
        problems.append(f"X-Frame-Options: {headers.get('X-Frame-Options')}")
    referrer = headers.get("Referrer-Policy")
    expected = {"no-referrer"} if path.startswith("/r/") else {"no-referrer", "same-origin", "strict-origin"}
    if referrer not in expected:
        problems.append(f"Referrer-Policy: {referrer}")
    if not headers.get("Permissions-Policy"):
        problems.append("no Permissions-Policy")
    static = path.startswith(("/static/", "/bootstrap/"))
    unrouted = response.status_code == 404 and path == "/no-existe"  # an error page for no route: nothing personal
    public_data = path.startswith("/transparencia")  # no personal data, cached on purpose (docs/transparency.md)
    if not static and not unrouted and not public_data and "no-store" not in (headers.get("Cache-Control") or ""):
        problems.append(f"Cache-Control: {headers.get('Cache-Control')} (personal data may be cached)")
    content_type = headers.get("Content-Type", "")
    if content_type.startswith("text/") and "charset=" not in content_type:
        problems.append(f"Content-Type without charset: {content_type}")
    if "html" in content_type:
        page = response.get_data(as_text=True)
        problems += injected_markup(page)
        if re.search(r"<[a-z][^>]*\sstyle=", page):
            problems.append("an inline style attribute (style-src 'self' blocks it)")
        if re.search(r"<style[\s>]", page):
            problems.append("an inline <style> element (style-src 'self' blocks it)")
    return [f"{path}: {p}" for p in problems]


def test_every_page_sends_the_security_headers(app, world, admin):
    anonymous = app.test_client()
    viewer = app.test_client()
    login(viewer, make_user(role="viewer", email="lectora@iecm.mx"))
    problems: list[str] = []
    checked = 0
    for endpoint, url in page_urls(app, per_kind=2):
        public = endpoint.startswith(("public.", "signup.", "privacy.", "auth.login"))
        response = fetch(anonymous if public else admin, url)
        if response.status_code >= 500:
            problems.append(f"{url}: {describe(response)}")
            continue
        problems += header_problems(response, url)
        checked += 1
    # error pages, redirects, downloads and static files
    others = [
        (anonymous, "GET", "/no-existe", None),
        (anonymous, "GET", "/contactos", None),  # redirect to the login page
        (anonymous, "GET", "/r/token-que-no-existe-123", None),
        (viewer, "GET", "/administracion/usuarios", None),  # 403
        (admin, "GET", f"/encuestas/{world.survey_id}/respuestas.csv", None),
        (admin, "GET", f"/encuestas/{world.survey_id}/respuestas.xlsx", None),
        (admin, "GET", "/indicadores/informe.xlsx", None),
        (admin, "POST", f"/contactos/{world.person_id}/datos.json", None),
        (anonymous, "GET", "/static/app.css", None),
        (anonymous, "GET", "/bootstrap/static/css/bootstrap.min.css", None),
        (admin, "POST", "/importar/contactos", {"file": (__import__("io").BytesIO(b"x" * (21 * 1024 * 1024)), "g.csv")}),
    ]
    for client, method, path, data in others:
        response = fetch(client, path, method, data=data)
        assert response.status_code < 500, (path, describe(response))
        problems += header_problems(response, path)
        checked += 1
    assert checked > 50
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems))[:60])


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    return cookies[-1]


def _flags(cookie: str) -> dict[str, str]:
    return {part.strip().split("=", 1)[0].lower(): part.strip() for part in cookie.split(";")[1:]}


def test_session_cookie_flags(app_with):
    with app_with(SESSION_COOKIE_SECURE=True) as app:
        user = make_user(email="galleta@iecm.mx")
        client = app.test_client()
        response = login(client, user)
        assert response.status_code == 302
        for cookie in response.headers.getlist("Set-Cookie"):
            flags = _flags(cookie)
            assert "httponly" in flags and "secure" in flags, cookie
            assert flags.get("samesite", "").lower() in ("samesite=lax", "samesite=strict"), cookie
        assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
        before = datetime.now(UTC)
        cookie = _session_cookie(client.get("/"))
        flags = _flags(cookie)
        assert "httponly" in flags and "secure" in flags and "expires" in flags, cookie
        expires = parsedate_to_datetime(flags["expires"].split("=", 1)[1])
        idle = app.config["PERMANENT_SESSION_LIFETIME"]
        assert (expires - before).total_seconds() <= idle.total_seconds() + 5, "the cookie outlives the idle timeout"


def test_an_idle_session_expires_on_the_server_too(app_with):
    """A copied cookie is refused once the idle time has passed, whatever the browser keeps."""
    from datetime import timedelta

    with app_with(PERMANENT_SESSION_LIFETIME=timedelta(seconds=2)) as app:
        client = app.test_client()
        assert login(client, make_user(email="inactiva@iecm.mx")).status_code == 302
        assert client.get("/").status_code == 200
        time.sleep(3.2)
        response = client.get("/")
        assert response.status_code in (302, 303) and "/acceso" in response.headers["Location"]


def test_default_cookie_flags_without_https(app):
    """Without SESSION_COOKIE_SECURE (plain http on 127.0.0.1) the cookie still is HttpOnly and SameSite."""
    user = make_user(email="galleta2@iecm.mx")
    cookie = _session_cookie(login(app.test_client(), user)).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
