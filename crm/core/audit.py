"""The append-only audit log: who saw, changed or exported what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, event, update
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.extensions import db
from crm.core.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")

    actor = db.relationship("User", lazy="joined")


class AuditLogIsAppendOnly(Exception):
    pass


REDACTED = "[dato suprimido]"  # what replaces a redacted value in an entry's details


@event.listens_for(AuditEntry, "before_update")
def _no_update(mapper, connection, target):  # pragma: no cover - defensive
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _no_delete(mapper, connection, target):  # pragma: no cover - defensive
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")


_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


@contextmanager
def client_address(address: str | None) -> Iterator[None]:
    """Work done outside the request on someone's behalf (a background task) is recorded with the address
    of the request that asked for it."""
    marker = _client_address.set(address)
    try:
        yield
    finally:
        _client_address.reset(marker)


def record(actor: Any, action: str, target: Any = None, details: dict | None = None, *, label: str | None = None) -> AuditEntry:
    """Add an entry to the current transaction (the caller's service commits).

    `actor` is a User, None (system/command line) or a string label; `target` a model
    instance (its class name and id are stored) or a (type, id) tuple.
    """
    entry = AuditEntry(action=action, details=details or {})
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        entry.actor_id = actor.id
        entry.actor_label = actor.email
    elif isinstance(actor, str):
        entry.actor_label = actor
    else:
        entry.actor_label = label or "sistema"
    if target is not None:
        if isinstance(target, tuple):
            entry.target_type, entry.target_id = str(target[0]), str(target[1])
        else:
            entry.target_type = type(target).__name__
            entry.target_id = str(getattr(target, "id", "") or "")
    if _client_address.get() is not None:
        entry.ip = _client_address.get()[:64]
    elif has_request_context():
        entry.ip = (request.remote_addr or "")[:64]
    db.session.add(entry)
    return entry


def redact(new_details: dict[int, dict], *, actor: Any, target: Any, reason: str) -> AuditEntry | None:
    """The one permitted rewrite of the append-only log: the details of the given entries (id -> details, with
    the personal values already replaced by REDACTED) are overwritten in the caller's transaction; the entries
    themselves stay (when, who, what), and the redaction is itself recorded. A Core statement on the table, not
    an ORM flush, so the guards against changing entries still stop every other update."""
    if not new_details:
        return None
    table = AuditEntry.__table__
    for entry_id, details in sorted(new_details.items()):
        db.session.execute(update(table).where(table.c.id == entry_id).values(details=details))
    for entry in list(db.session.identity_map.values()):  # entries already loaded must not show the old values
        if isinstance(entry, AuditEntry) and entry.id in new_details:
            db.session.expire(entry)
    return record(actor, "audit.redact", target, {"entries": sorted(new_details), "reason": reason})
