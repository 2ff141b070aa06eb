"""gunicorn's production settings for Vínculo (gunicorn reads ./gunicorn.conf.py when started from here).

    gunicorn wsgi:app                       # these settings; -b HOST:PORT, -w N... on the command line win

docs/server.md explains the choices. In short: gevent workers, so that a slow client (a phone on a weak
network, or someone trickling a form on purpose) costs a greenlet and a few kilobytes instead of a whole
worker; each request body is read completely, under a deadline, before the application sees it (what
nginx's proxy_request_buffering does), so a slow upload never holds a database connection; SQLite writers
of one worker take turns cooperatively (a writer waiting in SQLite's busy handler would freeze the whole
worker while the greenlet holding the lock could never run again); PostgreSQL needs nothing (psycopg 3
cooperates with gevent by itself).

Environment (all optional):
  CRM_BIND                 address to listen on (default 127.0.0.1:8000)
  WEB_CONCURRENCY          worker processes (default 2, or 1 when RATELIMIT_STORAGE_URI is memory://)
  CRM_WORKER_CONNECTIONS   simultaneous connections per worker (default 500)
  CRM_APP_SLOTS            requests inside the application at once per worker (default 1)
  CRM_WORKER_CLASS         gevent (default); sync or gthread only for comparisons
  CRM_BODY_SECONDS         time allowed to receive a request body: this many seconds plus one per
                           16 KiB received (default 60); past it the answer is 408
  CRM_BODY_IDLE_SECONDS    longest wait for the next byte of a body (default 20); past it the answer is 408
  CRM_PROXIES              reverse proxies in front (as for the application): 0 trusts no forwarded header
  FORWARDED_ALLOW_IPS      the proxies' addresses when CRM_PROXIES > 0 (default 127.0.0.1,::1)
  GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (off unless set)
  CRM_LIMITS_PER_WORKER=1  accept per-process rate-limit counters with several workers (tests, benchmarks)
"""

from __future__ import annotations

import os
import sys


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _process_local_limits() -> bool:
    """The rate limits are on and counted in each process's memory (config.py's RATELIMIT_* settings)."""
    enabled = os.environ.get("RATELIMIT_ENABLED", "").strip().lower() not in {"0", "false", "no", "off"}
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or ""  # empty: the shared file (crm/core/ratelimit.py)
    return enabled and storage.startswith("memory:")


# --- the server --------------------------------------------------------------------------------------

bind = [os.environ.get("CRM_BIND") or "127.0.0.1:8000"]
worker_class = os.environ.get("CRM_WORKER_CLASS") or "gevent"
# Two cores: one process each. Several processes need a shared rate-limit store (see on_starting).
workers = _int("WEB_CONCURRENCY", 1 if _process_local_limits() else 2)
worker_connections = _int("CRM_WORKER_CONNECTIONS", 500)
threads = _int("CRM_THREADS", 8) if worker_class == "gthread" else 1  # with sync, threads > 1 means gthread
timeout = 30  # a worker silent this long is restarted (CRM_SQLITE_BUSY_SECONDS stays below it)
graceful_timeout = 30
keepalive = _int("CRM_KEEPALIVE_SECONDS", 5)  # seconds an idle kept-alive connection waits for its next request
max_requests = 20_000  # recycle workers now and then (memory), staggered
max_requests_jitter = 2_000

# Access log on stdout, without tokens: no query string, no referrer (a page's address may hold a
# respondent's token), and surveys/respond/logs.py masks /r/<token> in the path.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("CRM_LOG_LEVEL", "info").lower()
if (os.environ.get("CRM_LOG_FORMAT") or "").strip().lower() == "json":
    # JSON lines for gunicorn's own messages too, with the same masking; no access log of its own: the
    # application writes one line per request (logger vinculo.solicitud) with its request id and duration
    from crm.operations.logs import gunicorn_logconfig

    logconfig_dict = gunicorn_logconfig()
    accesslog = None

