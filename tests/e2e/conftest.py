"""The browser tests of tests/e2e: their fixtures are tests/browser.py's (a plugin of the whole suite); this
module marks them `e2e` and re-exports the helpers other test modules import from here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import (  # noqa: F401  (helpers imported from here by test modules)
    _CSP,
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    DESKTOP,
    PHONE,
    SCREENSHOTS,
    SERIOUS,
    CreatedUser,
    LiveServer,
    _expect,
    check_page,
    describe_violations,
    log_in,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
