"""Structured logs: a request id on every response (the proxy's when sane), JSON lines with
CRM_LOG_FORMAT=json, and nothing personal or secret in any line: respondent and confirmation tokens,
query strings, e-mail addresses and bearer tokens are masked. The JSON runs happen in a child process,
since log handlers belong to the whole process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from crm.operations.logs import mask

ROOT = Path(__file__).resolve().parents[2]


def test_request_id_is_generated_or_taken_from_a_sane_proxy_header(client):
    generated = client.get("/salud").headers["X-Request-ID"]
    assert len(generated) >= 16
    assert client.get("/salud").headers["X-Request-ID"] != generated
    assert client.get("/salud", headers={"X-Request-ID": "nginx-4f2a9c81"}).headers["X-Request-ID"] == "nginx-4f2a9c81"
    hostile = client.get("/salud", headers={"X-Request-ID": "x; Set-Cookie: a=b" + "z" * 300})
    assert hostile.headers["X-Request-ID"] != "x" and "Set-Cookie" not in hostile.headers["X-Request-ID"]


def test_mask_hides_tokens_queries_addresses_and_bearers():
    line = ('GET /r/AbCdEf123456789_-xyz?lang=en 200 from rosa.perez@example.org '
            'Authorization: Bearer vnc_9f8e7d6c5b4a and /unirse/confirmar/Zk29aLq')
    masked = mask(line)
    for secret in ("AbCdEf123456789_-xyz", "lang=en", "rosa.perez@example.org", "vnc_9f8e7d6c5b4a", "Zk29aLq"):
        assert secret not in masked
    assert "/r/[token]" in masked and "[correo]" in masked


@given(user=st.from_regex(r"[a-z][a-z0-9._]{0,20}", fullmatch=True),
       domain=st.from_regex(r"[a-z][a-z0-9-]{0,15}\.(org|mx|com|es)", fullmatch=True),
       token=st.from_regex(r"[A-Za-z0-9_-]{8,60}", fullmatch=True),
       noise=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_mask_never_lets_an_address_or_a_token_through(user, domain, token, noise):
    line = f"{noise} {user}@{domain} /r/{token} {noise}"
    masked = mask(line)
    assert f"{user}@{domain}" not in masked
    assert f"/r/{token}" not in masked


_CHILD = r"""
import logging, os
from config import TestConfig
from crm.app import create_app
from crm.core.extensions import db
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=os.environ["URL"], CRM_LOG_FORMAT="json")
with app.app_context():
    db.create_all()

@app.get("/prueba-registro")
def _logs_something():
    app.logger.warning("aviso para %s con enlace /r/%s", "ana.lopez@example.org", "SecretoDeRespuesta123")
    try:
        raise ValueError("correo repetido: pedro.ruiz@example.org")
    except ValueError:
        app.logger.exception("no se guardó la persona")
    from sqlalchemy import text
    try:
        db.session.execute(text("SELECT * FROM tabla_inexistente WHERE correo = :c"), {"c": "lucia.mora@example.org"})
    except Exception:
        db.session.rollback()
        app.logger.exception("consulta fallida")
    return "ok"

client = app.test_client()
client.get("/prueba-registro?token=SecretoDeConsulta456", headers={"X-Request-ID": "balanceador-0001"})
client.get("/r/SecretoDeRespuesta123?lang=en")
"""


def test_json_lines_with_request_id_and_nothing_personal(tmp_path):
    env = {**os.environ, "URL": f"sqlite:///{tmp_path / 'logs.db'}", "CRM_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines, result.stderr
    warning = next(line for line in lines if line["level"] == "WARNING")
    assert warning["request_id"] == "balanceador-0001"
    assert {"time", "level", "logger", "message"} <= set(warning)
    requests = [line for line in lines if line["logger"] == "vinculo.solicitud"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/prueba-registro", 200), ("GET", "/r/[token]", requests[1]["status"])]
    assert all(isinstance(r["duration_ms"], float) and r["request_id"] for r in requests)
    assert any("ValueError" in (line.get("exc_info") or "") for line in lines)  # the traceback is kept...
    for secret in ("ana.lopez@example.org", "SecretoDeRespuesta123", "SecretoDeConsulta456",
                   "pedro.ruiz@example.org", "lucia.mora@example.org"):  # ...without the values in it
        assert secret not in result.stderr


def test_gunicorn_writes_json_lines_and_the_app_logs_each_request_once(tmp_path):
    from tests.reliability.harness import Browser, free_port, wait_for
    from tests.reliability.harness import stop_process as stop

    env = {**os.environ, "CRM_LOG_FORMAT": "json", "CRM_INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}", "CRM_LIMITS_PER_WORKER": "1"}
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        def answered():
            try:
                return Browser(port, timeout=5).get("/salud")[0] in (200, 503)
            except OSError:
                return False

        wait_for(answered, 60, "gunicorn")
        wait_for(lambda: '"vinculo.solicitud"' in (tmp_path / "gunicorn.log").read_text(), 10, "the request line")
    finally:
        stop(process)
        log.close()
    lines = [line for line in (tmp_path / "gunicorn.log").read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own included
    assert any(r["logger"] == "gunicorn.error" for r in records)
    assert not any(r["logger"] == "gunicorn.access" for r in records)  # one line per request, the app's
