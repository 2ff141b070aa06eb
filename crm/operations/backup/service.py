"""Backup and restore: the operations `flask backup ...`, the daily backup and the admin page share.

`create_backup(file)`: the database of the running app (SQLALCHEMY_DATABASE_URI) copied while it keeps
running, written to a temporary file beside FILE (mode 0600: a backup holds personal data) and renamed onto
FILE only when complete; on any failure no FILE (nor temporary file) is left.

`restore_backup(file, force)`: the backup loaded into the app's database, which must be empty unless
`force`, then the schema upgraded to the current revision (Alembic). The load itself is one transaction; if
the load or the upgrade fails, the target is put back as it was (from a safety copy taken first when it was
not empty, or emptied again).

Every create, successful or not, and every restore done is recorded in the audit log with its result; a
restore refused or failed is logged (the application log) but not written into the target, which the contract
leaves exactly as it was.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from crm.core.audit import record
from crm.core.extensions import db
from crm.operations import migrations
from crm.operations.backup import postgres, sqlite
from crm.operations.backup.formats import (
    KIND_LABELS,
    SQLITE,
    BackupError,
    database_kind,
    detect_kind,
    require_kind,
)

log = logging.getLogger(__name__)
ACTOR_CLI = "línea de comandos"
TEMP_PREFIX = ".vinculo-backup-"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str
    size: int
    seconds: float


def _backend(kind: str):
    return sqlite if kind == SQLITE else postgres


def _current_kind() -> str:
    return database_kind(db.engine.dialect.name)


def _url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _audit(actor, action: str, details: dict) -> None:
    """Record the outcome in its own transaction; an audit failure is logged, never hides the outcome."""
    try:
        db.session.rollback()
        record(actor, action, ("backup", details.get("file", "")[-64:]), details)
        db.session.commit()
    except Exception as exc:  # the database may be the very thing that failed
        db.session.rollback()
        log.warning("could not record %s in the audit log: %s", action, exc)


def _exclusive_temp(folder: Path, name: str) -> Path:
    temp = folder / f"{TEMP_PREFIX}{name}.{secrets.token_hex(4)}.tmp"
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return temp


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_backup(file: str | Path, actor=ACTOR_CLI, action: str = "backup.create") -> BackupResult:
    target = Path(file).absolute()
    kind = _current_kind()
    details = {"file": str(target), "kind": kind}
    started = time.monotonic()
    temp = None
    try:
        if not target.parent.is_dir():
            raise BackupError(f"la carpeta {target.parent} no existe")
        if target.exists() and (target.is_dir() or detect_kind(target) is None):
            raise BackupError(f"{target} ya existe y no es un respaldo: elija otro nombre de archivo")
        db.session.remove()
        try:
            temp = _exclusive_temp(target.parent, target.name)
        except OSError as exc:
            raise BackupError(f"no se puede escribir en {target.parent}: {exc.strerror}") from None
        if kind == SQLITE:
            sqlite.copy(db.engine, temp)
        else:
            postgres.dump(db.engine, _url(), temp)
        if detect_kind(temp) != kind:
            raise BackupError("el archivo producido no es un respaldo reconocible; no se guardó")
        _fsync(temp)
        os.replace(temp, target)
        _fsync(target.parent)
    except BaseException as exc:
        if temp is not None:
            temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            exc = BackupError(f"no se pudo escribir el respaldo {target}: {exc.strerror or exc}")
        details.update(result="error", message=str(exc) or type(exc).__name__)
        _audit(actor, action, details)
        if isinstance(exc, BackupError):
            raise exc from None
        raise
    result = BackupResult(target, kind, target.stat().st_size, time.monotonic() - started)
    details.update(result="ok", size=result.size, seconds=round(result.seconds, 2))
    _audit(actor, action, details)
    return result


def _revision() -> str | None:
    try:
        with db.engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def upgrade_schema() -> None:
    """Alembic's upgrade to head on the app's database (what `flask db upgrade` does, errors raised)."""
    from alembic import command

    config = migrations.ready(current_app).migrate.get_config()
    command.upgrade(config, "head")


def _restore_into(kind: str, backup: Path, empty: bool) -> str | None:
    """Load, then upgrade; on any failure of either put the target back. Returns the backup's own schema revision."""
    backend = _backend(kind)
    with tempfile.TemporaryDirectory(prefix="vinculo-restore-") as work_name:
        work = Path(work_name)
        safety = None
        if not empty:
            safety = work / "safety-copy"
            if kind == SQLITE:
                backend.copy(db.engine, safety)
            else:
                backend.dump(db.engine, _url(), safety)
        try:
            backend.load(db.engine, backup, work, wipe=not empty)
            revision = _revision()
            upgrade_schema()
        except BaseException:
            db.session.remove()
            db.engine.dispose()
            if safety is not None:
                try:
                    backend.load(db.engine, safety, work, wipe=True)
                except BaseException:  # keep the only copy of the target's data: beside the backup, 0600
                    kept = backup.with_name(f"{backup.name}.destino-anterior-{int(time.time())}")
                    shutil.move(str(safety), kept)
                    log.critical("la base de destino no pudo volver a su estado anterior; su copia está en %s",
                                 kept)
                    raise BackupError(f"la restauración falló y la base de destino no pudo volver a su estado "
                                      f"anterior; su copia completa quedó en {kept}: restáurela con "
                                      f"«backup restore {kept} --force»") from None
            else:
                backend.wipe(db.engine)
            raise
    db.engine.dispose()
    return revision


def restore_backup(file: str | Path, force: bool = False, actor=ACTOR_CLI) -> dict:
    backup = Path(file).absolute()
    details = {"file": str(backup), "force": force}
    try:
        kind = require_kind(backup)
        details["kind"] = kind
        target_kind = _current_kind()
        if kind != target_kind:
            raise BackupError(f"el respaldo es de {KIND_LABELS[kind]} y la base de destino (DATABASE_URL) es de "
                              f"{KIND_LABELS[target_kind]}: no se puede restaurar uno en otro; use una base "
                              f"de {KIND_LABELS[kind]}")
        db.session.remove()
        empty = _backend(kind).is_empty(db.engine)
        if not empty and not force:
            raise BackupError("la base de destino no está vacía; para reemplazar todo su contenido por el del "
                              "respaldo, repita la orden con --force (haga antes un respaldo de ella)")
        started = time.monotonic()
        details["from_revision"] = _restore_into(kind, backup, empty)
    except BaseException as exc:
        details.update(result="error", message=str(exc) or type(exc).__name__)
        # the contract leaves the target as it was: the failure goes to the log, not into its audit table
        log.error("backup restore of %s failed: %s", backup, details["message"])
        if isinstance(exc, BackupError) or not isinstance(exc, Exception):
            raise
        raise BackupError(f"no se pudo restaurar el respaldo: {exc}") from exc
    details.update(result="ok", to_revision=_revision(), seconds=round(time.monotonic() - started, 2))
    _audit(actor, "backup.restore", details)
    return details
