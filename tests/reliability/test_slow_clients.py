"""Slow clients never hold the site (issue 12, finding 1): gunicorn with the project's gunicorn.conf.py, eight
connections trickling a form body at one byte per second (more than there are workers), while ordinary
visitors open the respondent form and send it; each visit must answer within 5 s (a generous bound).

With the old settings (`-k sync -w 2`) the first two slow connections hold both workers and every visit
waits until they are killed (about 30 s). The check itself lives in tests/reliability/slow_clients.py, so
that the same check runs through nginx too.
"""

from __future__ import annotations

import pytest

from tests.reliability.harness import Browser, Gunicorn, app_env, hidden, scalar, scaled
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


# --- request bodies: deadlines, truncation, closing (one server for these checks) ------------------------

BODY_SECONDS = 4  # CRM_BODY_SECONDS of the server below
IDLE_SECONDS = 1.5  # CRM_BODY_IDLE_SECONDS


@pytest.fixture(scope="module")
def body_server(databases, tmp_path_factory):
    """One gevent worker with short body limits, and a seeded survey: (server, seed, database url)."""
    folder = tmp_path_factory.mktemp("bodies")
    url = databases.new("bodies")
    seed = seed_survey(url)
    env = app_env(url, folder / "instance", CRM_BODY_SECONDS=str(BODY_SECONDS),
                  CRM_BODY_IDLE_SECONDS=str(IDLE_SECONDS))
    server = Gunicorn(env, folder / "gunicorn.log", workers=1).start()
    try:
        yield server, seed, url
    finally:
        server.stop()
    log = server.text()
    assert "Traceback" not in log and "[CRITICAL]" not in log, server.tail(60)


def _post_head(path: str, length: int) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode()


def _trickle(sock, every: float, wait: float, after_answer: float = 0.0) -> tuple[bytes, float | None, float | None]:
    """Send one body byte every `every` seconds while reading what the server sends, for at most `wait`
    seconds, and for `after_answer` seconds more once an answer began. Returns (what the server sent,
    seconds until it began to answer, seconds until it closed the connection: None when it did neither)."""
    import time

    started = time.monotonic()
    answer, answered, closed = b"", None, None
    limit = started + wait
    while time.monotonic() < limit:
        sock.settimeout(max(0.01, min(every, limit - time.monotonic())))
        try:
            data = sock.recv(4096)
        except TimeoutError:
            try:
                sock.sendall(b"a")
            except OSError:  # the server is gone: recv() tells how
                pass
            continue
        except ConnectionResetError:  # closed with the client's later bytes unread: closed all the same
            data = b""
        if not data:
            closed = time.monotonic() - started
            break
        if answered is None:
            answered = time.monotonic() - started
            limit = min(limit, time.monotonic() + after_answer)
        answer += data
    return answer, answered, closed


def test_a_body_slower_than_its_deadline_gets_408_and_its_connection_closes(body_server):
    """Past the body deadline the answer is 408 and the server closes the connection at once, while the
    client keeps trickling: it neither keeps reading the rest of the body nor offers keep-alive (gunicorn
    drops an application's `Connection: close` header, so that header alone did nothing)."""
    import socket

    server, seed, _ = body_server
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(_post_head(f"/r/{seed.open_token}", 100) + b"q_")
        answer, answered, closed = _trickle(sock, every=0.5, wait=BODY_SECONDS + 8, after_answer=4)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert answered < BODY_SECONDS + 4, answered  # 4 s plus 100 bytes' worth, far below the worker timeout
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert b"connection: close" in head, answer
    assert closed is not None and closed - answered < 2, (answered, closed)  # closed promptly, not drained


def test_a_large_declared_length_earns_no_time(body_server):
    """Slow-loris by declared length: `Content-Length: 10000000` then one byte every half second (never
    idle long enough for CRM_BODY_IDLE_SECONDS). The allowance grows with bytes received, not declared, so
    the answer is 408 after about CRM_BODY_SECONDS (plus one read's worth, 4 s), not after 10 minutes."""
    import socket

    server, seed, _ = body_server
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(_post_head(f"/r/{seed.open_token}", 10_000_000) + b"q")
        answer, answered, closed = _trickle(sock, every=0.5, wait=BODY_SECONDS + 10, after_answer=3)
    assert answer.startswith(b"HTTP/1.1 408"), (answer, server.tail(20))
    assert answered < BODY_SECONDS + 4 + 3, answered
    assert closed is not None, "the connection stayed open after the 408"


def test_a_silent_body_gets_408_after_the_idle_timeout(body_server):
    """A body that stops arriving gets 408 after CRM_BODY_IDLE_SECONDS without a byte, well before its
    overall deadline (here CRM_BODY_SECONDS plus 10 MB's worth)."""
    import socket
    import time

    server, seed, _ = body_server
    with socket.create_connection(("127.0.0.1", server.port), timeout=BODY_SECONDS + 10) as sock:
        sock.sendall(_post_head(f"/r/{seed.open_token}", 10_000_000) + b"q")
        started = time.monotonic()
        try:
            answer = sock.recv(200)
        except TimeoutError:
            answer = b""
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert waited < BODY_SECONDS, waited  # the idle limit (1.5 s), not the overall allowance


