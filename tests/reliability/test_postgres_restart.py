"""PostgreSQL restarts under a running app: the app recovers by itself (pool pre-ping), nobody restarts it.

The test starts its own throwaway server with scripts/pg-test-server (PG_TEST_DIR in a temporary folder, a
free port): restarting the server behind TEST_DATABASE_URL would pull the database from under the rest of
the suite. It needs Debian's postgresql binaries: without them it skips locally and fails under CI=true.

gunicorn (2 workers) serves observers; the database stops (fast shutdown: every pooled connection dies) and
starts again on the same port. While it is down, requests get the error page quickly (no hang); from the
first request after it is back every request succeeds, in the same worker processes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.reliability.harness import (
    Browser,
    Gunicorn,
    PgServer,
    app_env,
    free_port,
    hidden,
    migrate,
    postgres_bin,
    require,
    rows,
    scaled,
)
from tests.reliability.seed import answers_for, seed_survey


@pytest.fixture
def pg_server():
    require(postgres_bin() is not None, "PostgreSQL binaries are missing (apt-get install postgresql)")
    # pytest's temporary folders are private to root: the postgres user could not reach a data folder there
    parent = Path(tempfile.mkdtemp(prefix="vinculo-reliability-pg-"))
    parent.chmod(0o755)
    server = PgServer(parent / "pg", free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)


def _answer(port: int, token: str, number: int) -> tuple[int, int, str]:
    browser = Browser(port, timeout=30)
    status, _, html = browser.get(f"/r/{token}")
    if status != 200:
        return status, 0, ""
    key = hidden(html, "_clave")
    status, _, _ = browser.post(f"/r/{token}", [("csrf_token", hidden(html, "csrf_token")), ("_clave", key),
                                                ("_lang", "es"), *answers_for(f"pg-{number}", number)])
    return 200, status, key


def test_app_survives_a_postgres_restart(pg_server, tmp_path):
    url = pg_server.url
    migrate(url, tmp_path / "instance")
    seed = seed_survey(url)
    server = Gunicorn(app_env(url, tmp_path / "instance"), tmp_path / "gunicorn.log").start()
    acknowledged: list[str] = []
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:  # both workers hold pooled connections
            for get, post, key in pool.map(lambda n: _answer(server.port, seed.open_token, n), range(scaled(16))):
                assert (get, post) == (200, 303)
                acknowledged.append(key)
        boots = server.text().count("Booting worker")

        pg_server.stop()
        started = time.monotonic()
        status, _, body = Browser(server.port, timeout=30).get(f"/r/{seed.open_token}")
        assert status == 500 and "Ocurrió un error" in body, status  # the kind error page, quickly
        assert time.monotonic() - started < 15
        pg_server.start()
        back_from = len(server.text())

        # from the first request on, every request succeeds: stale pooled connections are replaced
        for n in range(scaled(10)):
            get, post, key = _answer(server.port, seed.open_token, 100 + n)
            assert (get, post) == (200, 303), f"request {n} after the restart: {(get, post)}\n{server.tail()}"
            acknowledged.append(key)
        with ThreadPoolExecutor(max_workers=8) as pool:
            for get, post, key in pool.map(lambda n: _answer(server.port, seed.open_token, n), range(200, 216)):
                assert (get, post) == (200, 303)
                acknowledged.append(key)
        assert server.process.poll() is None
        assert server.text().count("Booting worker") == boots, "a worker was restarted"
    finally:
        server.stop()
    stored = {key for (key,) in rows(url, "SELECT submission_key FROM response")}
    assert set(acknowledged) <= stored and len(stored) == len(acknowledged)
    after = server.text()[back_from:]
    assert not re.search(r"Traceback|WORKER TIMEOUT|Error en una página", after), after[-3000:]
