"""What a backup file is. A file records its kind in its first bytes:

- PostgreSQL: `pg_dump --format=custom`, which starts with "PGDMP";
- SQLite: a SQLite database file ("SQLite format 3\\0") whose header's application id (bytes 68-71, set with
  `PRAGMA application_id`) is APPLICATION_ID. The live database never carries it (it is 0), so a database
  file copied by hand is not taken for a backup, and a restore puts the id back to 0.
"""

from __future__ import annotations

from pathlib import Path

from crm.core.errors import DomainError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
KIND_LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
EXTENSIONS = {SQLITE: ".sqlite-backup", POSTGRESQL: ".pgdump"}

APPLICATION_ID = 0x56434B50  # "VCKP": Vínculo backup
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(DomainError):
    """A backup or restore could not be done; the message (Spanish) says why and what to do."""


def detect_kind(path: str | Path) -> str | None:
    """SQLITE, POSTGRESQL, or None when the file is not a backup of either kind."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(100)
    except OSError:
        return None
    if head.startswith(PG_MAGIC):
        return POSTGRESQL
    if head.startswith(SQLITE_MAGIC) and len(head) >= 72 and int.from_bytes(head[68:72], "big") == APPLICATION_ID:
        return SQLITE
    return None


def require_kind(path: str | Path) -> str:
    """The file's kind; a BackupError when it is missing, unreadable or not a backup."""
    file = Path(path)
    if not file.is_file():
        raise BackupError(f"no existe el archivo de respaldo {file}")
    kind = detect_kind(file)
    if kind is None:
        raise BackupError(f"{file} no es un respaldo de Vínculo (ni de SQLite hecho con «backup create» ni "
                          "de PostgreSQL en formato personalizado de pg_dump)")
    return kind


def database_kind(dialect_name: str) -> str:
    return SQLITE if dialect_name == "sqlite" else POSTGRESQL
