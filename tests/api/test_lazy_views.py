"""The API's views, SpecTree and pydantic load on the first API request, not when the app is built: an import
job, the task consumer or a web worker serving pages does not carry them (crm/api/views/blueprint.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import sys
import config
from crm.app import create_app
app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
heavy = ("spectree", "pydantic", "crm.api.schemas")
print("built:", [name for name in heavy if name in sys.modules])
with app.test_client() as client:
    status = client.get("/api/v1/people").status_code
print("after a request:", status, [name for name in heavy if name in sys.modules])
"""


def test_the_views_load_on_the_first_api_request_only():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == "built: []"
    assert lines[-1] == "after a request: 401 ['spectree', 'pydantic', 'crm.api.schemas']"
