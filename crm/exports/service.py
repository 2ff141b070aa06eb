"""Exports as a service: whether one runs inside the request, starting a background job, auditing a download.

The views and the domains call these; the task itself is in crm/exports/tasks.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from crm.core import audit
from crm.core.extensions import db
from crm.exports.jobs import ExportJob, Phase, export_folder, purge_exports
from crm.exports.tasks import write_export

INLINE_ROWS = 5_000  # default of CRM_EXPORT_INLINE_ROWS


def inline_limit() -> int:
    """Exports of at most this many rows are answered inside the request; larger ones become a job."""
    return int(current_app.config.get("CRM_EXPORT_INLINE_ROWS", INLINE_ROWS))


def start(kind: str, params: dict, fmt: str, *, owner_id: int, total: int | None, filename: str, back: str,
          address: str | None = None) -> ExportJob:
    """Record a new job and enqueue it. `filename`: the download's name; `back`: the page it came from;
    `address`: the asking request's, for the audit entry the task records on the owner's behalf."""
    purge_exports(export_folder())
    job = ExportJob.new()
    job.save({"kind": kind, "params": params, "format": fmt, "owner": owner_id, "filename": filename,
              "back": back, "address": address, "phase": Phase.QUEUED, "done": 0, "total": total,
              "created": datetime.now(UTC).isoformat(timespec="seconds")})
    write_export(job.token)
    return job


def record_download(state: dict, *, actor) -> None:
    """Who downloaded which export file (the owner, or an administrator), audited and committed."""
    audit.record(actor, "export.download", None,
                 {"kind": state.get("kind"), "format": state.get("format"), "rows": state.get("rows"),
                  "owner": state.get("owner"), "file": state.get("filename")})
    db.session.commit()
