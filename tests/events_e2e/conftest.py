"""The events pages in a real browser: the browser-test fixtures of tests/e2e (live server, Chromium, axe-core)."""

import pytest

from tests.e2e.conftest import (  # noqa: F401  (fixtures)
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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "events_e2e" in str(item.path):
            item.add_marker(pytest.mark.e2e)
