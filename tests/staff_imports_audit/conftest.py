import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(request, tmp_path):
    """Each test's uploads and job states in its own folder (not the project's instance/uploads); the browser
    tests set their live server's folder themselves."""
    if "live_server" in request.fixturenames:
        return None
    app = request.getfixturevalue("app")
    app.instance_path = str(tmp_path / "instance")
    return tmp_path / "instance" / "uploads"


# The browser tests (test_browser.py) use the live server, browser and axe fixtures of tests/browser.py.
