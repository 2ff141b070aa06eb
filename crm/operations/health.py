"""Whether this instance can serve: the database answers, its schema is at the code's migration, and the
task consumer has been seen lately (`GET /salud`, the load balancer's and the operator's check).

One query per check at most (`SELECT version_num FROM alembic_version` answers both database questions),
and the result is kept for `CRM_HEALTH_CACHE_SECONDS` per process, so a balancer calling every second
costs the database almost nothing. The code's migration head is read from the migrations folder once per
process. Nothing here names a person.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from crm.core.extensions import db
from crm.operations import heartbeat, migrations

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Health:
    database: str  # "ok" | "error"
    migrations: str  # "current" | "behind" (older or none) | "ahead" (unknown to this code) | "unknown"
    tasks: str  # "ok" | "stale"
    version: str

    @property
    def healthy(self) -> bool:
        # A stopped task consumer does not make this instance unfit to serve pages: it is reported, and
        # the status stays "ok" (the contract's 200), so a balancer keeps sending traffic.
        return self.database == "ok" and self.migrations == "current"

    def as_dict(self) -> dict:
        return {"status": "ok" if self.healthy else "error", "database": self.database,
                "migrations": self.migrations, "tasks": self.tasks, "version": self.version}


_cache_lock = threading.Lock()
_cached: dict[str, tuple[float, Health]] = {}


def check(app: Flask) -> Health:
    """The instance's health, computed at most once per `CRM_HEALTH_CACHE_SECONDS` per app."""
    ttl = float(app.config.get("CRM_HEALTH_CACHE_SECONDS", 2))
    key = f"{id(app)}"
    now = time.monotonic()
    with _cache_lock:
        hit = _cached.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    result = _compute(app)
    with _cache_lock:
        _cached[key] = (time.monotonic(), result)
    return result


def _compute(app: Flask) -> Health:
    database, migrations = _database_state(app)
    tasks = heartbeat.state(float(app.config.get("CRM_HEARTBEAT_STALE_SECONDS", 180)),
                            immediate=bool(app.config.get("CRM_TASKS_IMMEDIATE")))
    return Health(database=database, migrations=migrations, tasks=tasks, version=version())


def _database_state(app: Flask) -> tuple[str, str]:
    heads = code_heads(migrations.directory(app))
    try:
        with db.engine.connect() as connection:
            stored = set(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    except sa.exc.ProgrammingError:  # PostgreSQL: the database answers, but has no alembic_version table
        return "ok", "behind"
    except sa.exc.OperationalError as exc:  # SQLite: "no such table" (answers), or unreadable (does not)
        return ("ok", "behind") if "no such table" in str(exc) else ("error", "unknown")
    except Exception:  # noqa: BLE001 — any other driver error: the database does not answer
        return "error", "unknown"
    if stored == heads:
        return "ok", "current"
    known = known_revisions(migrations.directory(app))
    if stored - known:
        return "ok", "ahead"
    return "ok", "behind"


@cache
def _script(directory: str):
    from alembic.script import ScriptDirectory  # on first use (crm.operations.migrations says why)

    return ScriptDirectory(directory)


@cache
def code_heads(directory: str) -> frozenset[str]:
    """The migration heads this code expects (read from the migrations folder once per process)."""
    return frozenset(_script(directory).get_heads())


@cache
def known_revisions(directory: str) -> frozenset[str]:
    return frozenset(revision.revision for revision in _script(directory).walk_revisions())


@cache
def version() -> str:
    """The package version, with the commit when the code runs from a git checkout (read once, from the
    files: no git program needed on a server)."""
    try:
        number = metadata.version("vinculo")
    except metadata.PackageNotFoundError:
        number = "0"
    commit = _commit(ROOT / ".git")
    return f"{number}+{commit[:10]}" if commit else number


def _commit(git: Path) -> str:
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).is_file():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        pass
    return ""


def forget() -> None:
    """Drop the cached results (tests, and after a migration in the same process)."""
    with _cache_lock:
        _cached.clear()
