import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(app, tmp_path):
    """Each test's uploads and job states in its own folder (not the project's instance/uploads)."""
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "uploads"
