"""The browser fixtures of tests/e2e (live server, Chromium, axe-core), for the coverage page."""

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
    pytest_collection_modifyitems,
    screenshot,
)
