"""What the backup, restore-drill and migration tests share: databases of the suite's kind (SQLite files, or
PostgreSQL databases on TEST_DATABASE_URL's server), empty or migrated, the `flask` command on one of them, and
comparisons of whole databases (every table's rows, foreign keys)."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import sqlalchemy as sa

from tests.reliability.harness import (
    PG_URL,
    DatabaseFactory,
    _with_database,
    app_env,
    databases_for_session,
    flask_command,
    pg_execute,
    scalar,  # noqa: F401  (the operations tests take it from here with the rest)
)

KIND = "postgresql" if PG_URL else "sqlite"


class Databases(DatabaseFactory):
    """DatabaseFactory (migrated databases) plus empty ones, for restores and migrations from scratch."""

    def empty(self, tag: str = "empty") -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / f'{tag}-{secrets.token_hex(4)}.db'}"
        name = f"vinculo_ops_{tag}_{secrets.token_hex(4)}".lower()
        pg_execute(self.pg_url, f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return _with_database(self.pg_url, name)


def database_factory(tmp_path_factory):
    """The body of each module's `databases` fixture: `yield from database_factory(tmp_path_factory)`."""
    yield from databases_for_session(tmp_path_factory, "operations", Databases)


def flask(url: str, folder: Path, *args: str, timeout: float = 300, **env: str):
    """`flask --app wsgi ARGS` on the database `url` (production configuration); the CompletedProcess."""
    return flask_command(list(args), app_env(url, folder / "instance", **env), timeout=timeout)


def output(done) -> str:
    return (done.stdout + done.stderr).strip()


def engine(url: str) -> sa.Engine:
    return sa.create_engine(url)


def table_names(url: str) -> list[str]:
    eng = engine(url)
    try:
        names = sa.inspect(eng).get_table_names()
    finally:
        eng.dispose()
    return sorted(name for name in names if not name.endswith(("_fts", "_data", "_idx", "_content", "_docsize",
                                                                "_config")))


def fingerprint(url: str, skip: tuple[str, ...] = ("audit_entry",)) -> dict[str, tuple[int, str]]:
    """Every table (search-index tables aside): its row count and a digest of its rows in key order."""
    names = [name for name in table_names(url) if name not in skip]
    eng = engine(url)
    result = {}
    try:
        metadata = sa.MetaData()
        metadata.reflect(eng, only=names)
        with eng.connect() as connection:
            for name, table in sorted(metadata.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                rows = connection.execute(sa.select(table).order_by(*order)).all()
                digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
                result[name] = (len(rows), digest)
    finally:
        eng.dispose()
    return result


def broken_foreign_keys(url: str) -> list[str]:
    """Rows whose foreign key names a row that does not exist (generic: the reflected constraints)."""
    names = table_names(url)
    eng = engine(url)
    problems = []
    try:
        metadata = sa.MetaData()
        metadata.reflect(eng, only=names)
        with eng.connect() as connection:
            for table in metadata.sorted_tables:
                for fk in table.foreign_key_constraints:
                    parent = fk.referred_table.alias("parent")  # an alias: a table may refer to itself
                    pairs = [(child, parent.c[element.column.name]) for child, element in
                             zip(fk.columns, fk.elements, strict=True)]
                    joined = sa.and_(*[child == referred for child, referred in pairs])
                    query = (sa.select(sa.func.count()).select_from(table.outerjoin(parent, joined))
                             .where(sa.and_(*[child.isnot(None) for child, _ in pairs]))
                             .where(pairs[0][1].is_(None)))
                    count = connection.execute(query).scalar()
                    if count:
                        problems.append(f"{table.name}.{fk.name or fk.column_keys}: {count} row(s)")
    finally:
        eng.dispose()
    return problems


def execute(url: str, sql: str, **params) -> None:
    eng = engine(url)
    try:
        with eng.begin() as connection:
            connection.execute(sa.text(sql), params)
    finally:
        eng.dispose()


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2] / "migrations"
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root))
    return ScriptDirectory.from_config(config).get_current_head()


def revisions() -> list[str]:
    """Every revision from the first to the head, in order."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2] / "migrations"
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root))
    return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
