from __future__ import annotations

import pytest


@pytest.fixture
def files(app, tmp_path):
    """The app's upload folder, a fresh one per test."""
    folder = tmp_path / "survey_files"
    app.config["CRM_UPLOAD_DIR"] = str(folder)
    return folder
