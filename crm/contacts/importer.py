"""The contacts import (CONTRACTS.md, "Contacts file").

Three steps, so a bad file writes nothing and a large one stays fast:

1. read every row on its own (no database): text, codes, e-mail syntax, phones that
   carry their country;
2. match rows to people with a few bulk queries (e-mails, phones, affiliations...), then
   check what needs the stored data (phones read in the stored country, duplicates,
   `cargo` alone, organizations) and plan the changes in memory;
3. if no row has a problem and this is not a dry run, write the plan with bulk
   statements in one transaction.

Every problem is a line `row R: COLUMN: message` (R = spreadsheet row, header = 1).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.contacts import catalogs
from crm.contacts.models import Affiliation, Consent, Membership, Network, Person, PersonEmail, PersonPhone
from crm.contacts.services import (
    DEFAULT_COUNTRY,
    ContactsError,
    OrganizationIndex,
    OrgRef,
    bulk_insert,
    bulk_update,
    country_name,
    email_key,
    email_problem,
    insert_returning_ids,
    normalize_phone,
    phone_has_country_code,
    resolve_country,
    resolve_language,
)
from crm.errors import ImportProblems
from crm.extensions import db
from crm.tabular import Table, read_table
from crm.text import clean, fold
from crm.timeutil import local_today

COLUMNS = ("nombre", "primer_apellido", "segundo_apellido", "sexo", "correo", "telefono", "pais_residencia",
           "estado", "ciudad", "alcaldia", "red", "organizacion", "cargo", "idioma", "consentimiento")
REQUIRED = ("nombre", "primer_apellido")
MAX_LENGTH = {"nombre": 150, "primer_apellido": 150, "segundo_apellido": 150, "estado": 150, "ciudad": 150,
              "organizacion": 300, "cargo": 200}
_ORDER = {name: index for index, name in enumerate(COLUMNS)}
_EXTRA = "\x00extra"  # crm.tabular's key for cells to the right of the header
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")  # a date cell may carry a time
CHUNK = 900  # values per IN (...) query
FULL_SCAN_FROM = 20_000  # from this many values, scan the table instead

# Catalog look-ups fold their text; a file repeats the same few values, so remember them.
_match_sex = lru_cache(maxsize=4096)(catalogs.match_sex)
_match_alcaldia = lru_cache(maxsize=4096)(catalogs.match_alcaldia)
_match_network = lru_cache(maxsize=4096)(catalogs.match_network)
_fold_part = lru_cache(maxsize=65536)(fold)


@dataclass
class ImportResult:
    created: int
    updated: int
    rows: int
    dry_run: bool = False


def import_contacts_file(path: str | Path, *, actor=None, dry_run: bool = False,
                         progress: Callable[[int], None] | None = None) -> ImportResult:
    """Read FILE (CSV or XLSX) and import it; raises TableError or ImportProblems."""
    return import_contacts(read_table(path), actor=actor, dry_run=dry_run, filename=Path(path).name,
                           progress=progress)


def import_contacts(table: Table, *, actor=None, dry_run: bool = False, filename: str = "",
                    progress: Callable[[int], None] | None = None) -> ImportResult:
    """Validate every row; on any problem raise ImportProblems and write nothing, else apply in one transaction."""
    problems = _Problems()
    present = _check_header(table, problems)
    rows = []
    for count, (number, cells) in enumerate(table.rows, start=1):
        rows.append(_read_row(number, cells, present, problems))
        if progress is not None and count % 1000 == 0:
            progress(1000)
    if progress is not None and len(rows) % 1000:
        progress(len(rows) % 1000)
    stored = _Stored.load(rows)
    _match(rows, stored, problems)
    plan = _plan(rows, stored, problems)
    if problems:
        raise ImportProblems(problems.lines())
    result = ImportResult(created=plan.created, updated=plan.updated, rows=len(rows), dry_run=dry_run)
    if dry_run:
        return result
    from crm import audit

    try:
        _write(plan, stored)
        audit.record(actor, "contacts.import", None,
                     {"created": result.created, "updated": result.updated, "file": filename})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContactsError("otro proceso cambió los contactos durante la importación; no se escribió nada, "
                            "intente de nuevo") from None
    except Exception:
        db.session.rollback()
        raise
    return result


# --- problems -----------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[int, int, str, str]] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append((row, _ORDER.get(column, -1), column, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def lines(self) -> list[str]:
        ordered = sorted(self.items, key=lambda item: (item[0], item[1]))
        return [f"row {row}: {column}: {message}" for row, _, column, message in ordered]


def show(value: str, limit: int = 60) -> str:
    """A value quoted in a message: cleaned (no control or bidi characters) and shortened."""
    text = clean(value)
    return f"«{text[:limit]}…»" if len(text) > limit else f"«{text}»"


def _clean(value: str) -> str:
    # crm.text.clean, with a fast path for the common plain cell (same result, ~20x faster).
    if value.isprintable() and "  " not in value:
        return value.strip()
    return clean(value)


def _check_header(table: Table, problems: _Problems) -> set[str]:
    present: set[str] = set()
    seen: set[str] = set()
    for position, name in enumerate(table.header, start=1):
        if not clean(name):
            # an empty header over empty cells is harmless (spreadsheets leave such columns)
            if any(clean(cells.get(name, "")) for _, cells in table.rows):
                problems.add(1, f"(columna {position})", "hay datos en una columna sin nombre")
            continue
        if name in seen:
            problems.add(1, clean(name)[:60], "la columna está repetida")
        seen.add(name)
        if name in _ORDER:
            present.add(name)
        else:
            hint = next((c for c in COLUMNS if fold(c) == fold(name).replace(" ", "_")), None)
            message = "columna desconocida" + (f"; ¿quiso decir «{hint}»?" if hint else
                                               f"; las columnas válidas son: {', '.join(COLUMNS)}")
            problems.add(1, clean(name)[:60], message)
    for name in REQUIRED:
        if name not in present:
            problems.add(1, name, "falta la columna obligatoria")
    if "correo" not in present and "telefono" not in present:
        problems.add(1, "correo", "falta la columna: el archivo necesita correo o telefono (o ambas)")
    return present


# --- step 1: each row on its own ---------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    values: dict[str, str]
    ok: bool = True
    sex: str | None = None
    email: str = ""
    key: str = ""  # e-mail matching key; empty when no (valid) e-mail
    phone: str = ""  # as written
    e164: str | None = None
    phone_pending: bool = False  # no country code and no pais_residencia: read in the stored country
    country: str | None = None
    alcaldia: str | None = None
    networks: tuple[str, ...] = ()
    language: str | None = None
    consent: date | None = None
    person_id: int | None = None


def _read_row(number: int, cells: dict[str, str], present: set[str], problems: _Problems) -> _Row:
    values = {name: _clean(cells.get(name, "")) for name in present}
    row = _Row(number, values)

    def bad(column: str, message: str) -> None:
        row.ok = False
        problems.add(number, column, message)

    if cells.get(_EXTRA):
        bad("(sin encabezado)", "hay datos a la derecha de la última columna con encabezado")
    for name in REQUIRED:
        if name in present and not values[name]:
            bad(name, "es obligatorio")
    for name, limit in MAX_LENGTH.items():
        if len(values.get(name, "")) > limit:
            bad(name, f"es demasiado largo ({len(values[name])} caracteres; máximo {limit})")

    if text := values.get("sexo"):
        row.sex = _match_sex(text)
        if row.sex is None:
            bad("sexo", f"valor no reconocido {show(text)}: use mujer, hombre, no_binario o prefiero_no_decir")
    if text := values.get("correo"):
        row.email = text
        reason = email_problem(text)
        if reason:
            bad("correo", f"dirección no válida {show(text)}: {reason}")
        else:
            row.key = email_key(text)
    country_bad = False
    if text := values.get("pais_residencia"):
        row.country = resolve_country(text)
        if row.country is None:
            country_bad = True
            bad("pais_residencia", f"país no reconocido {show(text)}: use el código ISO (MX, US, ES...) "
                                   "o el nombre en español o inglés")
    if text := values.get("telefono"):
        row.phone = text
        if phone_has_country_code(text):
            _read_phone(row, None, problems)
        elif row.country:
            _read_phone(row, row.country, problems)
        elif not country_bad:  # with an invalid country the phone is not reported separately
            row.phone_pending = True
    if not values.get("correo") and not values.get("telefono") and ({"correo", "telefono"} & present):
        bad("correo", "se requiere correo o telefono")
    if text := values.get("alcaldia"):
        row.alcaldia = _match_alcaldia(text)
        if row.alcaldia is None:
            bad("alcaldia", f"alcaldía no reconocida {show(text)}: debe ser una de las 16 alcaldías "
                            "de la Ciudad de México")
    if text := values.get("red"):
        codes = []
        for part in (p.strip() for p in re.split(r"[;,]", text)):
            if not part:
                continue
            code = _match_network(part)
            if code is None:
                bad("red", f"red no reconocida {show(part)}: use rvc (Red Voto Chilango) "
                           "u observacion (Red de Observación), separadas por ;")
            elif code not in codes:
                codes.append(code)
        row.networks = tuple(codes)
    if text := values.get("idioma"):
        row.language = resolve_language(text)
        if row.language is None:
            bad("idioma", f"idioma no reconocido {show(text)}: use un código ISO 639-1 (es, en, fr...)")
    if text := values.get("consentimiento"):
        row.consent = _read_date(text)
        if row.consent is None:
            bad("consentimiento", f"fecha no válida {show(text)}: use AAAA-MM-DD")
        elif row.consent > local_today():
            row.consent = None
            bad("consentimiento", f"la fecha {text} es posterior a hoy")
    return row


def _read_phone(row: _Row, country: str | None, problems: _Problems) -> None:
    row.phone_pending = False
    row.e164 = normalize_phone(row.phone, country)
    if row.e164 is None:
        row.ok = False
        if country is None:
            message = f"{show(row.phone)} no es un número de teléfono válido"
        else:
            message = (f"{show(row.phone)} no es un número válido en {country_name(country)} ({country}); "
                       "si es de otro país, escríbalo con su clave (+...)")
        problems.add(row.number, "telefono", message)


def _read_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


# --- step 2: what is stored, matching, planning ---------------------------------------------------


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _where_in(statement, column, values: set) -> Iterator:
    """Rows of `statement` whose `column` (its first column) is in `values`.

    A few values: IN (...) in chunks; many: one scan of the table, filtered here (much faster
    than hundreds of IN queries when a file updates most of the contacts).
    """
    if not values:
        return
    connection = db.session.connection()
    if len(values) >= FULL_SCAN_FROM:
        for row in connection.execute(statement):
            if row[0] in values:
                yield row
        return
    for chunk in _chunks(values):
        yield from connection.execute(statement.where(column.in_(chunk)))


@dataclass(slots=True)
class _PersonInfo:
    id: int
    names: list[str]  # given, first, second
    country: str
    status: str


@dataclass
class _Stored:
    """The stored data the rows need, fetched in bulk."""

    owners: dict[str, int] = field(default_factory=dict)  # e-mail key -> person id
    phones: dict[str, set[int]] = field(default_factory=dict)  # e164 -> person ids (only when needed)
    people: dict[int, _PersonInfo] = field(default_factory=dict)
    networks: dict[str, int] = field(default_factory=dict)  # code -> id

    @classmethod
    def load(cls, rows: list[_Row]) -> _Stored:
        stored = cls()
        keys = {r.key for r in rows if r.key}
        stored.owners = dict(_where_in(select(PersonEmail.address_key, PersonEmail.person_id),
                                       PersonEmail.address_key, keys))
        if any(r.phone and not r.email for r in rows):
            phones: dict[str, set[int]] = defaultdict(set)
            for person_id, e164 in db.session.execute(select(PersonPhone.person_id, PersonPhone.e164)):
                phones[e164].add(person_id)
            stored.phones = dict(phones)
        stored.networks = dict(db.session.execute(select(Network.code, Network.id)).all())
        return stored

    def load_people(self, ids: Iterable[int]) -> None:
        missing = {i for i in ids if i not in self.people}
        for pid, given, first, second, country, status in _where_in(
            select(Person.id, Person.given_name, Person.first_surname, Person.second_surname, Person.country,
                   Person.status), Person.id, missing
        ):
            self.people[pid] = _PersonInfo(pid, [given, first, second or ""], country or DEFAULT_COUNTRY, status)


def _match(rows: list[_Row], stored: _Stored, problems: _Problems) -> None:
    """Find the person of every row and read the phones that depend on the stored country."""
    by_tail: dict[str, list[tuple[int, str]]] = defaultdict(list)
    if any(r.phone_pending and not r.email for r in rows):
        for e164, ids in stored.phones.items():
            for pid in ids:
                by_tail[e164[-7:]].append((pid, e164))
    wanted = set(stored.owners.values())
    for row in rows:
        if not row.email and row.phone_pending:
            wanted.update(pid for pid, _ in by_tail.get(_digits(row.phone)[-7:], ()))
        elif not row.email and row.e164 and len(stored.phones.get(row.e164, ())) == 1:
            wanted.update(stored.phones[row.e164])
    stored.load_people(wanted)

    for row in rows:
        if row.key:
            row.person_id = stored.owners.get(row.key)
            if row.phone_pending:
                info = stored.people.get(row.person_id) if row.person_id else None
                _read_phone(row, info.country if info else DEFAULT_COUNTRY, problems)
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
    for row in rows:
        info = stored.people.get(row.person_id) if row.person_id else None
        if info is not None and info.status != "active":
            state = "anonimizada" if info.status == "anonymized" else "bloqueada"
            row.ok = False
            problems.add(row.number, "correo" if row.key else "telefono",
                         f"la persona está {state} (derechos ARCO) y no se puede actualizar desde un archivo")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _match_pending_phone(row: _Row, stored: _Stored, by_tail, problems: _Problems) -> None:
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
    _read_phone(row, DEFAULT_COUNTRY, problems)
    if row.e164 and not found and len(stored.phones.get(row.e164, ())) == 1:
        row.person_id = next(iter(stored.phones[row.e164]))
        stored.load_people([row.person_id])


def _report_repeats(rows: list[_Row], key, column: str, what: str, problems: _Problems) -> None:
    groups: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        if value := key(row):
            groups[value].append(row)
    for group in groups.values():
        if len(group) < 2:
            continue
        for row in group:
            row.ok = False
            others = [str(r.number) for r in group if r is not row]
            where = f"la fila {others[0]}" if len(others) == 1 else f"las filas {', '.join(others)}"
            problems.add(row.number, column, f"{what} {show(row.values.get(column, ''))} se repite en {where}")


@dataclass(slots=True)
class _Aff:
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


@dataclass
class _Target:
    """A person as the import leaves it: stored state plus the planned changes."""

    person_id: int | None
    names: list[str]
    values: dict = field(default_factory=dict)
    emails: list[list] = field(default_factory=list)  # [id | None, address, key, is_primary, changed]
    phones: list[list] = field(default_factory=list)  # [id | None, e164, is_primary, changed]
    networks: set[str] = field(default_factory=set)
    new_networks: list[str] = field(default_factory=list)
    affiliations: list[_Aff] = field(default_factory=list)  # oldest first
    consent_dates: set[date] = field(default_factory=set)
    new_consents: list[date] = field(default_factory=list)


@dataclass
class _Plan:
    targets: list[_Target] = field(default_factory=list)
    orgs: OrganizationIndex | None = None
    created: int = 0
    updated: int = 0


_FIELDS = (("nombre", "given_name"), ("primer_apellido", "first_surname"), ("segundo_apellido", "second_surname"),
           ("estado", "state"), ("ciudad", "city"))


def _plan(rows: list[_Row], stored: _Stored, problems: _Problems) -> _Plan:
    plan = _Plan()
    if any(r.values.get("organizacion") for r in rows):
        plan.orgs = OrganizationIndex.load()
    matched = {r.person_id for r in rows if r.person_id}
    targets = _load_targets(matched, stored)
    for row in rows:
        if row.person_id:
            plan.updated += 1
            target = targets[row.person_id]
        else:
            plan.created += 1
            target = _Target(None, ["", "", ""], {"second_surname": "", "sex": None, "country": DEFAULT_COUNTRY,
                                                   "state": "", "city": "", "alcaldia": None, "language": "es"})
            if row.ok:
                plan.targets.append(target)
        _plan_row(row, target, plan, problems)
    plan.targets.extend(targets.values())
    return plan


def _plan_row(row: _Row, target: _Target, plan: _Plan, problems: _Problems) -> None:
    values = row.values
    for column, attribute in _FIELDS:
        if values.get(column):
            target.values[attribute] = values[column]
    for name, column in enumerate(("nombre", "primer_apellido", "segundo_apellido")):
        if values.get(column):
            target.names[name] = values[column]
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
        if plan.orgs is None or len(organization) > MAX_LENGTH["organizacion"]:
            return  # too long: already reported
        ref, problem = plan.orgs.get_or_add(organization)
        if problem:
            row.ok = False
            problems.add(row.number, "organizacion", f"{show(organization)}: {problem}")
            return
        new = _Aff(None, ref.id, ref, position)
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


def _load_targets(ids: set[int], stored: _Stored) -> dict[int, _Target]:
    targets = {pid: _Target(pid, list(stored.people[pid].names)) for pid in ids}
    if not targets:
        return targets
    codes = {nid: code for code, nid in stored.networks.items()}
    ids = set(targets)
    for pid, eid, address, key, primary in _where_in(
        select(PersonEmail.person_id, PersonEmail.id, PersonEmail.address, PersonEmail.address_key,
               PersonEmail.is_primary).order_by(PersonEmail.id), PersonEmail.person_id, ids
    ):
        targets[pid].emails.append([eid, address, key, bool(primary), False])
    for pid, phid, e164, primary in _where_in(
        select(PersonPhone.person_id, PersonPhone.id, PersonPhone.e164, PersonPhone.is_primary)
        .order_by(PersonPhone.id), PersonPhone.person_id, ids
    ):
        targets[pid].phones.append([phid, e164, bool(primary), False])
    for pid, nid in _where_in(select(Membership.person_id, Membership.network_id), Membership.person_id, ids):
        targets[pid].networks.add(codes.get(nid, f"#{nid}"))
    for pid, aid, org_id, position in _where_in(
        select(Affiliation.person_id, Affiliation.id, Affiliation.organization_id, Affiliation.position)
        .order_by(Affiliation.created_at, Affiliation.id), Affiliation.person_id, ids
    ):
        targets[pid].affiliations.append(_Aff(aid, org_id, None, position or ""))
    for pid, accepted_at in _where_in(select(Consent.person_id, Consent.accepted_at), Consent.person_id, ids):
        targets[pid].consent_dates.add(_local_date(accepted_at))
    return targets


def _local_date(value) -> date:
    from crm.timeutil import to_local

    return to_local(value).date()


# --- step 3: writing ----------------------------------------------------------------------------


def _write(plan: _Plan, stored: _Stored) -> None:
    """Write the plan with bulk statements (no per-row queries); the caller commits."""
    from crm.contacts.models import PrivacyNotice
    from crm.timeutil import local_midnight_utc, utcnow

    now = utcnow()
    for code in sorted({c for t in plan.targets for c in t.new_networks} - stored.networks.keys()):
        network = Network(code=code, name=catalogs.NETWORKS.get(code, code))
        db.session.add(network)
        db.session.flush()
        stored.networks[code] = network.id
    if plan.orgs is not None:
        plan.orgs.write()

    existing = [t for t in plan.targets if t.person_id is not None]
    new = [t for t in plan.targets if t.person_id is None]
    if new:
        ids = insert_returning_ids(Person, [_person_values(t, now) | {"status": "active", "created_at": now}
                                            for t in new])
        for target, person_id in zip(new, ids, strict=True):
            target.person_id = person_id
    if existing:
        bulk_update(Person, [_person_values(t, now) | {"id": t.person_id} for t in existing])

    emails_new, emails_changed, phones_new, phones_changed = [], [], [], []
    memberships, affiliations_new, affiliations_changed, consents = [], [], [], []
    notice = None
    if any(t.new_consents for t in plan.targets):
        notice = db.session.scalar(select(PrivacyNotice.version)
                                   .order_by(PrivacyNotice.published_at.desc(), PrivacyNotice.id.desc()).limit(1))
    for target in plan.targets:
        pid = target.person_id
        for item_id, address, key, primary, changed in target.emails:
            if item_id is None:
                emails_new.append({"person_id": pid, "address": address, "address_key": key, "is_primary": primary})
            elif changed:
                emails_changed.append({"id": item_id, "is_primary": primary})
        for item_id, e164, primary, changed in target.phones:
            if item_id is None:
                phones_new.append({"person_id": pid, "e164": e164, "is_primary": primary})
            elif changed:
                phones_changed.append({"id": item_id, "is_primary": primary})
        memberships.extend({"person_id": pid, "network_id": stored.networks[code], "status": "active",
                            "source": "import", "joined_at": now} for code in target.new_networks)
        for aff in target.affiliations:
            if aff.id is None:
                affiliations_new.append({"person_id": pid, "position": aff.position, "created_at": now,
                                         "organization_id": aff.org_id if aff.org_id is not None else aff.ref.id})
            elif aff.changed:
                affiliations_changed.append({"id": aff.id, "position": aff.position})
        consents.extend({"person_id": pid, "notice_version": notice or "", "channel": "import", "purpose": "",
                         "accepted_at": local_midnight_utc(day)} for day in target.new_consents)
    for model, rows in ((PersonEmail, emails_changed), (PersonPhone, phones_changed),
                        (Affiliation, affiliations_changed)):
        if rows:
            bulk_update(model, rows)
    for model, rows in ((PersonEmail, emails_new), (PersonPhone, phones_new), (Membership, memberships),
                        (Affiliation, affiliations_new), (Consent, consents)):
        bulk_insert(model, rows)


def _person_values(target: _Target, now) -> dict:
    values = dict(target.values)
    # fold() of the full name, part by part (the parts are clean, so it is the same text)
    values["name_key"] = " ".join(_fold_part(part) for part in target.names if part)[:460]
    values["updated_at"] = now
    return values
