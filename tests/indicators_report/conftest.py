"""The report tests' fixtures: the indicator web sample, and the browser fixtures of tests/browser.py (live server,
Chromium, axe-core) for the coordinator's journey."""

import pytest

from tests.indicators_web.helpers import sample_data


@pytest.fixture
def sample(app, tmp_path):
    """Program 2025, satisfaction answers in AI3 and AI5, activities in AI2 and AI4, two requests."""
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"
    return sample_data(tmp_path)
