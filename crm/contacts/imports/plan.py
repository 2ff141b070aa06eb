"""Contacts import, steps 2 and 3: check the rows against what is stored, then plan the changes.

`check` fetches what the rows need with a few bulk queries (e-mail owners, phones, people, networks)
and runs the checks that need stored data in memory: matching rows to people, phones read in the
stored country, repeated rows, ARCO states. `plan` then plans the changes there (`cargo` alone,
organizations...). A row that matches nobody is a new person: it is written from the row itself (no
per-row plan object); a matched person gets a `Target` (stored state plus the changes of its rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from crm.contacts.imports.rows import MAX_LENGTH, Problems, Row, read_phone, show
from crm.contacts.models import Affiliation, Consent, Membership, Network, Person, PersonEmail, PersonPhone
from crm.contacts.organizations.names import OrganizationIndex, OrgRef
from crm.contacts.phones import normalize_phone
from crm.contacts.services import DEFAULT_COUNTRY
from crm.core.extensions import db
from crm.core.text import fold
from crm.core.timeutil import to_local

CHUNK = 900  # values per IN (...) query
FULL_SCAN_FROM = 20_000  # from this many values, `where_in` scans the table instead of IN (...)

def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def where_in(statement, column, values: set) -> Iterator:
    """Rows of `statement` whose `column` (its first column) is in `values`.

    A few values: IN (...) in chunks; many: one scan of the table, filtered here (much faster
    than hundreds of IN queries when a file updates most of the contacts).
    """
    if not values:
        return
    connection = db.session.connection()
    if len(values) >= FULL_SCAN_FROM:  # .all(): one fetchall, not a fetchone per row
        for row in connection.execute(statement).all():
            if row[0] in values:
                yield row
        return
    for chunk in _chunks(values):
        yield from connection.execute(statement.where(column.in_(chunk))).all()


@dataclass(slots=True)
class PersonInfo:
    id: int
    names: list[str]  # given, first, second
    country: str
    status: str


@dataclass
class Stored:
    """The stored data the rows need, fetched in bulk."""

    owners: dict[str, int] = field(default_factory=dict)  # e-mail key -> person id
    phones: dict[str, set[int]] = field(default_factory=dict)  # e164 -> person ids (only when needed)
    people: dict[int, PersonInfo] = field(default_factory=dict)
    networks: dict[str, int] = field(default_factory=dict)  # code -> id

    @classmethod
    def load(cls, rows: list[Row]) -> Stored:
        stored = cls()
        keys = {r.key for r in rows if r.key}
        stored.owners = dict(where_in(select(PersonEmail.address_key, PersonEmail.person_id),
                                      PersonEmail.address_key, keys))
        if any(r.phone and not r.email for r in rows):
            phones: dict[str, set[int]] = defaultdict(set)
            for person_id, e164 in db.session.connection().execute(
                    select(PersonPhone.person_id, PersonPhone.e164)).all():
                phones[e164].add(person_id)
            stored.phones = dict(phones)
        stored.networks = dict(db.session.execute(select(Network.code, Network.id)).all())
        return stored

    def load_people(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i not in self.people}
        for pid, given, first, second, country, status in where_in(
            select(Person.id, Person.given_name, Person.first_surname, Person.second_surname, Person.country,
                   Person.status), Person.id, missing
        ):
            self.people[pid] = PersonInfo(pid, [given, first, second or ""], country or DEFAULT_COUNTRY, status)


# --- checking ------------------------------------------------------------------------------------


def check(rows: list[Row], problems: Problems) -> Stored:
    """Step 2: load what the rows need and check them against it; returns the stored data for the plan."""
    stored = Stored.load(rows)
    match(rows, stored, problems)
    return stored


def match(rows: list[Row], stored: Stored, problems: Problems) -> None:
    """Find the person of every row and read the phones that depend on the stored country."""
    by_tail: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if any(r.phone_pending and not r.email for r in rows):
        for e164, ids in stored.phones.items():
            for pid in ids:
                by_tail[e164[-7:]].append((pid, e164))
    wanted = set(stored.owners.values())
    if stored.phones:
        for row in rows:
            if not row.email and row.phone_pending:
                wanted.update(pid for pid, _ in by_tail.get(_digits(row.phone)[-7:], ()))
            elif not row.email and row.e164 and len(stored.phones.get(row.e164, ())) == 1:
                wanted.update(stored.phones[row.e164])
    stored.load_people(wanted)

    owners, people = stored.owners, stored.people
    for row in rows:
        if row.key:
            row.person_id = owners.get(row.key)
            if row.phone_pending:
                info = people.get(row.person_id) if row.person_id else None
                read_phone(row, info.country if info else DEFAULT_COUNTRY, problems)
        elif row.email or not row.phone:
            continue  # an invalid e-mail (already reported) or no way to match
        elif row.phone_pending:
            _match_pending_phone(row, stored, by_tail, problems)
        elif row.e164:
            ids = stored.phones.get(row.e164, set())
            if len(ids) == 1:
                row.person_id = next(iter(ids))

    _report_repeats(rows, lambda r: r.key, "correo", "el correo", problems)
    _report_repeats([r for r in rows if not r.email], lambda r: r.e164, "telefono", "el teléfono", problems)
    if people:
        for row in rows:
            info = people.get(row.person_id) if row.person_id else None
            if info is not None and info.status != "active":
                state = "anonimizada" if info.status == "anonymized" else "bloqueada"
                row.ok = False
                problems.add(row.number, "correo" if row.key else "telefono",
                             f"la persona está {state} (derechos ARCO) y no se puede actualizar desde un archivo")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _match_pending_phone(row: Row, stored: Stored, by_tail, problems: Problems) -> None:
    """A phone-only row without country code nor pais_residencia: read in the stored country of its person."""
    found: dict[int, str] = {}
    for pid, e164 in by_tail.get(_digits(row.phone)[-7:], ()):
        info = stored.people.get(pid)
        if info is not None and normalize_phone(row.phone, info.country) == e164:
            found[pid] = e164
    if len(found) == 1:
        row.person_id, row.e164 = next(iter(found.items()))
        row.phone_pending = False
        return
    read_phone(row, DEFAULT_COUNTRY, problems)
    if row.e164 and not found and len(stored.phones.get(row.e164, ())) == 1:
        row.person_id = next(iter(stored.phones[row.e164]))
        stored.load_people([row.person_id])


def _report_repeats(rows: list[Row], key: Callable[[Row], str | None], column: str, what: str,
                    problems: Problems) -> None:
    first: dict[str, Row] = {}
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if value := key(row):
            seen = first.setdefault(value, row)
            if seen is not row:
                groups.setdefault(value, [seen]).append(row)
    for group in groups.values():
        for row in group:
            row.ok = False
            others = [str(r.number) for r in group if r is not row]
            where = f"la fila {others[0]}" if len(others) == 1 else f"las filas {', '.join(others)}"
            written = row.email if column == "correo" else row.phone
            problems.add(row.number, column, f"{what} {show(written)} se repite en {where}")


# --- planning ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Aff:
    id: int | None
    org_id: int | None
    ref: OrgRef | None
    position: str
    changed: bool = False

    @property
    def org_key(self) -> tuple:
        if self.ref is not None and self.ref.id is None:
            return ("new", id(self.ref))
        return ("id", self.org_id if self.org_id is not None else self.ref.id)


@dataclass(slots=True)
class Target:
    """A stored person as the import leaves it: stored state plus the planned changes."""

    person_id: int
    names: list[str]
    values: dict = field(default_factory=dict)
    emails: list[list] = field(default_factory=list)  # [id | None, address, key, is_primary, changed]
    phones: list[list] = field(default_factory=list)  # [id | None, e164, is_primary, changed]
    networks: set[str] = field(default_factory=set)
    new_networks: list[str] = field(default_factory=list)
    affiliations: list[Aff] = field(default_factory=list)  # oldest first
    consent_dates: set[date] = field(default_factory=set)
    new_consents: list[date] = field(default_factory=list)


@dataclass
class Plan:
    new_rows: list[Row] = field(default_factory=list)  # one new person each (row.organization: its OrgRef)
    targets: list[Target] = field(default_factory=list)  # matched people
    orgs: OrganizationIndex | None = None
    created: int = 0
    updated: int = 0


FIELDS = (("nombre", "given_name"), ("primer_apellido", "first_surname"), ("segundo_apellido", "second_surname"),
          ("estado", "state"), ("ciudad", "city"))
NEW_PERSON = {"second_surname": "", "sex": None, "country": DEFAULT_COUNTRY, "state": "", "city": "",
              "alcaldia": None, "language": "es"}  # a new person's values before its row's cells


def plan(rows: list[Row], stored: Stored, problems: Problems) -> Plan:
    result = Plan()
    if any(r.values.get("organizacion") for r in rows):
        result.orgs = OrganizationIndex.load()
    matched = {r.person_id for r in rows if r.person_id}
    targets = _load_targets(matched, stored)
    for row in rows:
        if row.person_id:
            result.updated += 1
            _plan_row(row, targets[row.person_id], result, problems)
        else:
            result.created += 1
            _plan_new(row, result, problems)
            if row.ok:
                result.new_rows.append(row)
    result.targets.extend(targets.values())
    return result


def _organization(row: Row, result: Plan, problems: Problems) -> OrgRef | None:
    """The organization of the row's `organizacion` (None when empty, too long or a problem)."""
    organization = row.values.get("organizacion", "")
    if not organization or result.orgs is None or len(organization) > MAX_LENGTH["organizacion"]:
        return None  # too long: already reported
    ref, problem = result.orgs.get_or_add(organization)
    if problem:
        row.ok = False
        problems.add(row.number, "organizacion", f"{show(organization)}: {problem}")
        return None
    return ref


