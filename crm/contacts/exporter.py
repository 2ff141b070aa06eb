"""The contacts export: the import's columns with the stored values (CONTRACTS.md, "Contacts file").

People are read in blocks of BLOCK ids (a keyset over the person id), each block with a few range queries
for e-mails, phones, networks, affiliations, consents (and oppositions): no per-person query, and memory
that does not grow with the directory, so 350,000 people stream to the file in constant memory.
Blocked and anonymized people are left out: their data may not be processed (ARCO).

Two exports share the rows:
- `contacts export FILE` (CLI) writes exactly the import's columns (COLUMNS), so the file imports back;
- the staff download of a filtered list adds one opposition column per channel (STAFF_COLUMNS): `sí` when
  the person opposed being contacted on it. The import accepts these export-only columns and ignores them
  (opposition is recorded on the person's privacy page, never by a file).
A staff download of more than crm.exports' inline limit runs as a background job ("personas").
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Select, func, select

from crm.auth.models import User
from crm.contacts.catalogs import COLUMNS, NETWORKS
from crm.contacts.models import (
    Affiliation,
    ChannelPreference,
    Consent,
    Membership,
    Network,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
)
from crm.contacts.search import PeopleFilter, filtered
from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import TableError, Verbatim
from crm.core.timeutil import to_local
from crm.exports.kinds import ExportKind, register_export
from crm.exports.writers import Progress, write_export

BLOCK = 5_000  # people per block of queries
# One column per channel of ChannelPreference (crm/contacts/models.py), in the order the privacy page lists them.
OPPOSITION_COLUMNS = {"email": "oposicion_correo", "whatsapp": "oposicion_whatsapp", "phone": "oposicion_telefono"}
EXPORT_ONLY_COLUMNS = tuple(OPPOSITION_COLUMNS.values())  # the import accepts and ignores them
STAFF_COLUMNS = (*COLUMNS, *EXPORT_ONLY_COLUMNS)
EXPORT_KIND = "personas"
_NETWORK_ORDER = {code: index for index, code in enumerate(NETWORKS)}


def _first_per_person(statement) -> dict[int, object]:
    """person_id -> value of the first row per person (the statement is ordered by person_id first)."""
    first: dict[int, object] = {}
    for person_id, value in db.session.execute(statement):
        first.setdefault(person_id, value)
    return first


def _block_people(only: Select | None, after: int) -> list:
    statement = (select(Person.id, Person.given_name, Person.first_surname, Person.second_surname, Person.sex,
                        Person.country, Person.state, Person.city, Person.alcaldia, Person.language)
                 .where(Person.status == "active", Person.id > after).order_by(Person.id).limit(BLOCK))
    if only is not None:
        statement = statement.where(Person.id.in_(only))
    return db.session.execute(statement).all()


class _Block:
    """What the people of ids low..high have besides their own row, read with one range query each."""

    def __init__(self, low: int, high: int, opposition: bool) -> None:
        def within(column):
            return column.between(low, high)

        self.emails = _first_per_person(select(PersonEmail.person_id, PersonEmail.address)
                                        .where(within(PersonEmail.person_id))
                                        .order_by(PersonEmail.person_id, PersonEmail.is_primary.desc(), PersonEmail.id))
        self.phones = _first_per_person(select(PersonPhone.person_id, PersonPhone.e164)
                                        .where(within(PersonPhone.person_id))
                                        .order_by(PersonPhone.person_id, PersonPhone.is_primary.desc(), PersonPhone.id))
        self.networks: dict[int, list[str]] = {}
        for person_id, code in db.session.execute(
                select(Membership.person_id, Network.code).join(Network, Membership.network_id == Network.id)
                .where(Membership.status == "active", within(Membership.person_id))):
            self.networks.setdefault(person_id, []).append(code)
        self.affiliations: dict[int, tuple[str, str]] = {}
        for person_id, name, acronym, position in db.session.execute(
                select(Affiliation.person_id, Organization.name, Organization.acronym, Affiliation.position)
                .join(Organization, Affiliation.organization_id == Organization.id)
                .where(within(Affiliation.person_id))
                .order_by(Affiliation.person_id, Affiliation.created_at.desc(), Affiliation.id.desc())):
            if person_id not in self.affiliations:
                self.affiliations[person_id] = (f"{name} ({acronym})" if acronym else name, position or "")
        self.consents = dict(db.session.execute(
            select(Consent.person_id, func.max(Consent.accepted_at)).where(within(Consent.person_id))
            .group_by(Consent.person_id)).all())
        self.opposed: dict[int, set[str]] = {}
        if opposition:
            for person_id, channel in db.session.execute(
                    select(ChannelPreference.person_id, ChannelPreference.channel)
                    .where(ChannelPreference.opted_out.is_(True), within(ChannelPreference.person_id))):
                self.opposed.setdefault(person_id, set()).add(channel)


def export_rows(only: Select | None = None, *, opposition: bool = False) -> Iterator[list]:
    """One row per active person, in COLUMNS order (STAFF_COLUMNS with `opposition`), with stored values.

    `only`, a select of person ids (a filtered list), restricts the rows to those people.
    """
    after = 0
    while people := _block_people(only, after):
        block = _Block(people[0][0], people[-1][0], opposition)
        for pid, given, first, second, sex, country, state, city, alcaldia, language in people:
            organization, position = block.affiliations.get(pid, ("", ""))
            phone = block.phones.get(pid)
            consent = block.consents.get(pid)
            codes = sorted(block.networks.get(pid, []), key=lambda c: (_NETWORK_ORDER.get(c, len(_NETWORK_ORDER)), c))
            row = [given, first, second or "", sex or "", block.emails.get(pid, ""), Verbatim(phone) if phone else "",
                   country or "", state or "", city or "", alcaldia or "", ";".join(codes), organization, position,
                   language or "", to_local(consent).date().isoformat() if consent else ""]
            if opposition:
                opposed = block.opposed.get(pid, ())
                row += ["sí" if channel in opposed else "" for channel in OPPOSITION_COLUMNS]
            yield row
        after = people[-1][0]


def export_contacts(path: str | Path, *, actor=None) -> int:
    """Write every active person to FILE (CSV or XLSX by extension), the import's columns; returns the rows."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    count = write_export(path, fmt, COLUMNS, export_rows())
    audit.record(actor, "contacts.export", None, {"rows": count, "file": path.name})
    db.session.commit()
    return count


