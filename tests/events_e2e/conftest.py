"""The events pages in a real browser: the browser-test fixtures of tests/browser.py (live server, Chromium, axe-core)."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "events_e2e" in str(item.path):
            item.add_marker(pytest.mark.e2e)