def _plan_new(row: Row, result: Plan, problems: Problems) -> None:
    """A new person: everything comes from its row; only the organization needs checking."""
    if row.values.get("organizacion"):
        row.organization = _organization(row, result, problems)
    elif row.values.get("cargo"):
        row.ok = False
        problems.add(row.number, "cargo", "la persona no tiene una organización a la cual aplicar el cargo: "
                                          "indique también organizacion")


def _plan_row(row: Row, target: Target, result: Plan, problems: Problems) -> None:
    values = row.values
    for column, attribute in FIELDS:
        if values.get(column):
            target.values[attribute] = values.get(column)
    for name, column in enumerate(("nombre", "primer_apellido", "segundo_apellido")):
        if values.get(column):
            target.names[name] = values.get(column)
    for attribute, value in (("sex", row.sex), ("country", row.country), ("alcaldia", row.alcaldia),
                             ("language", row.language)):
        if value:
            target.values[attribute] = value
    if row.key:
        _set_primary(target.emails, row.key, lambda: [None, row.email, row.key, True, True], key_index=2)
    if row.e164:
        _set_primary(target.phones, row.e164, lambda: [None, row.e164, True, True], key_index=1)
    for code in row.networks:
        if code not in target.networks:
            target.networks.add(code)
            target.new_networks.append(code)
    if row.consent and row.consent not in target.consent_dates:
        target.consent_dates.add(row.consent)
        target.new_consents.append(row.consent)
    organization, position = values.get("organizacion", ""), values.get("cargo", "")
    if organization:
        ref = _organization(row, result, problems)
        if ref is None:
            return
        new = Aff(None, ref.id, ref, position)
        same_org = [a for a in target.affiliations if a.org_key == new.org_key]
        if position:
            if any(fold(a.position) == fold(position) for a in same_org):
                return
        elif same_org:
            return
        target.affiliations.append(new)
    elif position:
        if not target.affiliations:
            row.ok = False
            problems.add(row.number, "cargo", "la persona no tiene una organización a la cual aplicar el cargo: "
                                              "indique también organizacion")
            return
        latest = target.affiliations[-1]
        if fold(latest.position) == fold(position):
            return
        if any(a is not latest and a.org_key == latest.org_key and fold(a.position) == fold(position)
               for a in target.affiliations):
            return  # that (organization, cargo) pair is already recorded
        latest.position = position
        latest.changed = latest.id is not None


