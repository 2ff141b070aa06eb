"""Browser-test fixtures for every folder of the suite (registered in tests/conftest.py as a plugin):
a live server on 127.0.0.1, Debian's chromium driven by Playwright, axe-core.

- `live_server`: the app (real migrations, real CSRF) served by werkzeug in a thread on a random
  port; its tables are emptied before every test. `live_server.create_user(role)` adds an account.
- `page` (desktop, 1280x800) and `phone_page` (390x844, touch): a fresh browser context each,
  with `base_url` set to the live server, so `page.goto("/acceso")` works. `new_page(**options)`
  builds others (e.g. `locale="en-US"`).
- `axe_check(page)` -> the serious/critical axe-core violations of the current page; assert none:
  `problems = axe_check(page); assert not problems, describe_violations(problems)`.
- `screenshot(page, name)` -> tests/e2e/screenshots/NAME.png (git-ignored).
- `csp_violations(page)` -> what the Content-Security-Policy blocked on that page so far.

Chromium (/usr/bin/chromium, `apt-get install chromium`) and axe-core (`scripts/setup axe`, npm) are
external: locally a test that needs a missing one is skipped with the reason; with CI=true it fails.
The pages keep their Content-Security-Policy: axe is injected through Playwright's evaluate (DevTools),
which CSP does not block, so a CSP problem of the app still shows.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from config import TestConfig
from crm.app import create_app
from crm.core.extensions import db
from tests.conftest import fresh_database_url, missing_dependency

HERE = Path(__file__).resolve().parent / "e2e"  # axe-core and screenshots live there
CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, as RECIPES.md says
AXE_JS = HERE / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SERIOUS = ("serious", "critical")
DEFAULT_TIMEOUT_MS = 10_000


# ---------------------------------------------------------------------------------------------
# live server


@dataclass
class CreatedUser:
    id: int
    email: str
    password: str
    role: str
    name: str


class LiveServer:
    def __init__(self, app, url: str, schema: dict):
        self.app = app
        self.url = url
        self._schema = schema

    def reset(self) -> None:
        """Empties every table (the schema stays as the migrations built it)."""
        with self.app.app_context():
            tables = list(db.metadata.sorted_tables)
            if self._schema["kind"] == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                with db.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                with db.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    for table in reversed(tables):
                        conn.execute(table.delete())
                    has_sequence = conn.exec_driver_sql(
                        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").first()
                    if has_sequence:
                        conn.exec_driver_sql("DELETE FROM sqlite_sequence")
                    conn.commit()
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            db.session.remove()

    def create_user(self, role: str = "staff", email: str | None = None, password: str | None = None,
                    name: str = "Persona Usuaria") -> CreatedUser:
        from tests.factories import PASSWORD, make_user

        password = password or PASSWORD
        with self.app.app_context():
            user = make_user(role=role, email=email, password=password, name=name)
            created = CreatedUser(user.id, user.email, password, user.role, user.name)
            db.session.remove()
        return created


@pytest.fixture(scope="package")
def _live_server(_schema, tmp_path_factory):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # one line per request drowns the test report
            pass

    url = fresh_database_url(_schema, tmp_path_factory.mktemp("e2e-db"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", _schema)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(_live_server):
    _live_server.reset()
    return _live_server


# ---------------------------------------------------------------------------------------------
# browser


@pytest.fixture(scope="session")  # one Playwright per session: a second sync instance cannot run beside it
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_dependency("the playwright Python package is missing (pip install -e '.[test]')")
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    if not CHROMIUM.exists():
        missing_dependency(f"{CHROMIUM} not found (apt-get install chromium)")
    browser = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


_CSP = re.compile(r"Content Security Policy", re.IGNORECASE)


@pytest.fixture
def _console_errors() -> dict[int, list[str]]:
    return {}


@pytest.fixture
def new_page(browser, live_server, _console_errors):
    """new_page(**context_options) -> a page in its own browser context (fresh cookies)."""
    contexts = []

    def _new(**options):
        options = {"locale": "es-MX", **DESKTOP, **options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        messages = _console_errors.setdefault(id(page), [])
        page.on("console", lambda message: messages.append(message.text) if message.type == "error" else None)
        return page

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page(**DESKTOP)


@pytest.fixture
def phone_page(new_page):
    return new_page(**PHONE)


@pytest.fixture
def csp_violations(_console_errors):
    def _violations(page) -> list[str]:
        return [text for text in _console_errors.get(id(page), []) if _CSP.search(text)]

    return _violations


def describe_violations(violations: list[dict]) -> str:
    """One readable paragraph per violation, for assertion messages."""
    return "\n".join(f"{v['impact']} {v['id']} on {v['url']}: {v['help']}\n    {v['first']}\n    at {v['nodes']}"
                     for v in violations)


def check_page(page, axe_check, screenshot, csp_violations, name: str) -> None:
    """A staff page as a browser test checks it: a screenshot, axe-core clean (no serious or critical problem),
    no sideways scroll, every table inside a scrolling box, no CSP violation."""
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    viewport = page.viewport_size["width"]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport, f"{page.url} scrolls sideways ({width}px in {viewport}px)"
    outside = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t => {
        const box = t.closest('.table-responsive');
        return !box || box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX !== 'auto';
    }).length""")
    assert outside == 0, f"{page.url}: a table outside a scrolling box"
    assert csp_violations(page) == []


@pytest.fixture
def axe_check():
    """axe_check(page) -> the serious and critical axe-core violations of the page as it is now."""
    if not AXE_JS.exists():
        missing_dependency(f"axe-core is not installed at {AXE_JS.relative_to(HERE.parent.parent)} (scripts/setup axe)")
    source = AXE_JS.read_text(encoding="utf-8")

    def _check(page, impacts=SERIOUS) -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source + "\n;undefined")
        # colours read in the middle of a CSS transition (a button just clicked, a focus ring) are neither the
        # before nor the after: let running transitions and animations end first
        page.evaluate("async () => { await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))); }")
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "url": page.url,
             "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"]][:10],
             "first": " ".join((v["nodes"][0].get("failureSummary") or "").split())[:400] if v["nodes"] else ""}
            for v in result["violations"] if v["impact"] in impacts
        ]

    return _check


@pytest.fixture
def screenshot():
    """screenshot(page, name) -> the saved full-page PNG's path under tests/e2e/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


def _expect():
    """Playwright's `expect`, imported only when the browser tests run."""
    from playwright.sync_api import expect

    return expect


def log_in(page, user) -> None:
    """Log in through the real form and land on the home page (every journey starts here)."""
    expect = _expect()
    page.goto("/acceso")
    page.get_by_label("Correo electrónico").fill(user.email)
    page.get_by_label("Contraseña", exact=True).fill(user.password)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Inicio", level=1)).to_be_visible()
