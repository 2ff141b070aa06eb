"""An export job's files: the state and, once written, the file itself, and their clean-up after a day.

A job is named by a random token: `instance/exports/<token>.estado.json` is its state (owner, kind, format,
phase, rows done and total, the download's name, the outcome) and `<token>.<csv|xlsx>` the file the task
writes (first as `<token>.<ext>.parcial`, renamed when complete, so a download never sees half a file).
No database table: the task writes the state, the status page reads it.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from flask import current_app

from crm.core.jobfiles import load_state, purge_jobs, save_state

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
        return load_state(self.state_file)

    def save(self, state: dict) -> None:
        save_state(self.state_file, state)


def purge_exports(folder: Path, max_age: timedelta = MAX_AGE, now: float | None = None) -> int:
    """Delete the jobs (state, file, partial file) untouched for max_age; returns how many were deleted."""
    return purge_jobs(folder, _JOB_FILE, max_age, now)
