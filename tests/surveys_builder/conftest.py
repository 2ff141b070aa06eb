"""The browser tests of the builder (test_browser.py) use the live server, browser and axe fixtures of tests/e2e."""

from tests.e2e.conftest import (  # noqa: F401  (pytest fixtures)
    _console_errors,
    _live_server,
    _playwright,
    axe_check,
    browser,
    csp_violations,
    live_server,
    new_page,
    page,
    phone_page,
    screenshot,
)
