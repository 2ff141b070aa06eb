"""Operations on activities and partner requests: the imports' write side and organization matching.

The imports validate a whole file first (crm.events.importers) and then write everything in one
transaction, or nothing (CONTRACTS.md, "Activities file" and "Requests file").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from crm.contacts.models import Organization
from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.core.text import clean, fold
from crm.events.models import Activity, PartnerRequest

# "Instituto Nacional Electoral (INE)": a name followed by its acronym in parentheses.
_NAME_WITH_ACRONYM = re.compile(r"^(?P<name>.*\S)\s*\((?P<acronym>[^()]+)\)$")
MAX_ACRONYM = 40
MAX_NAME = 300


def split_organization_name(text: str) -> tuple[str, str | None]:
    """`Instituto Nacional Electoral (INE)` -> ("Instituto Nacional Electoral", "INE")."""
    text = clean(text)
    match = _NAME_WITH_ACRONYM.match(text)
    if match:
        acronym = clean(match.group("acronym"))
        if acronym and len(acronym) <= MAX_ACRONYM:
            return clean(match.group("name")), acronym
    return text, None


@dataclass
class NewOrganization:
    """An organization named in a file that is not recorded yet (created when the file is written)."""

    name: str
    acronym: str | None = None
    index: int = 0
    record: Organization | None = None

    @property
    def keys(self) -> set[str]:
        return {fold(self.name)} | ({fold(self.acronym)} if self.acronym else set())


OrganizationRef = Organization | NewOrganization


class OrganizationResolver:
    """Matches organization names by name or acronym, ignoring case and accents.

    Names not found are remembered as NewOrganization, so that two spellings in one file
    (`Instituto Nacional Electoral (INE)` and `ine`) name the same new organization.
    Nothing is written until `create_new()`.
    """

    def __init__(self) -> None:
        self._new: list[NewOrganization] = []
        self._cache: dict[str, Organization | None] = {}
        # Acronyms a file gives to recorded organizations that have none: folded acronym -> organization.
        self._acronyms: dict[str, tuple[Organization, str]] = {}

    def _lookup(self, name: str, acronym: str | None) -> Organization | None:
        name_key = fold(name)
        acronym_key = fold(acronym) if acronym else None
        cache_key = f"{name_key}\x00{acronym_key or ''}"
        if cache_key in self._cache:
            return self._cache[cache_key]
        keys = [k for k in (name_key, acronym_key) if k]
        candidates = list(db.session.scalars(
            select(Organization).where(or_(Organization.name_key.in_(keys), Organization.acronym_key.in_(keys)))
            .order_by(Organization.id)
        ))
        found = None
        # The most telling match first: the full name, then the acronym.
        for test in (
            lambda o: o.name_key == name_key,
            lambda o: acronym_key is not None and o.acronym_key == acronym_key,
            lambda o: acronym_key is not None and o.name_key == acronym_key,
            lambda o: o.acronym_key == name_key,
        ):
            found = next((o for o in candidates if test(o)), None)
            if found is not None:
                break
        self._cache[cache_key] = found
        return found

    def resolve(self, text: str) -> OrganizationRef | None:
        name, acronym = split_organization_name(text)
        if not name:
            return None
        name_key = fold(name)
        acronym_key = fold(acronym) if acronym else None
        existing = self._lookup(name, acronym)
        if existing is None:
            known = self._acronyms.get(name_key) or (self._acronyms.get(acronym_key) if acronym_key else None)
            existing = known[0] if known else None
        if existing is not None:
            if acronym_key and not existing.acronym_key and existing.name_key == name_key:
                self._acronyms.setdefault(acronym_key, (existing, acronym))
            return existing
        for new in self._new:
            if name_key in new.keys or (acronym_key and acronym_key in new.keys):
                if acronym and not new.acronym and fold(new.name) == acronym_key:
                    # "INE" first, "Instituto Nacional Electoral (INE)" later: keep the full name.
                    new.name, new.acronym = name, acronym
                elif acronym and not new.acronym and fold(new.name) == name_key:
                    new.acronym = acronym
                return new
        new = NewOrganization(name=name, acronym=acronym, index=len(self._new))
        self._new.append(new)
        return new

    def prime(self, texts) -> None:
        """Resolves the names written with an acronym first, so the order of rows does not matter."""
        for text in texts:
            if split_organization_name(text)[1]:
                self.resolve(text)

    @staticmethod
    def identity(ref: OrganizationRef) -> tuple[str, int]:
        """A comparison key: the same organization gives the same identity."""
        if isinstance(ref, NewOrganization):
            return ("new", ref.index)
        return ("db", ref.id)

    @property
    def new_organizations(self) -> list[NewOrganization]:
        return list(self._new)

    def create_new(self) -> int:
        """Adds the new organizations to the session and fills acronyms the file gave; returns how many new."""
        for organization, acronym in self._acronyms.values():
            if not organization.acronym_key:
                organization.acronym, organization.acronym_key = acronym, fold(acronym)
        for new in self._new:
            if new.record is None:
                new.record = Organization(
                    name=new.name, name_key=fold(new.name),
                    acronym=new.acronym, acronym_key=fold(new.acronym) if new.acronym else None,
                    type="electoral" if "electoral" in fold(new.name) else "government",
                )
                db.session.add(new.record)
        db.session.flush()
        return len(self._new)

    @staticmethod
    def record(ref: OrganizationRef) -> Organization:
        if isinstance(ref, NewOrganization):
            assert ref.record is not None, "create_new() first"
            return ref.record
        return ref


class _Counter:
    """Reports written records to an optional progress callback, 1000 at a time."""

    def __init__(self, progress: Callable[[int], None] | None, every: int = 1000) -> None:
        self.progress, self.every, self.pending = progress, every, 0

    def step(self) -> None:
        self.pending += 1
        if self.progress is not None and self.pending == self.every:
            self.progress(self.pending)
            self.pending = 0

    def finish(self) -> None:
        if self.progress is not None and self.pending:
            self.progress(self.pending)
        self.pending = 0


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    organizations_created: int = 0
    dry_run: bool = False
    details: dict = field(default_factory=dict)


def import_activities(table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                      progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validates every row, then creates the new activities in one transaction.

    Raises ImportProblems (nothing written) when any row is invalid. `progress(n)` is called while writing,
    n new activities at a time (every 1000 and the rest).
    """
    from crm.events.importers import plan_activities

    plan = plan_activities(table)
    result = ImportResult(created=len(plan.new), skipped=plan.skipped, dry_run=dry_run,
                          organizations_created=len(plan.organizations.new_organizations))
    if dry_run:
        db.session.rollback()
        return result
    try:
        plan.organizations.create_new()
        counter = _Counter(progress)
        for row in plan.new:
            counter.step()
            activity = Activity(date=row.date, action_line_id=row.action_line.id, title=row.title,
                                title_key=fold(row.title), type=row.type, modality=row.modality)
            seen: set[int] = set()
            for ref in row.organizations:
                organization = plan.organizations.record(ref)
                if organization.id not in seen:
                    seen.add(organization.id)
                    activity.organizations.append(organization)
            db.session.add(activity)
        counter.finish()
        audit.record(actor, "activities.import", None, {
            "file": source, "created": result.created, "skipped": result.skipped,
            "organizations_created": result.organizations_created,
        })
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def import_requests(table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validates every row, then creates new requests and fills attention dates, in one transaction.

    `progress(n)` is called while writing, n new or updated requests at a time (every 1000 and the rest).
    """
    from crm.events.importers import plan_requests

    plan = plan_requests(table)
    result = ImportResult(created=len(plan.new), updated=len(plan.updates), skipped=plan.skipped, dry_run=dry_run,
                          organizations_created=len(plan.organizations.new_organizations))
    if dry_run:
        db.session.rollback()
        return result
    try:
        plan.organizations.create_new()
        counter = _Counter(progress)
        for row in plan.new:
            counter.step()
            db.session.add(PartnerRequest(
                received_on=row.received_on, attended_on=row.attended_on,
                requester_id=plan.organizations.record(row.requester).id,
                subject=row.subject, subject_key=fold(row.subject),
                action_line_id=row.action_line.id if row.action_line else None,
            ))
        for request, attended_on in plan.updates:
            counter.step()
            request.attended_on = attended_on
        counter.finish()
        audit.record(actor, "requests.import", None, {
            "file": source, "created": result.created, "updated": result.updated, "skipped": result.skipped,
            "organizations_created": result.organizations_created,
        })
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def existing_activity_keys(first, last) -> set[tuple]:
    """(date, action line id, folded title) of the activities recorded between two dates."""
    rows = db.session.execute(
        select(Activity.date, Activity.action_line_id, Activity.title_key)
        .where(Activity.date >= first, Activity.date <= last)
    )
    return {(day, line_id, fold(title_key)) for day, line_id, title_key in rows}


def existing_requests(first, last) -> dict[tuple, PartnerRequest]:
    """(received date, requester id, folded subject) -> the first recorded request so described."""
    found: dict[tuple, PartnerRequest] = {}
    for request in db.session.scalars(
        select(PartnerRequest).where(PartnerRequest.received_on >= first, PartnerRequest.received_on <= last)
        .order_by(PartnerRequest.id)
    ):
        found.setdefault((request.received_on, ("db", request.requester_id), fold(request.subject_key)), request)
    return found
