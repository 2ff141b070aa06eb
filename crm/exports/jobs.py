"""An export job's files: the state and, once written, the file itself, and their clean-up after a day.

A job is named by a random token: `instance/exports/<token>.estado.json` is its state (owner, kind, format,
phase, rows done and total, the download's name, the outcome) and `<token>.<csv|xlsx>` the file the task
writes (first as `<token>.<ext>.parcial`, renamed when complete, so a download never sees half a file).
No database table: the task writes the state, the status page reads it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")
_JOB_FILE = re.compile(r"^([A-Za-z0-9_-]{20,60})\..+$")
MAX_AGE = timedelta(days=1)
FORMATS = ("csv", "xlsx")


class Phase(StrEnum):
    """Where a job is; the values are those stored in the state file."""

    QUEUED = "en cola"
    WRITING = "escribiendo"
    DONE = "terminado"
    FAILED = "falló"


RUNNING = (Phase.QUEUED, Phase.WRITING)


def export_folder() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ExportJob:
    def __init__(self, token: str, folder: Path | None = None) -> None:
        self.token = token
        self.folder = folder or export_folder()
        self.state_file = self.folder / f"{token}.estado.json"

    @classmethod
    def new(cls) -> ExportJob:
        return cls(secrets.token_urlsafe(24))

    @classmethod
    def find(cls, token: str) -> ExportJob | None:
        """The job with this token, or None (a malformed token, an unknown or purged job)."""
        if not TOKEN.match(token or ""):
            return None
        job = cls(token)
        return job if job.state_file.exists() else None

    def file(self, fmt: str) -> Path:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
        return self.folder / f"{self.token}.{fmt}"

    def partial(self, fmt: str) -> Path:
        return self.file(fmt).with_name(f"{self.token}.{fmt}.parcial")

    def load(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def save(self, state: dict) -> None:
        state["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        temporary = self.state_file.with_name(f"{self.state_file.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.state_file)  # readers see the old state or the new one, never half


def purge_exports(folder: Path, max_age: timedelta = MAX_AGE, now: float | None = None) -> int:
    """Delete the jobs (state, file, partial file) untouched for max_age; returns how many were deleted.
    A job's age is that of its newest file, so a job still recording progress is kept."""
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    jobs: dict[str, list[tuple[Path, float]]] = {}
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        match = _JOB_FILE.match(entry.name)
        try:
            modified = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        jobs.setdefault(match.group(1) if match else entry.name, []).append((Path(entry.path), modified))
    purged = 0
    for files in jobs.values():
        if max(modified for _, modified in files) < cutoff:
            for path, _ in files:
                path.unlink(missing_ok=True)
            purged += 1
    return purged
