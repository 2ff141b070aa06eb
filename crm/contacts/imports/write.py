"""Contacts import, step 4: writing the plan with bulk statements (crm.contacts.sql), no per-row queries.

Everything runs inside the caller's transaction (the caller commits or rolls back: all or nothing).
New people are written straight from their rows; matched people get their planned changes; then
the e-mails, phones, memberships, affiliations and consents of both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import select

from crm.contacts import catalogs
from crm.contacts.imports.plan import NEW_PERSON, Plan, Stored
from crm.contacts.imports.rows import Row
from crm.contacts.models import (
    Affiliation,
    Consent,
    Membership,
    Network,
    Person,
    PersonEmail,
    PersonPhone,
    PrivacyNotice,
)
from crm.contacts.sql import (
    WRITE_CHUNK,
    bulk_update,
    datetime_value,
    insert_tuples,
    insert_tuples_returning_ids,
)
from crm.core.extensions import db
from crm.core.text import fold
from crm.core.timeutil import local_midnight_utc, local_tz, utcnow

Progress = Callable[[int], None]
NEW_PEOPLE_CHUNK = 10_000  # new people written (with their e-mails, phones...) per round

PERSON_COLUMNS = ("given_name", "first_surname", "second_surname", "name_key", "sex", "country", "state", "city",
                  "alcaldia", "language", "status", "created_at", "updated_at")


def write(plan: Plan, stored: Stored, progress: Progress | None = None) -> None:
    """Write the plan with bulk statements (no per-row queries); the caller commits.

    New people are written NEW_PEOPLE_CHUNK at a time, each chunk with its e-mails, phones, memberships...,
    and their rows are released from the plan as they are written (`plan.new_rows` is consumed): memory
    holds the rows of the file and one chunk's statements, never a second copy of the whole file.
    `progress(n)` is called as rows are written (n rows each time; `rows_to_write(plan)` in all).
    """
    _write_networks(plan, stored)
    if plan.orgs is not None:
        plan.orgs.write()
    values = _Values()
    children = _Children(stored.networks, _notice_version(plan), values)
    new_rows = plan.new_rows
    for start in range(0, len(new_rows), NEW_PEOPLE_CHUNK):
        chunk = new_rows[start:start + NEW_PEOPLE_CHUNK]
        ids = insert_tuples_returning_ids(Person, PERSON_COLUMNS, _new_people(chunk, values), progress)
        children.of_new_people(ids, chunk)
        children.write(progress, final=False)
        new_rows[start:start + len(chunk)] = [None] * len(chunk)  # written: their memory can be reused
        del chunk
    _update_targets(plan, values, progress)
    children.of_targets(plan)
    children.write(progress)


def rows_to_write(plan: Plan) -> int:
    """About how many rows `write` writes (people and their e-mails, phones, memberships...): a progress total."""
    total = len(plan.targets)
    for row in plan.new_rows:
        total += (1 + bool(row.key) + bool(row.e164) + len(row.networks) + (row.organization is not None)
                  + bool(row.consent))
    for target in plan.targets:
        total += (sum(1 for item in target.emails if item[0] is None) + sum(1 for item in target.phones if item[0] is None)
                  + len(target.new_networks) + sum(1 for a in target.affiliations if a.id is None)
                  + len(target.new_consents))
    return total


class _Values:
    """How the values of one write travel to the driver: timestamps and name keys, computed once."""

    def __init__(self) -> None:
        self.as_stored = datetime_value(db.session.connection())
        self.now = utcnow()
        self.stored_now = self.as_stored(self.now)
        self._tz = local_tz()
        self._midnights: dict[date, object] = {}
        self._fold_part = lru_cache(maxsize=65536)(fold)

    def midnight(self, day: date) -> object:
        """The local midnight of `day`, as stored (consent dates)."""
        if day not in self._midnights:
            self._midnights[day] = self.as_stored(local_midnight_utc(day, self._tz))
        return self._midnights[day]

    def name_key(self, names: Iterable[str]) -> str:
        # fold() of the full name, part by part (the parts are clean, so it is the same text)
        return " ".join(self._fold_part(part) for part in names if part)[:460]


def _write_networks(plan: Plan, stored: Stored) -> None:
    """Networks the file names that are not recorded yet (a fresh database) are created first."""
    codes = {code for row in plan.new_rows for code in row.networks}
    codes.update(code for target in plan.targets for code in target.new_networks)
    for code in sorted(codes - stored.networks.keys()):
        network = Network(code=code, name=catalogs.NETWORKS.get(code, code))
        db.session.add(network)
        db.session.flush()
        stored.networks[code] = network.id


def _new_people(rows: list[Row], values: _Values) -> list[tuple]:
    """The person rows of new people, straight from their rows (NEW_PERSON: the values before the cells)."""
    name_key, stored_now = values.name_key, values.stored_now
    people = []
    for row in rows:
        get = row.values.get
        given, first, second = get("nombre", ""), get("primer_apellido", ""), get("segundo_apellido", "")
        people.append((given, first, second or NEW_PERSON["second_surname"], name_key((given, first, second)),
                       row.sex or NEW_PERSON["sex"], row.country or NEW_PERSON["country"],
                       get("estado") or NEW_PERSON["state"], get("ciudad") or NEW_PERSON["city"],
                       row.alcaldia or NEW_PERSON["alcaldia"], row.language or NEW_PERSON["language"],
                       "active", stored_now, stored_now))
    return people


def _update_targets(plan: Plan, values: _Values, progress: Progress | None) -> None:
    if plan.targets:
        bulk_update(Person, [dict(t.values, name_key=values.name_key(t.names), updated_at=values.now, id=t.person_id)
                             for t in plan.targets])
        if progress is not None:
            progress(len(plan.targets))


def _notice_version(plan: Plan) -> str:
    """The latest privacy notice, when some row records a consent ("" when none is published)."""
    if not any(r.consent for r in plan.new_rows) and not any(t.new_consents for t in plan.targets):
        return ""
    return db.session.scalar(select(PrivacyNotice.version).order_by(
        PrivacyNotice.published_at.desc(), PrivacyNotice.id.desc()).limit(1)) or ""


@dataclass
class _Children:
    """The e-mails, phones, memberships, affiliations and consents to insert, and the rows they change."""

    network_ids: dict[str, int]
    notice: str
    values: _Values
    emails: list[tuple] = field(default_factory=list)
    phones: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    affiliations: list[tuple] = field(default_factory=list)
    consents: list[tuple] = field(default_factory=list)
    changed: dict[type, list[dict]] = field(default_factory=lambda: {PersonEmail: [], PersonPhone: [], Affiliation: []})

    def of_new_people(self, ids: list[int], rows: list[Row]) -> None:
        network_ids, stored_now, midnight = self.network_ids, self.values.stored_now, self.values.midnight
        for pid, row in zip(ids, rows, strict=True):
            if row.key:
                self.emails.append((pid, row.email, row.key, True))
            if row.e164:
                self.phones.append((pid, row.e164, True))
            for code in row.networks:
                self.memberships.append((pid, network_ids[code], "active", "import", stored_now))
            if row.organization is not None:
                self.affiliations.append((pid, row.organization.id, row.values.get("cargo", ""), stored_now))
            if row.consent:
                self.consents.append((pid, self.notice, "import", "", midnight(row.consent)))

    def of_targets(self, plan: Plan) -> None:
        stored_now, midnight = self.values.stored_now, self.values.midnight
        for target in plan.targets:
            pid = target.person_id
            for item_id, address, key, primary, changed in target.emails:
                if item_id is None:
                    self.emails.append((pid, address, key, primary))
                elif changed:
                    self.changed[PersonEmail].append({"id": item_id, "is_primary": primary})
            for item_id, e164, primary, changed in target.phones:
                if item_id is None:
                    self.phones.append((pid, e164, primary))
                elif changed:
                    self.changed[PersonPhone].append({"id": item_id, "is_primary": primary})
            self.memberships.extend((pid, self.network_ids[code], "active", "import", stored_now)
                                    for code in target.new_networks)
            for aff in target.affiliations:
                if aff.id is None:
                    org_id = aff.org_id if aff.org_id is not None else aff.ref.id
                    self.affiliations.append((pid, org_id, aff.position, stored_now))
                elif aff.changed:
                    self.changed[Affiliation].append({"id": aff.id, "position": aff.position})
            self.consents.extend((pid, self.notice, "import", "", midnight(day)) for day in target.new_consents)

    def write(self, progress: Progress | None, final: bool = True) -> None:
        """Writes what was gathered and forgets it. Not `final`: only whole WRITE_CHUNKs of each table, the
        rest waits for the next round (statements of one size: SQLite keeps each distinct prepared
        statement, and a few hundred kilobytes each add up)."""
        for model, rows in self.changed.items():
            if rows:
                bulk_update(model, rows)
                rows.clear()
        for model, columns, gathered in (
            (PersonEmail, ("person_id", "address", "address_key", "is_primary"), self.emails),
            (PersonPhone, ("person_id", "e164", "is_primary"), self.phones),
            (Membership, ("person_id", "network_id", "status", "source", "joined_at"), self.memberships),
            (Affiliation, ("person_id", "organization_id", "position", "created_at"), self.affiliations),
            (Consent, ("person_id", "notice_version", "channel", "purpose", "accepted_at"), self.consents),
        ):
            count = len(gathered) if final else len(gathered) - len(gathered) % WRITE_CHUNK
            if count:
                insert_tuples(model, columns, gathered[:count], progress)
                del gathered[:count]
