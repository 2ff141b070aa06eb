"""SQLite: copy, load, emptiness and wipe through SQLite's online backup API (sqlite3.Connection.backup).

A copy is one backup step over all pages: one read transaction on the live database, so it is a consistent
snapshot (WAL mode: writers go on meanwhile), never a half-written transaction. A load is one backup step into
the target: one write transaction, so the target gets the whole backup or keeps what it had.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from crm.operations.backup.formats import APPLICATION_ID, BackupError


def _driver(engine: Engine):
    raw = engine.raw_connection()
    return raw, raw.driver_connection


def copy(engine: Engine, destination: Path) -> None:
    """Write a backup of the engine's database to `destination` (an existing empty file, or none)."""
    raw, source = _driver(engine)
    try:
        out = sqlite3.connect(destination)
        try:
            source.backup(out)  # pages=-1: every page in one step, one consistent read of the source
            out.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            out.commit()
            out.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            out.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite no pudo copiar la base de datos: {exc}") from None
    finally:
        raw.close()


def is_empty(engine: Engine) -> bool:
    raw, connection = _driver(engine)
    try:
        count = connection.execute("SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') "
                                   "AND name NOT LIKE 'sqlite_%'").fetchone()[0]
    finally:
        raw.close()
    return count == 0


def _check(work: Path) -> None:
    connection = sqlite3.connect(work)
    try:
        connection.execute("PRAGMA application_id = 0")  # the live database's id: a restored file is no backup
        connection.commit()
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"el respaldo está dañado y no se puede leer: {exc}") from None
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"el respaldo está dañado (PRAGMA quick_check: {result})")


def _load_from(engine: Engine, source_file: Path | str) -> None:
    raw, target = _driver(engine)
    try:
        source = sqlite3.connect(source_file)
        try:
            source.backup(target)  # one write transaction on the target: all of it or nothing
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite no pudo cargar el respaldo en la base de destino: {exc}") from None
    finally:
        raw.close()
    engine.dispose()  # pooled connections would keep the old schema's cache


def load(engine: Engine, backup: Path, work_folder: Path, wipe: bool = False) -> None:
    """Replace the engine's database by the backup (checked first on a working copy; `wipe` has no use here:
    a load replaces every page)."""
    work = work_folder / "restore.db"
    shutil.copyfile(backup, work)
    _check(work)
    _load_from(engine, work)


def wipe(engine: Engine) -> None:
    """Make the engine's database empty again (a failed restore into an empty database)."""
    _load_from(engine, ":memory:")
