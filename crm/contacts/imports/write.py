"""Contacts import, step 3: writing the plan, and the bulk SQL it (and the organization index) uses.

Everything runs inside the caller's transaction (the caller commits or rolls back: all or nothing).
Rows travel as tuples straight to the driver: on SQLite multi-row `INSERT ... VALUES` statements
(datetimes already formatted as SQLAlchemy's SQLite dialect stores them), on PostgreSQL `COPY`
(psycopg 3). No ORM objects and no per-row SQLAlchemy parameter processing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, select, text

from crm.core.extensions import db

if TYPE_CHECKING:
    from crm.contacts.imports.plan import Plan, Stored

WRITE_CHUNK = 10_000  # rows per executemany/COPY batch (progress is reported between batches)
ROWS_PER_STATEMENT = 2_000  # SQLite: rows per INSERT ... VALUES (...), (...) (fewer if the columns need it)

Progress = Callable[[int], None]


# --- bulk SQL ------------------------------------------------------------------------------------


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


def bulk_insert(model, rows: list[dict]) -> None:
    """Insert many rows (dicts with the same keys) inside the caller's transaction (see `insert_tuples`)."""
    if not rows:
        return
    names = list(rows[0])
    as_stored = datetime_value(db.session.connection())
    insert_tuples(model, names, [_row_tuple(row, names, as_stored) for row in rows])


def insert_returning_ids(model, values: list[dict]) -> list[int]:
    """Insert many rows (dicts with the same keys) and return their ids in the order of `values`."""
    if not values:
        return []
    names = list(values[0])
    as_stored = datetime_value(db.session.connection())
    return insert_tuples_returning_ids(model, names, [_row_tuple(row, names, as_stored) for row in values])


def _copy_update_from() -> int:
    """From this many rows PostgreSQL updates through COPY and one UPDATE ... FROM.

    The setting is crm.contacts.services.COPY_UPDATE_FROM (where it has always been; tests lower it).
    """
    from crm.contacts import services

    return services.COPY_UPDATE_FROM


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
        if connection.dialect.name == "postgresql" and len(group) >= _copy_update_from():
            # identifiers come from the model (never from the file); values travel through COPY
            scratch = f"bulk_update_{table.name}_{number}"
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
            continue
        if connection.dialect.name == "sqlite":
            assignments = ", ".join(f"{k} = ?" for k in keys)
            statement = f"UPDATE {table.name} SET {assignments} WHERE id = ?"  # noqa: S608 (model names)
            connection.exec_driver_sql(statement, [(*_row_tuple(r, keys, as_stored), r["id"]) for r in group])
            continue
        from sqlalchemy import bindparam  # pragma: no cover - the platform runs on SQLite and PostgreSQL only

        statement = table.update().where(table.c.id == bindparam("_id"))
        connection.execute(statement, [{"_id": r["id"], **{k: r[k] for k in keys}} for r in group])


# --- the import's write step ---------------------------------------------------------------------

PERSON_COLUMNS = ("given_name", "first_surname", "second_surname", "name_key", "sex", "country", "state", "city",
                  "alcaldia", "language", "status", "created_at", "updated_at")


