"""An import job's files: the upload, its state, the markers that claim a step, and their clean-up.

A job is named by its owner and a random token: `instance/uploads/<user id>-<token>` is the upload and
`<user id>-<token>.estado.json` beside it is its state, written by the tasks and read by the status page
(no database table). The state says the phase (`Phase`), the step (`Step`), rows done and total, and the
outcome (summary, per-row problems as {row, column, message}, or a message).

Uploads not confirmed are purged after a day, at each new upload and hourly by the consumer.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from flask import current_app

from crm.core.errors import Problem
from crm.core.jobfiles import load_state, purge_jobs, save_state

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}\.(csv|xlsx)$")
_JOB_FILE = re.compile(r"^(\d{1,12}-[A-Za-z0-9_-]{20,60}\.(?:csv|xlsx))(\..+)?$")
MAX_AGE = timedelta(days=1)


class Phase(StrEnum):
    """Where a job is; the values are those stored in the state file."""

    QUEUED = "en cola"
    READING = "leyendo"
    VALIDATING = "validando"
    REVIEWED = "revisado"
    INVALID = "con errores"
    WRITING = "escribiendo"
    DONE = "terminado"
    FAILED = "falló"


class Step(StrEnum):
    """Which task a job is in: the review (a dry run) or the confirmed write."""

    REVIEW = "revision"
    WRITE = "escritura"


RUNNING = (Phase.QUEUED, Phase.READING, Phase.VALIDATING, Phase.WRITING)


def problems_of(state: dict) -> list[Problem]:
    """The problems a job's state records ({row, column, message} each; a state written by an earlier
    version may hold whole lines instead, shown as messages)."""
    return [Problem(**item) if isinstance(item, dict) else Problem(None, None, str(item))
            for item in state.get("problems") or []]


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_token(filename: str) -> str:
    return f"{secrets.token_urlsafe(24)}{Path(filename or '').suffix.lower()}"


class Job:
    def __init__(self, owner_id: int, token: str) -> None:
        self.owner_id, self.token = owner_id, token
        self.upload = upload_folder() / f"{owner_id}-{token}"
        self.state_file = self.upload.with_name(self.upload.name + ".estado.json")
        self.confirmed = self.upload.with_name(self.upload.name + ".confirmado")
        self.writing = self.upload.with_name(self.upload.name + ".escribiendo")

    @classmethod
    def find(cls, owner_id: int, token: str) -> Job | None:
        """The owner's job with this token, or None (a malformed token, another user's job, purged)."""
        if not TOKEN.match(token or ""):
            return None
        job = cls(owner_id, token)
        return job if job.state_file.exists() else None

    def load(self) -> dict | None:
        return load_state(self.state_file)

    def save(self, state: dict) -> None:
        save_state(self.state_file, state)

    def claim(self, marker: Path) -> bool:
        """Create the marker file if it does not exist yet: True for exactly one caller."""
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        return True


def purge_uploads(folder: Path, max_age: timedelta = MAX_AGE, now: float | None = None) -> int:
    """Delete the jobs (upload, state, markers) untouched for max_age; returns how many were deleted."""
    return purge_jobs(folder, _JOB_FILE, max_age, now)
