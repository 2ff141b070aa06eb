"""Anonymisation's share of the audit log: the entries that hold a person's data are redacted, not removed.

The person's merge entries (and those of the records merged into them before, followed back through each
entry's `removed_id`) keep a full snapshot of both records: every value in them except the record ids is
replaced by the marker. Any other entry about those records loses the leaf values equal to the person's
names, addresses or phones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.contacts.models import Person
from crm.core import audit
from crm.core.audit import REDACTED, AuditEntry
from crm.core.extensions import db


def _merged_ids(person_id: int) -> set[int]:
    """The person's id and those of every record merged into it, directly or through earlier merges."""
    found, frontier = {person_id}, {person_id}
    while frontier:
        rows = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "person.merge", AuditEntry.target_type == "Person",
            AuditEntry.target_id.in_([str(i) for i in frontier])))
        removed = {int(d["removed_id"]) for d in rows if isinstance(d, dict) and str(d.get("removed_id", "")).isdigit()}
        frontier = removed - found
        found |= frontier
    return found


def _personal_values(person: Person) -> set[str]:
    values = {person.full_name, person.given_name, person.first_surname, person.second_surname}
    values |= {e.address for e in person.emails} | {e.address_key for e in person.emails}
    values |= {p.e164 for p in person.phones}
    values |= {n.body for n in person.notes}
    return {v.casefold() for v in values if v and v.strip()}


def _scrub(value: Any, values: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _scrub(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, values) for item in value]
    if isinstance(value, str) and value.casefold() in values:
        return REDACTED
    return value


def _blank_snapshot(snapshot: Any) -> Any:
    if not isinstance(snapshot, dict):
        return REDACTED
    return {key: (item if key == "id" else REDACTED) for key, item in snapshot.items()}


def redact_person(person: Person, *, actor) -> list[int]:
    """Redacts the person from the audit log in the caller's transaction; returns the redacted entries' ids.
    Call it before the person's data is cleared (the values to look for are read from the record)."""
    ids = [str(i) for i in _merged_ids(person.id)]
    values = _personal_values(person)
    changed: dict[int, dict] = {}
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "Person",
                                                             AuditEntry.target_id.in_(ids))):
        details = entry.details if isinstance(entry.details, dict) else {}
        new = dict(details)
        if entry.action == "person.merge" and isinstance(details.get("before"), dict):
            new["before"] = {side: _blank_snapshot(snap) for side, snap in details["before"].items()}
        new = _scrub(new, values)
        if new != details:
            changed[entry.id] = new
    audit.redact(changed, actor=actor, target=person, reason="person.anonymize")
    return sorted(changed)