def _set_primary(items: list[list], key: str, make: Callable[[], list], key_index: int) -> None:
    """Mark the item with `key` as the primary one (adding it if new); flags are at [-2], 'changed' at [-1]."""
    found = next((item for item in items if item[key_index] == key), None)
    if found is None:
        found = make()
        items.append(found)
    for item in items:
        wanted = item is found
        if item[-2] != wanted:
            item[-2] = wanted
            item[-1] = True


def _load_targets(ids: set[int], stored: Stored) -> dict[int, Target]:
    targets = {pid: Target(pid, list(stored.people[pid].names)) for pid in ids}
    if not targets:
        return targets
    codes = {nid: code for code, nid in stored.networks.items()}
    ids = set(targets)
    for pid, eid, address, key, primary in where_in(
        select(PersonEmail.person_id, PersonEmail.id, PersonEmail.address, PersonEmail.address_key,
               PersonEmail.is_primary).order_by(PersonEmail.id), PersonEmail.person_id, ids
    ):
        targets[pid].emails.append([eid, address, key, bool(primary), False])
    for pid, phid, e164, primary in where_in(
        select(PersonPhone.person_id, PersonPhone.id, PersonPhone.e164, PersonPhone.is_primary)
        .order_by(PersonPhone.id), PersonPhone.person_id, ids
    ):
        targets[pid].phones.append([phid, e164, bool(primary), False])
    for pid, nid in where_in(select(Membership.person_id, Membership.network_id), Membership.person_id, ids):
        targets[pid].networks.add(codes.get(nid, f"#{nid}"))
    for pid, aid, org_id, position in where_in(
        select(Affiliation.person_id, Affiliation.id, Affiliation.organization_id, Affiliation.position)
        .order_by(Affiliation.created_at, Affiliation.id), Affiliation.person_id, ids
    ):
        targets[pid].affiliations.append(Aff(aid, org_id, None, position or ""))
    for pid, accepted_at in where_in(select(Consent.person_id, Consent.accepted_at), Consent.person_id, ids):
        targets[pid].consent_dates.add(_local_date(accepted_at))
    return targets


def _local_date(value) -> date:
    return to_local(value).date()
