"""The daily backup and the backup folder.

Every day at CRM_BACKUP_HOUR, local time (crm.core.schedule: at most once per local day, caught up the same
day when the consumer was down at that hour), the task consumer writes
`CRM_BACKUP_DIR/vinculo-YYYYMMDD-HHMMSS.<kind extension>` and then deletes the oldest scheduled backups beyond
CRM_BACKUP_KEEP. Only files with that name are ever deleted: backups made by hand with `backup create` are
the operator's. Each run is in the audit log as `backup.scheduled` with its result, which the admin page shows.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.schedule import daily_task
from crm.operations.backup.formats import EXTENSIONS, BackupError, database_kind, detect_kind
from crm.operations.backup.service import TEMP_PREFIX, create_backup

log = logging.getLogger(__name__)
TASK_NAME = "respaldos.diario"
ACTION = "backup.scheduled"
ACTOR = "respaldo programado"
SCHEDULED_NAME = re.compile(r"^vinculo-\d{8}-\d{6}\.(sqlite-backup|pgdump)$")
STALE_TEMP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class BackupFile:
    name: str
    size: int
    modified: datetime  # naive UTC, the storage convention (the `local` filter shows it)
    kind: str
    scheduled: bool


def backup_folder() -> Path:
    configured = (current_app.config.get("CRM_BACKUP_DIR") or "").strip()
    return Path(configured) if configured else Path(current_app.instance_path) / "backups"


def keep_count() -> int:
    return max(1, int(current_app.config.get("CRM_BACKUP_KEEP") or 14))


def list_backups(folder: Path | None = None) -> list[BackupFile]:
    """The backups in the folder (files whose first bytes say they are one), newest first."""
    folder = folder or backup_folder()
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            if not path.is_file() or path.name.startswith(TEMP_PREFIX):
                continue
            kind = detect_kind(path)
            if kind is None:
                continue
            stat = path.stat()
            found.append(BackupFile(path.name, stat.st_size,
                                    datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None), kind,
                                    bool(SCHEDULED_NAME.match(path.name))))
    return sorted(found, key=lambda item: (item.modified, item.name), reverse=True)


def prune(folder: Path, keep: int) -> list[str]:
    """Delete the scheduled backups beyond the newest `keep` (by the time in their name), and temporary files
    left by an interrupted backup more than a day ago. Returns the names deleted."""
    scheduled = sorted(path.name for path in folder.iterdir() if SCHEDULED_NAME.match(path.name))
    doomed = [folder / name for name in scheduled[:-keep]] if keep > 0 else []
    limit = time.time() - STALE_TEMP_SECONDS
    doomed += [path for path in folder.glob(f"{TEMP_PREFIX}*.tmp") if path.stat().st_mtime < limit]
    deleted = []
    for path in doomed:
        try:
            path.unlink()
            deleted.append(path.name)
        except OSError as exc:
            log.warning("could not delete old backup %s: %s", path, exc)
    return deleted


def run_scheduled_backup(now: datetime | None = None) -> Path | None:
    """One scheduled backup and the pruning after it; the path written, or None when it failed (the failure
    is in the audit log and the application log)."""
    from crm.core.schedule import local_now

    now = now or local_now()
    folder = backup_folder()
    kind = database_kind(db.engine.dialect.name)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.error("scheduled backup: cannot create %s: %s", folder, exc)
    target = folder / f"vinculo-{now:%Y%m%d-%H%M%S}{EXTENSIONS[kind]}"
    try:
        create_backup(target, ACTOR, action=ACTION)
    except BackupError as exc:
        log.error("scheduled backup failed: %s", exc)
        return None
    deleted = prune(folder, keep_count())
    if deleted:
        log.info("scheduled backup: deleted %s old backup(s): %s", len(deleted), ", ".join(deleted))
    return target


@daily_task(TASK_NAME, "CRM_BACKUP_HOUR")
def daily_backup() -> None:
    run_scheduled_backup()


def last_scheduled_run() -> AuditEntry | None:
    """The audit entry of the most recent scheduled backup (its details hold the result)."""
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == ACTION)
                              .order_by(AuditEntry.id.desc()).limit(1)).first()
