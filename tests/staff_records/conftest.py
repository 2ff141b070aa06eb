"""The browser tests of this folder (test_*_browser.py) use the fixtures of tests/e2e (live server, Chromium,
axe-core) and carry the e2e mark; the other tests need none of them."""

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
        if "staff_records" in str(item.path) and item.path.name.endswith("_browser.py"):
            item.add_marker(pytest.mark.e2e)