# Forwarded headers (X-Forwarded-Proto...) only from the proxies the application trusts: with
# CRM_PROXIES=0 nobody may claim https; the application's ProxyFix reads X-Forwarded-For.
forwarded_allow_ips = (os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1") \
    if _int("CRM_PROXIES", 0) > 0 else ""

# gunicorn's control socket defaults to one path per user: two instances would take it from each other.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")

BODY_SECONDS = _int("CRM_BODY_SECONDS", 60)
BODY_BYTES_PER_SECOND = 16 * 1024  # each 16 KiB received earns a second more: 16 KiB/s sustained always passes
BODY_IDLE_SECONDS = _float_env("CRM_BODY_IDLE_SECONDS", 20)  # no byte of the body for this long: 408
BODY_READ_BYTES = 64 * 1024  # one read of the body (may take BODY_READ_BYTES / BODY_BYTES_PER_SECOND = 4 s)
SPOOL_BYTES = 1024 * 1024  # larger bodies wait in a temporary file
# Requests inside the application at once, per worker (the others wait, their bodies received): the work is
# CPU-bound, so more would only lengthen every request and outgrow the database pool (5 + 10 overflow
# connections per process: overflow connections are opened and closed per request).
APP_SLOTS = _int("CRM_APP_SLOTS", 1)


# --- hooks -------------------------------------------------------------------------------------------


def on_starting(server) -> None:
    """Refuse several workers that would each count the rate limits on their own."""
    if server.cfg.workers > 1 and _process_local_limits() and os.environ.get("CRM_LIMITS_PER_WORKER") != "1":
        message = (
            f"Refusing to start {server.cfg.workers} workers with RATELIMIT_STORAGE_URI=memory://: each worker "
            "would count log-in attempts and token guesses on its own, so the limits would multiply by the "
            "number of workers. Set RATELIMIT_STORAGE_URI to a shared store (for example redis://127.0.0.1:6379/0), "
            "or run one worker (WEB_CONCURRENCY=1, -w 1). See docs/server.md.")
        server.log.error(message)
        print(message, file=sys.stderr, flush=True)
        sys.exit(1)


def post_worker_init(worker) -> None:
    """After the worker has loaded the application: buffer request bodies and make SQLite cooperative."""
    if worker.cfg.worker_class_str != "gevent":
        return
    max_length = getattr(worker.wsgi, "config", {}).get("MAX_CONTENT_LENGTH")
    worker.wsgi = BufferedBodies(worker.wsgi, max_length, APP_SLOTS)
    cooperative_sqlite_writes(_float_env("CRM_SQLITE_BUSY_SECONDS", 20))


class BodyTooSlow(Exception):
    """A request body stopped arriving (CRM_BODY_IDLE_SECONDS) or fell behind its allowance (CRM_BODY_SECONDS)."""


class BufferedBodies:
    """WSGI middleware (gevent workers): the whole body is received before the application runs.

    A client that sends its body slowly then waits in its own greenlet, holding no database connection and
    no lock. The body may take CRM_BODY_SECONDS plus one second per 16 KiB actually received (never per
    byte merely declared), and no single wait for the next byte may exceed CRM_BODY_IDLE_SECONDS: past
    either the answer is 408. A body that ends (the client closed its side) before its Content-Length gets
    400 and never reaches the application. Both answers close the connection without reading the rest of
    the body. Bodies over the application's MAX_CONTENT_LENGTH are passed on unread: the application
    answers 413 without reading them. `/salud` and `/static/...` skip the application slots (they are
    cheap, and a load balancer's health check must answer while the slots are busy).
    """

    def __init__(self, app, max_length: int | None, slots: int):
        from gevent.lock import BoundedSemaphore

        self.app = app
        self.max_length = max_length
        self.config = getattr(app, "config", None)
        self.slots = BoundedSemaphore(max(1, slots))

    def __call__(self, environ, start_response):
        declared = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        length = int(declared) if declared.isdigit() else 0
        if (not length and not chunked) or (self.max_length is not None and length > self.max_length):
            return self._run(environ, start_response)
        import tempfile

        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            received = self._receive(environ, body, length, chunked)
        except BodyTooSlow:
            body.close()
            return _refuse(start_response, "408 Request Timeout",
                           "La solicitud tardó demasiado en llegar. Inténtelo de nuevo.")
        if not chunked and received < length:  # the client closed its side early: a truncated form
            body.close()
            return _refuse(start_response, "400 Bad Request", "La solicitud llegó incompleta. Inténtelo de nuevo.")
        body.seek(0)
        environ["wsgi.input"] = body
        environ["CONTENT_LENGTH"] = str(received)
        return self._run(environ, start_response)

    def _receive(self, environ, body, length: int, chunked: bool) -> int:
        """Copy the body into `body`; the bytes received (raises BodyTooSlow)."""
        import time

        import gevent

        source = environ["wsgi.input"]
        limit = self.max_length + 1 if chunked and self.max_length is not None else None
        # The idle limit is the socket's own timeout: every recv() that waits longer for a byte fails.
        sock = environ.get("gunicorn.socket")
        sock = sock if hasattr(sock, "settimeout") and hasattr(sock, "gettimeout") else None
        prior = sock.gettimeout() if sock is not None else None
        started = time.monotonic()
        received = 0
        try:
            if sock is not None:
                sock.settimeout(BODY_IDLE_SECONDS)
            while chunked or received < length:
                size = BODY_READ_BYTES if chunked else min(BODY_READ_BYTES, length - received)
                # The allowance grows with what arrived; a read may take what its own bytes will earn.
                allowed = started + BODY_SECONDS + (received + size) / BODY_BYTES_PER_SECOND - time.monotonic()
                if allowed <= 0:
                    raise BodyTooSlow
                with gevent.Timeout(allowed, BodyTooSlow):
                    chunk = source.read(size)
                if not chunk:
                    break
                body.write(chunk)
                received += len(chunk)
                if limit is not None and received >= limit:
                    break
        except TimeoutError as error:  # socket.timeout: no byte for BODY_IDLE_SECONDS
            raise BodyTooSlow from error
        finally:
            if sock is not None:
                try:
                    sock.settimeout(prior)
                except OSError:
                    pass
        return received

    def _run(self, environ, start_response):
        path = environ.get("PATH_INFO") or ""
        if path == "/salud" or path.startswith("/static/"):
            return self.app(environ, start_response)
        with self.slots:
            return self.app(environ, start_response)


def _refuse(start_response, status: str, message: str) -> list[bytes]:
    """A plain-text error that closes the connection, leaving the rest of the body unread.

    gunicorn drops a `Connection: close` header set by an application (hop-by-hop), and after a response
    it would read and discard what is left of the body before the next request on the connection, with no
    bound in time. Its Response's force_close() (what the worker itself calls on a worker that is shutting
    down) makes it answer `Connection: close` and close the socket right after the response instead.
    start_response is that Response's bound method, in gunicorn's sync, gthread and gevent workers alike.
    """
    force_close = getattr(getattr(start_response, "__self__", None), "force_close", None)
    if callable(force_close):
        force_close()
    data = (message + "\n").encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data))),
                            ("X-Content-Type-Options", "nosniff"), ("Connection", "close")])
    return [data]


