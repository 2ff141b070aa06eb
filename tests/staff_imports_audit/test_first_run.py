"""`make run` (issue 18, item 15) ends with the log-in page's full address and the admin account, in Spanish."""

import re
import subprocess
from pathlib import Path

from crm.auth.first_run import login_message, login_url

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = re.compile(r"\b(the|on|stops|run|inside|password|already|exists|generated)\b", re.I)


def test_the_message_gives_the_full_log_in_address_and_the_account_in_spanish(app):
    url = login_url(app, "127.0.0.1", 5000)
    assert url == "http://127.0.0.1:5000/acceso"
    with app.test_client() as client:
        assert client.get("/acceso").status_code == 200
    assert login_url(app, "0.0.0.0", 8080) == "http://127.0.0.1:8080/acceso"
    message = login_message(url, "admin@iecm.mx")
    assert "http://127.0.0.1:5000/acceso" in message and "admin@iecm.mx" in message
    assert not ENGLISH.search(message.replace("Ctrl+C", "").replace("CRM_PASSWORD", ""))


def test_make_run_serves_through_the_quiet_server_and_speaks_spanish():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "scripts/setup serve" in recipe and "flask --app wsgi run" not in recipe
    setup = (ROOT / "scripts/setup").read_text(encoding="utf-8")
    said = [re.sub(r"\$\{?\w+\}?", "", line)  # without the shell's variables
            for line in re.findall(r'echo "([^"]*)"', setup[setup.index("create_admin()"):])]
    assert said and not any(ENGLISH.search(line.replace("CRM_PASSWORD", "")) for line in said), said