def test_a_truncated_body_is_refused_and_nothing_is_stored(body_server):
    """The client closes its side before the declared Content-Length: 400 in Spanish, the application never
    runs (before, it received the truncated form as complete and stored a cut answer)."""
    import socket
    import urllib.parse

    server, seed, url = body_server
    browser = Browser(server.port)
    status, _, html = browser.get(f"/r/{seed.open_token}")
    assert status == 200, status
    body = urllib.parse.urlencode([("csrf_token", hidden(html, "csrf_token")), ("_lang", "es"),
                                   ("_clave", hidden(html, "_clave")),
                                   *answers_for("una respuesta que llega cortada por el camino", 2)]).encode()
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    head = _post_head(f"/r/{seed.open_token}", len(body)).replace(b"\r\n\r\n", f"\r\nCookie: {cookie}\r\n\r\n".encode())
    before = scalar(url, "SELECT count(*) FROM response WHERE survey_id = :s", s=seed.survey_id)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body[:-15])
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert "La solicitud llegó incompleta".encode() in answer, answer
    assert b"connection: close" in answer.split(b"\r\n\r\n", 1)[0].lower(), answer
    after = scalar(url, "SELECT count(*) FROM response WHERE survey_id = :s", s=seed.survey_id)
    assert after == before, "a truncated submission was stored"


def test_an_honest_slow_upload_at_16_kib_per_second_passes(body_server):
    """16 KiB/s sustained for longer than CRM_BODY_SECONDS is never cut off: each 16 KiB received earns a
    second. (A guard for the two fixes above, not a defect of its own.)"""
    import socket
    import time

    server, _, _ = body_server
    piece, pieces, every = 4096, 24, 0.25  # 96 KiB at 16 KiB/s: 6 s, longer than the 4 s base
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
        sock.sendall(_post_head("/salud", piece * pieces))
        started = time.monotonic()
        for number in range(pieces):
            time.sleep(max(0.0, started + number * every - time.monotonic()))
            sock.sendall(b"a" * piece)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 "), answer
    assert not answer.startswith((b"HTTP/1.1 408", b"HTTP/1.1 400")), answer


# --- BufferedBodies in this process (gevent without a server) -------------------------------------------


def _gunicorn_conf():
    import importlib.util

    from tests.reliability.harness import ROOT

    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_health_checks_and_static_files_skip_the_busy_application_slot():
    """CRM_APP_SLOTS=1 and one request inside the application: `/salud` (the load balancer's check) and
    `/static/...` still answer at once; any other request waits for the slot."""
    import gevent
    import gevent.event

    conf = _gunicorn_conf()
    release = gevent.event.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/lento":
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    middleware = conf.BufferedBodies(app, None, 1)

    def call(path: str) -> bytes:
        return b"".join(middleware({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *_: None))

    slow = gevent.spawn(call, "/lento")
    gevent.sleep(0.05)
    try:
        health = gevent.spawn(call, "/salud")
        static = gevent.spawn(call, "/static/css/app.css")
        queued = gevent.spawn(call, "/saludo")
        gevent.joinall([health, static], timeout=2)
        assert health.ready() and health.value == b"/salud", "/salud waited for the application slot"
        assert static.ready() and static.value == b"/static/css/app.css", "/static/ waited for the slot"
        assert not queued.ready(), "the slot was not held: the check proves nothing"
    finally:
        release.set()
    gevent.joinall([slow, queued], timeout=5)
    assert slow.value == b"/lento" and queued.value == b"/saludo"


def test_a_truncated_body_never_reaches_the_application_and_closes_the_connection():
    """In-process: a body that ends before its Content-Length gets 400, the application is not called, and
    gunicorn's Response is told to close the connection (force_close) instead of draining the body."""
    import io

    conf = _gunicorn_conf()
    called = []

    class Response:  # the part of gunicorn's Response that start_response is bound to
        closed = False
        status = None

        def force_close(self):
            self.closed = True

        def start_response(self, status, headers, exc_info=None):
            self.status = status

    def app(environ, start_response):
        called.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b""]

    response = Response()
    environ = {"PATH_INFO": "/r/x", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": "100",
               "wsgi.input": io.BytesIO(b"q_opinion=cortad")}
    body = b"".join(conf.BufferedBodies(app, 1000, 1)(environ, response.start_response))
    assert response.status == "400 Bad Request" and b"incompleta" in body, (response.status, body)
    assert response.closed, "the connection would stay open (and gunicorn would drain the body)"
    assert called == [], "the application received a truncated body"


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


_LOCK_FILE_FAILS = '''
import importlib.util, os, sqlite3, sys, tempfile, time
from gevent import monkey
monkey.patch_all()
import sqlalchemy as sa

database = os.path.join(tempfile.mkdtemp(), "t.db")
with sqlite3.connect(database) as setup:
    setup.execute("CREATE TABLE t (x INTEGER)")
spec = importlib.util.spec_from_file_location("gunicorn_conf", sys.argv[1])
conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conf)
conf.cooperative_sqlite_writes(2.0)
engine = sa.create_engine("sqlite:///" + database, connect_args={"timeout": 2.0})
os.mkdir(database + "-writer")  # the lock file cannot be opened (as a read-only folder would refuse it)
errors = []
try:
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
except Exception as error:
    errors.append(type(error).__name__)
os.rmdir(database + "-writer")
started = time.monotonic()
with engine.begin() as connection:
    connection.execute(sa.text("INSERT INTO t VALUES (2)"))
waited = time.monotonic() - started
with engine.connect() as connection:
    print(connection.execute(sa.text("SELECT count(*) FROM t")).scalar(), errors, "waited" if waited > 1 else "at once")
'''


def test_a_lock_file_that_cannot_be_opened_gives_the_sqlite_turn_back(tmp_path):
    """The first write fails because `<database>-writer` cannot be opened (OSError): the worker's writer turn
    must be given back, or every later write of that worker waits CRM_SQLITE_BUSY_SECONDS for a turn that
    never comes (and then writes without the lock)."""
    import subprocess
    import sys

    from tests.reliability.harness import ROOT

    script = tmp_path / "lock_file_fails.py"
    script.write_text(_LOCK_FILE_FAILS)
    done = subprocess.run([sys.executable, str(script), str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 ['IsADirectoryError'] at once", done.stdout