def cooperative_sqlite_writes(busy_seconds: float) -> None:
    """One SQLite writer at a time per gevent worker, waiting its turn cooperatively.

    SQLite's busy handler sleeps inside C: under gevent the whole worker stops there, so if the greenlet
    holding the write lock yielded (any network call inside a transaction), it could never resume to commit,
    and the waiter would give up only after CRM_SQLITE_BUSY_SECONDS with "database is locked"; and a writer
    waiting for another worker's transaction would stop its whole worker meanwhile. Here the first write
    statement of a transaction takes a per-worker semaphore, then a lock file shared by the workers
    (`<database>-writer`, flock, polled with gevent sleeps): both waits are cooperative, and the commit or
    rollback gives both back. Other processes (the task consumer, the CLI) still meet SQLite's own lock.
    Reads are never held back (WAL).
    """
    import fcntl
    import time

    import gevent
    from gevent.lock import BoundedSemaphore
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    turn = BoundedSemaphore(1)
    lock_files: dict[str, int] = {}  # database file -> this worker's descriptor of its "-writer" lock file
    writes = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

    def take_file_lock(database: str, deadline: float) -> int | None:
        """The workers' shared writer lock (flock), polled so that the wait is cooperative."""
        if database not in lock_files:
            lock_files[database] = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        descriptor = lock_files[database]
        pause = 0.0005
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return None
                gevent.sleep(pause)
                pause = min(pause * 2, 0.002)

    def before_cursor_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        if conn.dialect.name != "sqlite" or conn.info.get("sqlite_turn"):
            return
        verb = statement.lstrip()[:7].upper()
        if verb.startswith(writes) or (verb.startswith("BEGIN") and "IMMEDIATE" in statement.upper()):
            # Past the busy time, write anyway: SQLite's own wait decides, as without these locks.
            deadline = time.monotonic() + busy_seconds
            if not turn.acquire(timeout=busy_seconds):
                return
            try:
                database = conn.engine.url.database
                descriptor = take_file_lock(database, deadline) if database and database != ":memory:" else None
            except BaseException:
                # the lock file could not be opened or locked (read-only folder, too many files...), or the
                # greenlet was killed while polling: give the turn back, or this worker would never write again
                turn.release()
                raise
            conn.info["sqlite_turn"] = (descriptor,)

    def give_back(info: dict) -> None:
        held = info.pop("sqlite_turn", None)
        if held is not None:
            if held[0] is not None:
                fcntl.flock(held[0], fcntl.LOCK_UN)
            turn.release()

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    event.listen(Engine, "commit", lambda conn: give_back(conn.info))
    event.listen(Engine, "rollback", lambda conn: give_back(conn.info))
    # a connection returned to the pool or closed mid-transaction gives its turn back too
    event.listen(Pool, "checkin", lambda _dbapi, record: give_back(record.info) if record is not None else None)
    event.listen(Pool, "reset", lambda _dbapi, record, _state: give_back(record.info))
