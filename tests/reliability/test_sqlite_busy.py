"""SQLite's "database is locked" never reaches a user: writers wait (busy timeout) instead of failing.

gunicorn (2 workers) on a SQLite file in WAL mode, while observers submit answers and a staff member browses
records (viewing a person writes an audit entry) and adds notes:

1. another process holds the write lock for a few seconds (BEGIN IMMEDIATE ... COMMIT);
2. `flask contacts import` writes a large file in one transaction at the same time.

Every request must succeed (200/303), none may show an error page, and the server log must not mention a
locked database. This test is about SQLite, so it runs on a SQLite file in the PostgreSQL run too.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.factories import PASSWORD
from tests.reliability.harness import (
    FLASK,
    ROOT,
    Browser,
    Gunicorn,
    app_env,
    hidden,
    in_app,
    scalar,
    scaled,
    wait_for,
)
from tests.reliability.seed import answers_for, seed_survey
from tests.reliability.test_kill_nine import write_contacts

HOLD_SECONDS = 3


def _observer(port: int, token: str, number: int, stop: threading.Event, results: list) -> None:
    sent = 0
    while not stop.is_set() and sent < 200:
        browser = Browser(port, timeout=60)
        status, _, html = browser.get(f"/r/{token}")
        results.append(("GET /r/", status))
        if status != 200:
            return
        started = time.monotonic()
        status, _, _ = browser.post(f"/r/{token}", [
            ("csrf_token", hidden(html, "csrf_token")), ("_clave", hidden(html, "_clave")), ("_lang", "es"),
            *answers_for(f"busy-{number}-{sent}", number)])
        results.append(("POST /r/", status, round(time.monotonic() - started, 2)))
        sent += 1


def _staff(port: int, email: str, person_id: int, stop: threading.Event, results: list) -> None:
    browser = Browser(port, timeout=60)
    status, _, html = browser.get("/acceso")
    status, headers, _ = browser.post("/acceso", {"csrf_token": hidden(html, "csrf_token"), "email": email,
                                                  "password": PASSWORD})
    results.append(("login", status))
    if status != 302:
        return
    n = 0
    while not stop.is_set() and n < 200:
        status, _, html = browser.get(f"/contactos/{person_id}")  # audited: a write
        results.append(("GET person", status))
        status, headers, _ = browser.post(f"/contactos/{person_id}/notas",
                                          {"csrf_token": hidden(html, "csrf_token"), "body": f"Nota {n}"})
        results.append(("POST note", status))
        n += 1


def _failures(results: list) -> list:
    return [r for r in results if (r[0] in ("login",) and r[1] != 302) or (r[0] == "POST note" and r[1] != 302)
            or (r[0].startswith("GET") and r[1] != 200) or (r[0] == "POST /r/" and r[1] != 303)]


def test_locked_database_waits_instead_of_failing(databases, tmp_path):
    url = databases.new_sqlite("busy")
    path = url.split("sqlite:///", 1)[1]
    # observers post the open link until stopped, all from 127.0.0.1: the open link's per-address limit (300 an
    # hour) would answer 429 once they pass it; this test is about SQLite's lock, so the limits are off
    seed = seed_survey(url, open_link_limited=False)
    with in_app(url):
        from tests.factories import make_person, make_user

        email = make_user(role="staff", email="guardia@iecm.mx").email
        person_id = make_person().id
    env = app_env(url, tmp_path / "instance")
    source = tmp_path / "contactos.csv"
    write_contacts(source, scaled(10_000, minimum=2_000))

    results: list = []
    stop = threading.Event()
    clients = scaled(8, minimum=2)
    server = Gunicorn(env, tmp_path / "gunicorn.log").start()
    importer = None
    try:
        with ThreadPoolExecutor(max_workers=clients + 1) as pool:
            futures = [pool.submit(_observer, server.port, seed.open_token, n, stop, results) for n in range(clients)]
            futures.append(pool.submit(_staff, server.port, email, person_id, stop, results))
            wait_for(lambda: len(results) > 20, 60, "traffic")

            # 1. another process holds the write lock
            blocker = sqlite3.connect(path, timeout=30, isolation_level=None)
            try:
                blocker.execute("BEGIN IMMEDIATE")
                blocker.execute("INSERT INTO tag (name, name_key) VALUES ('bloqueo', 'bloqueo')")
                held_from = len(results)
                time.sleep(HOLD_SECONDS)
                blocker.execute("COMMIT")
            finally:
                blocker.close()
            wait_for(lambda: len(results) > held_from + 20, 60, "traffic after the lock")

            # 2. a large import in one transaction, at the same time as the traffic
            importer = subprocess.Popen([str(FLASK), "--app", "wsgi", "contacts", "import", str(source)], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
            output, _ = importer.communicate(timeout=300)
            time.sleep(0.5)
            stop.set()
            for future in futures:
                future.result(timeout=120)
    finally:
        stop.set()
        if importer is not None and importer.poll() is None:
            importer.kill()
            importer.wait(timeout=30)
        server.stop()
    log = server.text()

    assert importer.returncode == 0, output
    failures = _failures(results)
    assert not failures, f"{len(failures)} failed requests, e.g. {failures[:10]}\n{server.tail(60)}"
    assert "locked" not in log and "Traceback" not in log, server.tail(80)
    waited = [r for r in results if r[0] == "POST /r/" and r[2] >= HOLD_SECONDS / 2]
    assert waited, "no submission waited for the lock: the test did not overlap the lock with traffic"
    assert scalar(url, "SELECT count(*) FROM response") == sum(1 for r in results if r[0] == "POST /r/")
    assert scalar(url, "PRAGMA integrity_check") == "ok"