def write(plan: Plan, stored: Stored, progress: Progress | None = None) -> None:
    """Write the plan with bulk statements (no per-row queries); the caller commits.

    `progress(n)` is called as rows are written (n rows each time; `rows_to_write(plan)` in all).
    """
    from crm.contacts import catalogs
    from crm.contacts.imports.plan import NEW_PERSON
    from crm.contacts.models import (
        Affiliation,
        Consent,
        Membership,
        Network,
        Person,
        PersonEmail,
        PersonPhone,
        PrivacyNotice,
    )
    from crm.core.text import fold
    from crm.core.timeutil import local_midnight_utc, local_tz, utcnow

    connection = db.session.connection()
    as_stored = datetime_value(connection)
    now = utcnow()
    stored_now = as_stored(now)
    for code in sorted(_new_network_codes(plan) - stored.networks.keys()):
        network = Network(code=code, name=catalogs.NETWORKS.get(code, code))
        db.session.add(network)
        db.session.flush()
        stored.networks[code] = network.id
    if plan.orgs is not None:
        plan.orgs.write()
    network_ids = stored.networks
    tz = local_tz()

    @cache
    def midnight(day: date) -> object:
        return as_stored(local_midnight_utc(day, tz))

    fold_part = lru_cache(maxsize=65536)(fold)

    def name_key(names) -> str:
        # fold() of the full name, part by part (the parts are clean, so it is the same text)
        return " ".join(fold_part(part) for part in names if part)[:460]

    # New people, straight from their rows (see import_plan.NEW_PERSON for the values before the cells).
    people = []
    for row in plan.new_rows:
        get = row.values.get
        given, first, second = get("nombre", ""), get("primer_apellido", ""), get("segundo_apellido", "")
        people.append((given, first, second or NEW_PERSON["second_surname"], name_key((given, first, second)),
                       row.sex or NEW_PERSON["sex"], row.country or NEW_PERSON["country"],
                       get("estado") or NEW_PERSON["state"], get("ciudad") or NEW_PERSON["city"],
                       row.alcaldia or NEW_PERSON["alcaldia"], row.language or NEW_PERSON["language"],
                       "active", stored_now, stored_now))
    ids = insert_tuples_returning_ids(Person, PERSON_COLUMNS, people, progress)
    del people
    if plan.targets:
        bulk_update(Person, [dict(t.values, name_key=name_key(t.names), updated_at=now, id=t.person_id)
                             for t in plan.targets])
        if progress is not None:
            progress(len(plan.targets))

    notice = ""
    if any(r.consent for r in plan.new_rows) or any(t.new_consents for t in plan.targets):
        notice = db.session.scalar(select(PrivacyNotice.version).order_by(
            PrivacyNotice.published_at.desc(), PrivacyNotice.id.desc()).limit(1)) or ""

    emails, phones, memberships, affiliations, consents = [], [], [], [], []
    for pid, row in zip(ids, plan.new_rows, strict=True):
        if row.key:
            emails.append((pid, row.email, row.key, True))
        if row.e164:
            phones.append((pid, row.e164, True))
        for code in row.networks:
            memberships.append((pid, network_ids[code], "active", "import", stored_now))
        if row.organization is not None:
            affiliations.append((pid, row.organization.id, row.values.get("cargo", ""), stored_now))
        if row.consent:
            consents.append((pid, notice, "import", "", midnight(row.consent)))

    emails_changed, phones_changed, affiliations_changed = [], [], []
    for target in plan.targets:
        pid = target.person_id
        for item_id, address, key, primary, changed in target.emails:
            if item_id is None:
                emails.append((pid, address, key, primary))
            elif changed:
                emails_changed.append({"id": item_id, "is_primary": primary})
        for item_id, e164, primary, changed in target.phones:
            if item_id is None:
                phones.append((pid, e164, primary))
            elif changed:
                phones_changed.append({"id": item_id, "is_primary": primary})
        memberships.extend((pid, network_ids[code], "active", "import", stored_now) for code in target.new_networks)
        for aff in target.affiliations:
            if aff.id is None:
                org_id = aff.org_id if aff.org_id is not None else aff.ref.id
                affiliations.append((pid, org_id, aff.position, stored_now))
            elif aff.changed:
                affiliations_changed.append({"id": aff.id, "position": aff.position})
        consents.extend((pid, notice, "import", "", midnight(day)) for day in target.new_consents)

    for model, changed in ((PersonEmail, emails_changed), (PersonPhone, phones_changed),
                           (Affiliation, affiliations_changed)):
        if changed:
            bulk_update(model, changed)
    insert_tuples(PersonEmail, ("person_id", "address", "address_key", "is_primary"), emails, progress)
    insert_tuples(PersonPhone, ("person_id", "e164", "is_primary"), phones, progress)
    insert_tuples(Membership, ("person_id", "network_id", "status", "source", "joined_at"), memberships, progress)
    insert_tuples(Affiliation, ("person_id", "organization_id", "position", "created_at"), affiliations, progress)
    insert_tuples(Consent, ("person_id", "notice_version", "channel", "purpose", "accepted_at"), consents, progress)


def _new_network_codes(plan: Plan) -> set[str]:
    codes = {code for row in plan.new_rows for code in row.networks}
    codes.update(code for target in plan.targets for code in target.new_networks)
    return codes


def rows_to_write(plan: Plan) -> int:
    """About how many rows `write` writes (people and their e-mails, phones, memberships...): a progress total."""
    total = len(plan.targets)
    for row in plan.new_rows:
        total += (1 + bool(row.key) + bool(row.e164) + len(row.networks) + (row.organization is not None)
                  + bool(row.consent))
    for target in plan.targets:
        total += (sum(1 for item in target.emails if item[0] is None) + sum(1 for item in target.phones if item[0] is None)
                  + len(target.new_networks) + sum(1 for a in target.affiliations if a.id is None)
                  + len(target.new_consents))
    return total
