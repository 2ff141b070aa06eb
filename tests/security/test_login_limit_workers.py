"""The log-in limit holds whatever the number of workers (issue 12, finding 9).

With the rate limits in each process's memory (RATELIMIT_STORAGE_URI=memory://, the default), two workers
answered 9 of 14 log-in attempts before the limit (5 a minute): each counted its own. gunicorn.conf.py now
refuses to start several workers on memory://, naming RATELIMIT_STORAGE_URI, and `gunicorn wsgi:app` alone
runs one worker there, where the limit is exact.
"""

from __future__ import annotations

import subprocess

from tests.reliability.harness import (
    GUNICORN,
    ROOT,
    Browser,
    DatabaseFactory,
    app_env,
    free_port,
    hidden,
    wait_for,
)
from tests.reliability.harness import stop_process as stop


def _attempts(port: int, count: int) -> list[int]:
    statuses = []
    for number in range(count):
        browser = Browser(port)  # a fresh browser each time: only the address is common
        status, _, html = browser.get("/acceso")
        assert status == 200, status
        data = {"csrf_token": hidden(html, "csrf_token") or "", "email": f"nadie{number}@example.org",
                "password": "una contraseña equivocada"}
        statuses.append(browser.post("/acceso", data)[0])
    return statuses


def test_several_workers_on_memory_storage_are_refused(tmp_path):
    databases = DatabaseFactory(tmp_path / "db")
    env = app_env(databases.new_sqlite("limits"), tmp_path / "instance", RATELIMIT_STORAGE_URI="memory://")
    env.pop("CRM_LIMITS_PER_WORKER", None)
    env.pop("WEB_CONCURRENCY", None)
    process = subprocess.Popen([str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{free_port()}", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        stop(process)
    assert process.returncode not in (0, None), output
    assert "RATELIMIT_STORAGE_URI" in output and "Refusing to start 2 workers" in output, output


def test_the_default_start_keeps_the_login_limit_exact(tmp_path):
    databases = DatabaseFactory(tmp_path / "db")
    env = app_env(databases.new_sqlite("limits"), tmp_path / "instance")
    for name in ("CRM_LIMITS_PER_WORKER", "WEB_CONCURRENCY", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen([str(GUNICORN), "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def ready():
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                return Browser(port, timeout=5).get("/aviso-de-privacidad")[0] == 200
            except OSError:
                return False

        wait_for(ready, 60, "gunicorn")
        statuses = _attempts(port, 14)
    finally:
        stop(process)
        log.close()
    assert statuses == [401] * 5 + [429] * 9, statuses
