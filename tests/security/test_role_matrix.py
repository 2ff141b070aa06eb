"""Who may reach what: every route the app registers, for every role.

The test walks app.url_map, so a new route is covered without editing this file:

- a view decorated with @permission_required(...) carries `.permission`; for it
  anonymous -> redirect to the login page, a role without the permission -> 403,
  a role with it -> the door is open (not 401/403, not bounced to login, no 5xx;
  404 only for URLs with parameters, which are filled with ids/tokens that do not exist);
- a view whose POST checks a stricter permission inside is listed in METHOD_PERMISSIONS;
- a view without `.permission` must be named in PUBLIC or LOGIN_ONLY below, else
  test_every_route_declares_who_may_use_it fails: new routes must declare themselves.

The database is the default test app's (CSRF off), so POSTs reach the permission check.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UUIDConverter,
)

from crm.auth.models import User
from crm.auth.roles import PERMISSIONS, Role
from crm.core.extensions import db
from tests.conftest import login
from tests.factories import make_user

ROLES = ("viewer", "coordinator", "staff", "admin")

# Who holds each permission: a readable copy of crm/auth/permissions.PERMISSIONS.
# test_permission_table_matches_the_code fails when the two drift apart, so a change of
# policy is a deliberate edit in both places. "x" = granted, "-" = refused.
PERMISSION_TABLE = """
permission        viewer  coordinator  staff  admin
view_contacts       -         x          x      x
edit_contacts       -         -          x      x
import_data         -         -          x      x
export_data         -         x          -      x
manage_privacy      -         -          x      x
manage_events       -         -          x      x
view_events         x         x          x      x
view_agreements     x         x          x      x
manage_agreements   -         x          x      x
view_surveys        x         x          x      x
manage_surveys      -         -          x      x
view_responses      -         x          x      x
view_indicators     x         x          x      x
export_reports      -         x          -      x
view_program        x         x          x      x
manage_program      -         -          -      x
view_coverage       -         x          -      x
send_mailings       -         -          x      x
view_mailings       x         x          x      x
manage_users        -         -          -      x
view_audit          -         -          -      x
view_backups        -         -          -      x
"""


def _parse_table(text: str) -> dict[str, frozenset[str]]:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    return {row[0]: frozenset(role for role, mark in zip(header, row[1:], strict=True) if mark == "x") for row in rows}


EXPECTED = _parse_table(PERMISSION_TABLE)

# Routes open to anyone, without a session.
PUBLIC_ENDPOINTS = {
    "auth.login",  # the login page itself
    "static",  # the app's CSS/JS
    "privacy.notice",  # /aviso-de-privacidad: the full privacy notice
    "signup.join",  # /unirse/<code>: public sign-up to a network
    "signup.sent",  # /unirse/<code>/enviado
    "signup.confirm",  # /unirse/confirmar/<token>: the e-mailed confirmation link
    "operations_health.salud",  # /salud: the health check for load balancers (no personal data)
    "mailings.one_click",  # POST /correo/baja/<token>: RFC 8058 one-click unsubscribe (the token is the key)
    "mailings.page",  # GET /correo/baja/<token>: the unsubscribe page
    "mailings.confirm",  # POST /correo/baja/<token>/confirmar: its button (CSRF)
    "transparency.page",  # /transparencia: the public results matrix (no personal data, small cells hidden)
    "transparency.csv",  # /transparencia/matriz-<year>.csv: the same data as a file
}
PUBLIC_BLUEPRINTS = {"public"}  # surveys/respond/views.py: the respondent pages (token or open link)
PUBLIC_PATH_PREFIXES = ("/r/",)  # respondent links
# The read API authenticates by bearer token, never by session (401/403 in JSON, no login redirect):
# tests/api/test_reads.py holds its own matrix of every /api/v1 route and role.
API_PATH_PREFIX = "/api/"

# Routes for any logged-in account, whatever its role.
LOGIN_ONLY_ENDPOINTS = {
    "main.home",  # "/"
    "auth.logout",  # POST /salir
    "auth.change_password",  # /cuenta/contrasena
    "auth.create_api_token",  # POST /cuenta/claves-api: a token for one's own account (acts with its role)
    "auth.revoke_api_token",  # POST /cuenta/claves-api/<id>/revocar: one's own tokens only (404 otherwise)
}

# A view whose declared permission covers GET but whose POST checks a stricter one inside.
# Prefer a separate POST view with its own @permission_required; list the exceptions here.
METHOD_PERMISSIONS: dict[tuple[str, str], str] = {}

DUMMY_ID = 999999
DUMMY_TEXT = "no-existe-999999"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Route:
    rule: Rule
    endpoint: str
    method: str
    path: str
    has_args: bool
    permission: str | None
    kind: str | None  # "permission", "public", "login_only" or None (undeclared)

    def __str__(self) -> str:
        return f"{self.method:6} {self.path}  [{self.endpoint}]"


def _dummy_value(converter):
    if isinstance(converter, IntegerConverter):
        return DUMMY_ID
    if isinstance(converter, FloatConverter):
        return float(DUMMY_ID)
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-4000-8000-000000999999"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, PathConverter):
        return f"{DUMMY_TEXT}/{DUMMY_TEXT}"
    return DUMMY_TEXT  # string converter: tokens, codes, slugs


def _classify(endpoint: str, rule: Rule, view) -> tuple[str | None, str | None]:
    permission = getattr(view, "permission", None)
    if permission:
        return "permission", permission
    blueprint = endpoint.rsplit(".", 1)[0] if "." in endpoint else ""
    if (endpoint in PUBLIC_ENDPOINTS or blueprint in PUBLIC_BLUEPRINTS
            or rule.rule.startswith(PUBLIC_PATH_PREFIXES)):
        return "public", None
    if endpoint in LOGIN_ONLY_ENDPOINTS:
        return "login_only", None
    return None, None


def all_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if view is None or rule.redirect_to is not None or rule.rule.startswith(API_PATH_PREFIX):
            continue
        converters = getattr(rule, "_converters", {})
        values = {name: _dummy_value(converters.get(name)) for name in rule.arguments}
        path = rule.build(values)[1]
        kind, permission = _classify(rule.endpoint, rule, view)
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            needed = METHOD_PERMISSIONS.get((rule.endpoint, method), permission) if permission else None
            routes.append(Route(rule, rule.endpoint, method, path, bool(rule.arguments), needed, kind))
    return routes


class _Raised:
    """Stands for the response when the view raised (the test app propagates exceptions)."""

    status_code = 500
    headers: dict = {}

    def __init__(self, exc: Exception):
        self.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]


def _send(client, route: Route):
    try:
        return client.open(route.path, method=route.method, follow_redirects=False)
    except Exception as exc:  # one broken view must not hide the rest of the matrix
        db.session.rollback()
        return _Raised(exc)


def _is_login_redirect(response) -> bool:
    return response.status_code in REDIRECTS and urlsplit(response.headers.get("Location", "")).path == "/acceso"


def _describe(response) -> str:
    if isinstance(response, _Raised):
        return f"an exception: {response.error}"
    where = f" -> {response.headers.get('Location')}" if response.status_code in REDIRECTS else ""
    return f"{response.status_code}{where}"


def _door_open(route: Route, response) -> bool:
    status = response.status_code
    if status in (401, 403, 405) or status >= 500 or _is_login_redirect(response):
        return False
    if status == 404:
        return route.has_args  # the filled-in id or token does not exist
    return True


def _holders(permission: str) -> frozenset[str]:
    if permission in EXPECTED:
        return EXPECTED[permission]
    # A permission newer than the table: test_permission_table_matches_the_code reports it;
    # the matrix still checks its routes against the code.
    return frozenset(role.value for role in PERMISSIONS[permission])


def _logged_in_client(app, role: str):
    client = app.test_client()
    user = make_user(role=role, email=f"matriz-{role}@iecm.mx")
    response = login(client, user)
    assert response.status_code in REDIRECTS, f"{role} could not log in: {response.status_code}"
    return client


def _report(problems: list[str], title: str) -> str:
    return f"{title} ({len(problems)}):\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------------


def test_permission_table_matches_the_code():
    in_code = {name: frozenset(role.value for role in roles) for name, roles in PERMISSIONS.items()}
    assert set(ROLES) == {role.value for role in Role}
    assert EXPECTED == in_code, (
        "crm/auth/permissions.PERMISSIONS and PERMISSION_TABLE in this test disagree; "
        "update the table when the policy change is intended"
    )


def test_every_route_declares_who_may_use_it(app):
    routes = all_routes(app)
    assert len({r.endpoint for r in routes}) >= 10, "the url_map looks empty: is the app wired?"
    undeclared = sorted({f"{r.rule.rule}  [{r.endpoint}]" for r in routes if r.kind is None})
    assert not undeclared, _report(
        undeclared,
        "routes without @permission_required that are neither in PUBLIC nor in LOGIN_ONLY "
        "(tests/security/test_role_matrix.py): protect them with a permission or declare them",
    )
    unknown = sorted({f"{r.endpoint}: {r.permission}" for r in routes if r.permission and r.permission not in PERMISSIONS})
    assert not unknown, _report(unknown, "views naming a permission that crm/auth/permissions.py does not define")
    endpoints = {r.endpoint for r in routes}
    stale = sorted((PUBLIC_ENDPOINTS | LOGIN_ONLY_ENDPOINTS) - endpoints)
    stale += sorted(f"{endpoint} {method}" for endpoint, method in METHOD_PERMISSIONS
                    if not any(r.endpoint == endpoint and r.method == method and r.kind == "permission" for r in routes))
    assert not stale, _report(stale, "PUBLIC/LOGIN_ONLY/METHOD_PERMISSIONS name routes the app no longer registers")


def test_anonymous_visitor_is_sent_to_login_everywhere_but_public_pages(app, client):
    problems = []
    for route in all_routes(app):
        if route.kind is None:
            continue  # reported by test_every_route_declares_who_may_use_it
        response = _send(client, route)
        if route.kind in ("permission", "login_only"):
            if not _is_login_redirect(response):
                problems.append(f"{route}: expected a redirect to /acceso, got {_describe(response)}")
        elif route.kind == "public":
            if _is_login_redirect(response) or response.status_code in (401, 403) or response.status_code >= 500:
                problems.append(f"{route}: a public page must answer anonymous visitors, got {_describe(response)}")
    assert not problems, _report(problems, "anonymous visitor")


@pytest.mark.parametrize("role", ROLES)
def test_role_reaches_exactly_what_its_permissions_allow(app, role):
    client = _logged_in_client(app, role)
    routes = [r for r in all_routes(app) if r.kind is not None]
    # GETs first: a POST with side effects must not change what the GETs see.
    routes.sort(key=lambda r: (r.method != "GET", r.path))
    problems = []
    checked = 0
    for route in routes:
        if route.kind == "public":
            continue  # covered for anonymous visitors; a session changes nothing
        if route.kind == "login_only":
            if route.method != "GET":
                continue  # logout and password change act on the session itself
            response = _send(client, route)
            if not _door_open(route, response):
                problems.append(f"{route}: any logged-in account may open it, got {_describe(response)}")
            checked += 1
            continue
        allowed = role in _holders(route.permission)
        response = _send(client, route)
        checked += 1
        if allowed and not _door_open(route, response):
            hint = (" (if this method needs a stricter permission, give it its own view with @permission_required, "
                    "or list it in METHOD_PERMISSIONS)" if response.status_code == 403 and route.method != "GET" else "")
            problems.append(f"{route}: '{route.permission}' is granted to {role}; got {_describe(response)}{hint}")
        elif not allowed and response.status_code != 403:
            problems.append(f"{route}: '{route.permission}' is refused to {role}; expected 403, got {_describe(response)}")
        if _is_login_redirect(response):
            client = _logged_in_client_again(app, role)
    assert checked > 0
    assert not problems, _report(problems, f"role {role}")


def _logged_in_client_again(app, role: str):
    client = app.test_client()
    user = db.session.scalar(select(User).where(User.email == f"matriz-{role}@iecm.mx"))
    assert user is not None and user.active, f"the {role} account was changed by a request of the matrix"
    assert login(client, user).status_code in REDIRECTS
    return client


def test_explicit_expectations(app):
    anonymous = app.test_client()
    response = anonymous.get("/administracion/usuarios")
    assert _is_login_redirect(response)
    assert _is_login_redirect(anonymous.get("/"))

    viewer = _logged_in_client(app, "viewer")
    assert viewer.get("/administracion/usuarios").status_code == 403
    assert viewer.get("/administracion/bitacora").status_code == 403
    assert viewer.get("/").status_code == 200

    coordinator = _logged_in_client(app, "coordinator")
    assert coordinator.get("/administracion/usuarios").status_code == 403
    response = coordinator.post("/administracion/usuarios", data={
        "email": "intrusa@iecm.mx", "name": "Intrusa", "role": "admin", "password": "tres palabras largas juntas"})
    assert response.status_code == 403
    target = db.session.scalar(select(User).where(User.email == "matriz-viewer@iecm.mx"))
    assert coordinator.post(f"/administracion/usuarios/{target.id}/rol", data={"role": "admin"}).status_code == 403
    assert coordinator.post(f"/administracion/usuarios/{target.id}/activa").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "intrusa@iecm.mx")) is None
    target = db.session.get(User, target.id)
    assert target.role == "viewer" and target.active

    staff = _logged_in_client(app, "staff")
    assert staff.get("/administracion/usuarios").status_code == 403

    admin = _logged_in_client(app, "admin")
    page = admin.get("/administracion/usuarios")
    assert page.status_code == 200
    assert "matriz-viewer@iecm.mx" in page.get_data(as_text=True)
    response = admin.post("/administracion/usuarios", data={
        "email": "nueva@iecm.mx", "name": "Nueva", "role": "staff", "password": "tres palabras largas juntas"})
    assert response.status_code in REDIRECTS
    assert db.session.scalar(select(User).where(User.email == "nueva@iecm.mx")).role == "staff"
    assert admin.get("/administracion/bitacora").status_code == 200