def count_filtered(f: PeopleFilter) -> int:
    """How many rows the staff export of this filtered list has (active people only)."""
    return db.session.scalar(select(func.count()).select_from(
        filtered(select(Person.id), f).where(Person.status == "active").subquery())) or 0


def write_filtered(params: dict, fmt: str, path: Path, actor: User, progress: Progress | None = None) -> int:
    """The filtered list (`params`: the page's query arguments) to FILE, with the opposition columns; audited."""
    f = PeopleFilter(**PeopleFilter.args_from(params))
    count = write_export(path, fmt, STAFF_COLUMNS, export_rows(filtered(select(Person.id), f), opposition=True),
                         sheet_title="personas", progress=progress)
    audit.record(actor, "contacts.export", None, {"rows": count, "format": fmt, "filters": f.as_args()})
    db.session.commit()
    return count


def export_filtered(f: PeopleFilter, fmt: str, *, actor) -> bytes:
    """The filtered list as "csv" or "xlsx" bytes, for a download inside the request (small lists); audited."""
    with tempfile.TemporaryDirectory(prefix="vinculo-export-") as folder:
        path = Path(folder) / f"personas.{fmt}"
        write_filtered(f.as_args(), fmt, path, actor)
        return path.read_bytes()


def register() -> None:
    """The background export of a filtered list (crm.exports), called by the composition root."""
    register_export(EXPORT_KIND, ExportKind("Personas (lista filtrada)", write_filtered))
