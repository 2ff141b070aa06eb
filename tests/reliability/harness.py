"""What the reliability tests share: databases built by the real migrations, gunicorn on 127.0.0.1, an HTTP
client with its own cookies, and the skip-locally / fail-in-CI rule for missing binaries.

Every server and process started here is started in its own session (process group) and stopped by the
caller in a `finally` (or by the fixtures), never by name.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
FLASK = VENV_BIN / "flask"
GUNICORN = VENV_BIN / "gunicorn"
PG_SCRIPT = ROOT / "scripts" / "pg-test-server"

from tests.conftest import missing_dependency  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def scale() -> float:
    """VINCULO_RELIABILITY_SCALE: 1 (default) = the small bounds CI runs; 10 = ten times the clients, rows..."""
    raw = os.environ.get("VINCULO_RELIABILITY_SCALE", "1")
    try:
        value = float(raw)
    except ValueError:
        raise pytest.UsageError(f"VINCULO_RELIABILITY_SCALE must be a number, not {raw!r}") from None
    return max(value, 0.1)


def scaled(base: int, minimum: int = 1) -> int:
    return max(minimum, int(round(base * scale())))


def require(condition: bool, reason: str) -> None:
    """A missing dependency: skip with the reason locally, fail under CI (CI=true)."""
    if not condition:
        missing_dependency(reason)


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL binaries (the newest version installed), as scripts/pg-test-server finds them."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                   key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- processes ---------------------------------------------------------------------------------------


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signals the process group started for `process` (start_new_session=True): that server and its
    workers, nothing else. The group outlives its leader while a worker lingers."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    if process.poll() is None:
        kill_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    kill_group(process, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def app_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like process (config.Config: CSRF and rate limits on)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEST_DATABASE_URL", "DATABASE_URL", "RATELIMIT_ENABLED", "WTF_CSRF_ENABLED",
                        "SESSION_COOKIE_SECURE", "MAIL_SERVER", "CRM_LOGIN_LIMIT")}
    instance.mkdir(parents=True, exist_ok=True)
    env.update(DATABASE_URL=database_url, CRM_INSTANCE_PATH=str(instance), SECRET_KEY=secrets.token_hex(32),
               PYTHONUNBUFFERED="1", FLASK_APP="wsgi")
    env.update(extra)
    return env


def flask_command(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


# --- databases ---------------------------------------------------------------------------------------


def migrate(database_url: str, instance: Path) -> None:
    """The schema by the real migrations: `flask --app wsgi db upgrade`."""
    done = flask_command(["db", "upgrade"], app_env(database_url, instance))
    assert done.returncode == 0, f"db upgrade failed:\n{done.stdout}\n{done.stderr}"


def _admin_url(url: str) -> str:
    """The same server, database `postgres`, in psycopg's own URL form."""
    parts = urllib.parse.urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def pg_execute(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)


def pg_drop(url: str, name: str) -> None:
    pg_execute(url,
               f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
               "AND pid <> pg_backend_pid()",
               f'DROP DATABASE IF EXISTS "{name}"')


