"""Slow clients never hold the site (issue 12, finding 1): gunicorn with the project's gunicorn.conf.py, eight
connections trickling a form body at one byte per second (more than there are workers), while ordinary
visitors open the respondent form and send it; each visit must answer within 5 s (a generous bound).

With the old settings (`-k sync -w 2`) the first two slow connections hold both workers and every visit
waits until they are killed (about 30 s). The check itself lives in tests/reliability/slow_clients.py, so
that the same check runs through nginx too.
"""

from __future__ import annotations

from tests.reliability.harness import Gunicorn, app_env, scalar, scaled
from tests.reliability.seed import answers_for, seed_survey
from tests.reliability.slow_clients import check_slow_clients


def test_slow_clients_do_not_hold_the_respondent_pages(databases, tmp_path):
    url = databases.new("slow")
    seed = seed_survey(url)
    server = Gunicorn(app_env(url, tmp_path / "instance"), tmp_path / "gunicorn.log").start()
    try:
        report = check_slow_clients(server.base, f"/r/{seed.open_token}", answers_for("sin prisa", 1),
                                    slow_clients=scaled(8, minimum=4), rounds=scaled(8, minimum=4))
    finally:
        server.stop()
    posts = sum(1 for method, status, _ in report.timings if method == "POST" and status == 303)
    stored = scalar(url, "SELECT count(*) FROM response WHERE survey_id = :s", s=seed.survey_id)
    assert stored == posts, f"{posts} submissions acknowledged, {stored} stored"
    log = server.text()
    assert "Traceback" not in log and "[CRITICAL]" not in log, server.tail(60)
    assert f"/r/{seed.open_token}" not in log, "a token reached the access log"


def test_a_body_slower_than_its_deadline_is_answered_408(databases, tmp_path):
    """The body deadline (CRM_BODY_SECONDS plus one second per 16 KiB): a trickle past it gets 408 and its
    connection is closed, instead of occupying the server for ever."""
    import socket
    import time

    url = databases.new("deadline")
    seed = seed_survey(url)
    server = Gunicorn(app_env(url, tmp_path / "instance", CRM_BODY_SECONDS="2"), tmp_path / "gunicorn.log").start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
            sock.sendall(f"POST /r/{seed.open_token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n\r\nq_".encode())
            started = time.monotonic()
            answer = sock.recv(200)
            waited = time.monotonic() - started
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert waited < 12, waited  # 2 s plus 100 bytes' worth, far below the 30 s worker timeout


_TWO_WRITERS = '''
import importlib.util, os, sys, tempfile
from gevent import monkey
monkey.patch_all()
import gevent
import sqlalchemy as sa

if sys.argv[1] == "turns":
    spec = importlib.util.spec_from_file_location("gunicorn_conf", sys.argv[2])
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    conf.cooperative_sqlite_writes(2.0)
engine = sa.create_engine("sqlite:///" + os.path.join(tempfile.mkdtemp(), "t.db"), connect_args={"timeout": 2.0})
with engine.begin() as connection:
    connection.execute(sa.text("PRAGMA journal_mode=WAL"))
    connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
errors = []

def writer(number, hold):
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": number})
            gevent.sleep(hold)  # a network call inside the transaction: this greenlet yields
    except Exception as error:
        errors.append(type(error).__name__)

gevent.joinall([gevent.spawn(writer, 1, 0.3), gevent.spawn_later(0.05, writer, 2, 0)])
with engine.connect() as connection:
    print(connection.execute(sa.text("SELECT count(*) FROM t")).scalar(), errors)
'''


def test_sqlite_writers_of_one_gevent_worker_take_turns(tmp_path):
    """Two greenlets of one worker write to SQLite while the first yields inside its transaction: without
    gunicorn.conf.py's turns the second sleeps in SQLite's busy handler, freezing the worker, and fails with
    "database is locked"; with them it waits cooperatively and both rows are stored."""
    import subprocess
    import sys

    from tests.reliability.harness import ROOT

    script = tmp_path / "two_writers.py"
    script.write_text(_TWO_WRITERS)

    def run(mode: str) -> str:
        done = subprocess.run([sys.executable, str(script), mode, str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run("plain") == "1 ['OperationalError']"  # the hazard is real
    assert run("turns") == "2 []"
