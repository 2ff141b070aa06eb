"""The log-in limit holds whatever the number of workers (issue 12, finding 9).

With the rate limits in each process's memory (RATELIMIT_STORAGE_URI=memory://, then the default), two
workers answered 9 of 14 log-in attempts before the limit (5 a minute): each counted its own. Now the
default store is a SQLite file in the instance folder that every worker shares (crm/core/ratelimit.py), so
`gunicorn wsgi:app` runs two workers and the limit stays exact; and gunicorn.conf.py refuses to start
several workers on an explicit memory://, naming RATELIMIT_STORAGE_URI.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import time

from crm.core.ratelimit import SqliteStorage, storage_uri
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
    output = (tmp_path / "gunicorn.log").read_text()
    assert output.count("Booting worker") >= 2, output  # two processes, one count
    assert statuses == [401] * 5 + [429] * 9, statuses


def _take_places(uri: str, attempts: int, queue) -> None:
    storage = SqliteStorage(uri)
    queue.put(sum(storage.acquire_entry("acceso/127.0.0.1", 25, 60) for _ in range(attempts)))


def test_the_shared_store_gives_each_place_once_across_processes(tmp_path):
    uri = storage_uri(tmp_path / "limits.db")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_take_places, args=(uri, 40, queue)) for _ in range(3)]
    for process in processes:
        process.start()
    taken = [queue.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert sum(taken) == 25, taken  # 120 attempts, 25 places in the window, no place given twice
    storage = SqliteStorage(uri)
    start, count = storage.get_moving_window("acceso/127.0.0.1", 25, 60)
    assert count == 25 and start <= time.time()
    assert storage.incr("fijo", 60) == 1 and storage.incr("fijo", 60, 2) == 3 and storage.get("fijo") == 3
    storage.clear("fijo")
    assert storage.get("fijo") == 0 and storage.check()
    import sqlite3

    stored = sqlite3.connect(tmp_path / "limits.db").execute("SELECT key FROM hit UNION SELECT key FROM counter")
    assert all("127.0.0.1" not in key and "acceso" not in key for (key,) in stored)  # only salted hashes
