"""Bulk SQL: many rows at once, inside the caller's transaction (the caller commits or rolls back).

Rows travel as tuples straight to the driver: on SQLite multi-row `INSERT ... VALUES` statements
(datetimes already formatted as SQLAlchemy's SQLite dialect stores them), on PostgreSQL `COPY`
(psycopg 3). No ORM objects and no per-row SQLAlchemy parameter processing. The contacts import
and the organization index write through these.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import chain

from sqlalchemy import DateTime, bindparam, text

from crm.core.extensions import db

WRITE_CHUNK = 10_000  # rows per executemany/COPY batch (progress is reported between batches)
ROWS_PER_STATEMENT = 2_000  # SQLite: rows per INSERT ... VALUES (...), (...) (fewer if the columns need it)
COPY_UPDATE_FROM = 200  # rows; PostgreSQL updates this many rows through COPY and one UPDATE ... FROM

Progress = Callable[[int], None]


def datetime_value(connection) -> Callable[[datetime], object]:
    """How a datetime travels to the driver: the SQLite dialect's stored text; PostgreSQL takes datetimes."""
    dialect = connection.dialect
    if dialect.name == "postgresql":
        return lambda value: value
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


def _python_defaults(table, given: Sequence[str]) -> dict[str, object]:
    """The model's Python-side defaults of the columns not given (callables called once)."""
    defaults = {}
    for column in table.columns:
        if column.name not in given and not column.primary_key and column.default is not None:
            default = column.default
            if default.is_scalar or default.is_callable:
                defaults[column.name] = default.arg(None) if default.is_callable else default.arg
    return defaults


def insert_tuples(model, columns: Sequence[str], rows: list[tuple], progress: Progress | None = None) -> None:
    """INSERT many rows given as tuples in `columns` order (inside the caller's transaction).

    Columns left out get the model's Python defaults, as SQLAlchemy's insert would give them.
    Datetimes must already be what `datetime_value` gives (the defaults are converted here).
    """
    if not rows:
        return
    table = model.__table__
    connection = db.session.connection()
    as_stored = datetime_value(connection)
    defaults = _python_defaults(table, columns)
    names = list(columns) + list(defaults)
    extra = tuple(as_stored(v) if isinstance(v, datetime) else v for v in defaults.values())
    if extra:
        rows = [row + extra for row in rows]
    if connection.dialect.name == "postgresql":
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
        with connection.connection.driver_connection.cursor() as cursor:
            for start in range(0, len(rows), WRITE_CHUNK):
                batch = rows[start:start + WRITE_CHUNK]
                with cursor.copy(statement) as copy:
                    for row in batch:
                        copy.write_row(row)
                if progress is not None:
                    progress(len(batch))
        return
    # SQLite: multi-row VALUES statements. Much cheaper than one statement per row when triggers keep an
    # FTS5 index (FTS5 flushes its pending terms at the end of every statement), and never slower.
    limit = connection.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(ROWS_PER_STATEMENT, limit // len(names)))
    head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "  # noqa: S608 (model names)
    one = "(" + ", ".join("?" for _ in names) + ")"
    full = head + ", ".join([one] * per)
    for start in range(0, len(rows), WRITE_CHUNK):
        batch = rows[start:start + WRITE_CHUNK]
        whole = len(batch) - len(batch) % per
        if whole:
            connection.exec_driver_sql(full, [tuple(chain.from_iterable(batch[i:i + per]))
                                              for i in range(0, whole, per)])
        if whole < len(batch):
            rest = batch[whole:]
            connection.exec_driver_sql(head + ", ".join([one] * len(rest)), tuple(chain.from_iterable(rest)))
        if progress is not None:
            progress(len(batch))


def insert_tuples_returning_ids(model, columns: Sequence[str], rows: list[tuple],
                                progress: Progress | None = None) -> list[int]:
    """`insert_tuples`, returning the new ids in the order of `rows`.

    The ids are reserved first: PostgreSQL takes them from the table's sequence; SQLite inserts the
    first row (which takes the database's write lock until commit) and numbers the rest after it.
    """
    if not rows:
        return []
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = list(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": len(rows)},
        ).scalars())
        insert_tuples(model, ["id", *columns], [(i, *row) for i, row in zip(ids, rows, strict=True)], progress)
        return ids
    defaults = _python_defaults(table, columns)
    as_stored = datetime_value(connection)
    names = list(columns) + list(defaults)
    extra = tuple(as_stored(v) if isinstance(v, datetime) else v for v in defaults.values())
    marks = ", ".join("?" for _ in names)
    first = connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks}) RETURNING id",  # noqa: S608 (model names)
        rows[0] + extra).scalar_one()
    ids = list(range(first, first + len(rows)))
    if progress is not None:
        progress(1)
    insert_tuples(model, ["id", *columns], [(i, *row) for i, row in zip(ids[1:], rows[1:], strict=True)], progress)
    return ids


def _row_tuple(row: dict, names: Sequence[str], as_stored) -> tuple:
    return tuple(as_stored(row[name]) if isinstance(row[name], datetime) else row[name] for name in names)


def insert_returning_ids(model, values: list[dict]) -> list[int]:
    """Insert many rows (dicts with the same keys) and return their ids in the order of `values`."""
    if not values:
        return []
    names = list(values[0])
    as_stored = datetime_value(db.session.connection())
    return insert_tuples_returning_ids(model, names, [_row_tuple(row, names, as_stored) for row in values])


def bulk_update(model, rows: list[dict]) -> None:
    """UPDATE by primary key (rows are dicts with `id`), grouped by the set of columns they change.

    PostgreSQL, for many rows: COPY into a temporary table, then one UPDATE ... FROM; otherwise one
    executemany of tuples per group.
    """
    table = model.__table__
    connection = db.session.connection()
    as_stored = datetime_value(connection)
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for number, (keys, group) in enumerate(groups.items()):
        if not keys:
            continue
        if connection.dialect.name == "postgresql" and len(group) >= COPY_UPDATE_FROM:
            _copy_update(connection, table, f"bulk_update_{table.name}_{number}", keys, group)
        elif connection.dialect.name == "sqlite":
            assignments = ", ".join(f"{k} = ?" for k in keys)
            statement = f"UPDATE {table.name} SET {assignments} WHERE id = ?"  # noqa: S608 (model names)
            connection.exec_driver_sql(statement, [(*_row_tuple(r, keys, as_stored), r["id"]) for r in group])
        else:  # pragma: no cover - the platform runs on SQLite and PostgreSQL only
            statement = table.update().where(table.c.id == bindparam("_id"))
            connection.execute(statement, [{"_id": r["id"], **{k: r[k] for k in keys}} for r in group])


def _copy_update(connection, table, scratch: str, keys: tuple[str, ...], group: list[dict]) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one UPDATE ... FROM it."""
    # identifiers come from the model (never from the file); values travel through COPY
    columns = ", ".join(("id", *keys))
    create = f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS SELECT {columns} FROM {table.name} WITH NO DATA"  # noqa: S608
    connection.execute(text(create))
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
        for row in group:
            copy.write_row((row["id"], *(row[k] for k in keys)))
    assignments = ", ".join(f"{k} = {scratch}.{k}" for k in keys)
    update = f"UPDATE {table.name} SET {assignments} FROM {scratch} WHERE {table.name}.id = {scratch}.id"  # noqa: S608
    connection.execute(text(update))
    connection.execute(text(f"DROP TABLE {scratch}"))
