"""The browser tests of this folder (test_*_browser.py) use the fixtures of tests/browser.py (live server, Chromium,
axe-core) and carry the e2e mark; the other tests need none of them."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "staff_records" in str(item.path) and item.path.name.endswith("_browser.py"):
            item.add_marker(pytest.mark.e2e)
