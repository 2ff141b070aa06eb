"""What background jobs kept as files share (crm.imports' uploads, crm.exports' downloads): a JSON state
written atomically beside the job's files, and the clean-up of jobs left untouched for a while."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path


def load_state(state_file: Path) -> dict | None:
    try:
        return json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def save_state(state_file: Path, state: dict) -> None:
    """Write the state with its time of update; readers see the old state or the new one, never half."""
    state["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    temporary = state_file.with_name(f"{state_file.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, state_file)


def purge_jobs(folder: Path, job_file: re.Pattern, max_age: timedelta, now: float | None = None) -> int:
    """Delete the jobs whose files (grouped by `job_file`'s first group) were all untouched for max_age;
    returns how many were deleted. A job's age is that of its newest file, so one still recording progress
    is kept."""
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    jobs: dict[str, list[tuple[Path, float]]] = {}
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        match = job_file.match(entry.name)
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