class DatabaseFactory:
    """Fresh databases with the migrated schema: copies of one migrated SQLite file, or PostgreSQL databases
    created from one migrated template database on TEST_DATABASE_URL's server (never that database itself:
    the per-test fixtures empty it)."""

    def __init__(self, folder: Path, pg_url: str = ""):
        self.folder = folder
        self.pg_url = pg_url
        self.kind = "postgresql" if pg_url else "sqlite"
        self._created: list[str] = []
        self._template: str | None = None

    def _build_template(self) -> None:
        if self._template is not None:
            return
        if self.kind == "sqlite":
            template = self.folder / "template.db"
            migrate(f"sqlite:///{template}", self.folder / "instance")
            self._template = str(template)
            return
        name = f"vinculo_rel_tmpl_{secrets.token_hex(4)}"
        pg_execute(self.pg_url, f'CREATE DATABASE "{name}"')
        self._created.append(name)
        migrate(_with_database(self.pg_url, name), self.folder / "instance")
        self._template = name

    def new_sqlite(self, tag: str = "db") -> str:
        """A fresh migrated SQLite database, whatever TEST_DATABASE_URL says (SQLite-specific tests)."""
        template = self.folder / "template-sqlite.db"
        if self.kind == "sqlite":
            self._build_template()
            template = Path(self._template)
        elif not template.exists():
            migrate(f"sqlite:///{template}", self.folder / "instance")
        target = self.folder / f"{tag}-{secrets.token_hex(4)}.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"

    def new(self, tag: str = "db") -> str:
        self._build_template()
        if self.kind == "sqlite":
            target = self.folder / f"{tag}-{secrets.token_hex(4)}.db"
            shutil.copyfile(self._template, target)
            return f"sqlite:///{target}"
        name = f"vinculo_rel_{tag}_{secrets.token_hex(4)}".lower()
        pg_execute(self.pg_url, f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        self._created.append(name)
        return _with_database(self.pg_url, name)

    def close(self) -> None:
        for name in reversed(self._created):
            try:
                pg_drop(self.pg_url, name)
            except Exception as exc:  # a leftover database is not worth hiding the test's own result
                print(f"could not drop {name}: {exc}", file=sys.stderr)
        self._created.clear()


def databases_for_session(tmp_path_factory, name: str, factory: type = None):
    """The body of a session `databases` fixture: `yield from databases_for_session(tmp_path_factory, NAME)`
    gives a DatabaseFactory (or `factory`) in its own folder, closed (its PostgreSQL databases dropped) after."""
    databases = (factory or DatabaseFactory)(tmp_path_factory.mktemp(name), PG_URL)
    try:
        yield databases
    finally:
        databases.close()


@contextmanager
def in_app(database_url: str):
    """An app context on `database_url` (test configuration), for seeding and counting."""
    from config import TestConfig
    from crm.app import create_app
    from crm.core.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def scalar(database_url: str, sql: str, **params):
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(database_url: str, sql: str, **params) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        engine.dispose()


# --- a throwaway PostgreSQL server -------------------------------------------------------------------


@dataclass
class PgServer:
    folder: Path
    port: int
    url: str = ""

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        env = dict(os.environ, PG_TEST_DIR=str(self.folder))
        return subprocess.run(["bash", str(PG_SCRIPT), *args], env=env, capture_output=True, text=True,
                              timeout=timeout)

    def start(self) -> str:
        done = self._run("start", str(self.port))
        assert done.returncode == 0, f"pg-test-server start failed:\n{done.stdout}\n{done.stderr}"
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def stop(self) -> None:
        self._run("stop")


# --- gunicorn ----------------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    """`gunicorn -c gunicorn.conf.py -w 2 -b 127.0.0.1:PORT wsgi:app`: the project's server settings (gevent
    workers...), production configuration. Rate limits are counted per worker (CRM_LIMITS_PER_WORKER=1) unless
    the environment names a shared store; `extra_args` (e.g. `-k sync`) override the file."""

    env: dict
    log: Path
    workers: int = 2
    port: int = 0
    process: subprocess.Popen | None = None
    extra_args: list[str] = field(default_factory=list)

    def start(self, timeout: float = 60) -> Gunicorn:
        self.port = self.port or free_port()
        handle = self.log.open("a")
        try:
            self.process = subprocess.Popen(
                [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(self.workers),
                 "-b", f"127.0.0.1:{self.port}", "--log-level", "info", "--access-logfile", "-", *self.extra_args,
                 "wsgi:app"],
                cwd=ROOT, env={"CRM_LIMITS_PER_WORKER": "1", **self.env}, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True)
        finally:
            handle.close()
        try:
            wait_for(self._ready, timeout, f"gunicorn on port {self.port}\n{self.tail()}", interval=0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
        try:
            status, _, _ = Browser(self.port, timeout=5).get("/aviso-de-privacidad")
        except OSError:
            return False
        return status == 200

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        """SIGKILL to the master and every worker at once: nothing gets to clean up."""
        if self.process is not None:
            kill_group(self.process, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


# --- an HTTP client: one "browser" with its own cookies, no redirects followed -------------------------


class Browser:
    def __init__(self, port: int, timeout: float = 30):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def connect(self) -> http.client.HTTPConnection:
        """The connection of one request (a subclass may speak HTTPS or bind a source address)."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        connection = self.connect()
        try:
            sent = dict(self.headers)
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            sent.update(headers or {})
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            return response.status, dict(response.headers.items()), data.decode("utf-8", "replace")
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


def hidden(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    return match.group(1) if match else None
