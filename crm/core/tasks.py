"""The task queue (Huey): work that should not hold a request runs here (DESIGN.md §6).

One Huey instance, `huey`, for the whole process. Its storage comes from configuration:

- `CRM_TASKS_URL` empty: a SQLite file in the instance folder (`tasks.db`), created on first use;
- `sqlite:////path/file.db`: that SQLite file; `redis://...`: Redis (several machines; `pip install redis`);
- `memory://`: in the process's memory (only useful with `CRM_TASKS_IN_PROCESS`);
- `CRM_TASKS_IMMEDIATE` (tests): every task runs inside the call that enqueues it.

Who runs the tasks: in production a consumer process, `flask --app wsgi tasks worker` (or Huey's own
`huey_consumer wsgi.huey`, which builds the app from the environment); for `make run`,
`CRM_TASKS_IN_PROCESS=1` starts a consumer thread inside the web process at its first request. The tasks
are defined in the packages the app factory imports, so a consumer knows them once an app is built.

Tasks run in an application context: the enqueuing request's one in immediate mode, otherwise the
worker's app (created once per process by the factory given to `init_app`). They take ids, never ORM
objects or the logged-in user.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from huey import Huey
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from crm.core.errors import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent.parent
QUEUE_NAME = "vinculo"
SQLITE_FILE = "tasks.db"


class _SqliteStorage(SqliteStorage):
    """Huey's SQLite storage, but the file (and its folder and tables) is created on first use, not when
    the module is imported: importing the app for a command or a test touches nothing."""

    def __init__(self, name: str = QUEUE_NAME, **kwargs) -> None:
        kwargs["create_tables"] = False
        super().__init__(name, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for statement in self.ddl:  # "create ... if not exists": cheap, once per connection
            conn.execute(statement)
        return conn


def storage_settings(url: str, instance_path: str | Path) -> tuple[type, dict]:
    """(storage class, its keyword arguments) for a CRM_TASKS_URL; a ConfigurationError when unusable."""
    url = (url or "").strip()
    if not url:
        return _SqliteStorage, {"filename": str(Path(instance_path) / SQLITE_FILE)}
    if url.startswith("sqlite:///"):
        filename = url[len("sqlite:///"):]
        if not filename:
            raise ConfigurationError(f"CRM_TASKS_URL no indica el archivo SQLite: {url!r}")
        return _SqliteStorage, {"filename": filename}
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401
        except ImportError:
            raise ConfigurationError("CRM_TASKS_URL usa Redis, pero falta el paquete «redis» "
                                     "(instálelo con: .venv/bin/pip install redis)") from None
        return RedisStorage, {"url": url}
    if url == "memory://":
        return MemoryStorage, {}
    raise ConfigurationError(f"CRM_TASKS_URL no es una dirección de cola reconocida: {url!r} "
                             "(use sqlite:///ARCHIVO, redis://SERVIDOR o déjela vacía)")


def _from_environment() -> Huey:
    # The same variables create_app reads, so `huey_consumer wsgi.huey` finds the web app's queue.
    instance = os.environ.get("CRM_INSTANCE_PATH") or str(ROOT / "instance")
    storage_class, kwargs = storage_settings(os.environ.get("CRM_TASKS_URL", ""), instance)
    queue = Huey(QUEUE_NAME, results=False, storage_class=storage_class, **kwargs)
    queue._crm_settings = (storage_class, tuple(sorted(kwargs.items())), False)
    return queue


huey = _from_environment()

_lock = threading.RLock()  # worker_app() -> the factory -> configure() takes it again
_factory: Callable[[], Flask] | None = None
_worker_app: Flask | None = None
_consumer: Consumer | None = None
_consumer_pid: int | None = None


def configure(app: Flask) -> None:
    """Point the process's Huey at the storage the app's configuration names (a no-op when it already
    does: a consumer's storage is never swapped under it)."""
    storage_class, kwargs = storage_settings(app.config.get("CRM_TASKS_URL", ""), app.instance_path)
    immediate = bool(app.config.get("CRM_TASKS_IMMEDIATE"))
    settings = (storage_class, tuple(sorted(kwargs.items())), immediate)
    with _lock:
        if getattr(huey, "_crm_settings", None) == settings:
            return
        old = huey.storage
        huey.storage_class, huey.storage_kwargs, huey._immediate = storage_class, kwargs, immediate
        huey.storage = huey.create_storage()  # immediate mode: Huey's in-memory storage
        huey._crm_settings = settings
        if hasattr(old, "close"):
            old.close()


def init_app(app: Flask, factory: Callable[[], Flask]) -> None:
    """Called by the app factory with itself: queue configuration, the `tasks` commands, the in-process
    consumer; `factory()` builds the worker's app from the environment when a task first needs it."""
    global _factory
    _factory = factory
    configure(app)
    app.cli.add_command(tasks_cli)
    if app.config.get("CRM_TASKS_IN_PROCESS") and not app.config.get("CRM_TASKS_IMMEDIATE"):
        @app.before_request
        def _start_consumer():
            start_in_process(app)


@contextmanager
def app_context() -> Iterator[Flask]:
    """The application context a task runs in: the current one (immediate mode), else the worker's."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    app = worker_app()
    with app.app_context():
        yield app


def worker_app() -> Flask:
    global _worker_app
    with _lock:
        if _worker_app is None:
            if _factory is None:
                raise RuntimeError("no app factory: build the app (crm.app.create_app) before running tasks")
            _worker_app = _factory()
        return _worker_app


class _InProcessConsumer(Consumer):
    """Huey's consumer (scheduler and worker threads) inside a process that owns its signals (the web
    server): it installs no signal handlers; its daemon threads end with the process."""

    def _set_signal_handlers(self) -> None:
        pass


def start_in_process(app: Flask) -> None:
    """Start one consumer thread in this process, once (again in a child after a fork)."""
    global _worker_app, _consumer, _consumer_pid
    if _consumer is not None and _consumer_pid == os.getpid():
        return
    with _lock:
        if _consumer is not None and _consumer_pid == os.getpid():
            return
        if huey.immediate:
            return
        _worker_app = app
        consumer = _InProcessConsumer(huey, workers=1, worker_type="thread", periodic=True,
                                      check_worker_health=False)
        consumer.start()
        _consumer, _consumer_pid = consumer, os.getpid()
    app.logger.info("Tareas en segundo plano: consumidor iniciado dentro del proceso web (PID %s)", os.getpid())


tasks_cli = AppGroup("tasks", help="Background tasks (Huey): the consumer process.")


@tasks_cli.command("worker")
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Worker threads (tasks run at the same time).")
def worker_command(workers: int) -> None:
    """Run the task consumer in the foreground. SIGTERM (systemd's stop) lets the running tasks finish;
    Ctrl+C stops at once (an unfinished import is rolled back and its page says it was interrupted)."""
    global _worker_app
    if huey.immediate:
        click.echo("error: CRM_TASKS_IMMEDIATE está activo: las tareas se ejecutan dentro de cada "
                   "solicitud y no hace falta un consumidor")
        raise SystemExit(1)
    _worker_app = current_app._get_current_object()
    logger = logging.getLogger("huey")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s:%(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True, graceful_signal="TERM").run()
