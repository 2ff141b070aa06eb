"""The contacts export: the import's columns with the stored values (CONTRACTS.md, "Contacts file").

A few whole-table queries (no per-person queries), so 100,000 people export in seconds.
Blocked and anonymized people are left out: their data may not be processed (ARCO).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Select, func, select

from crm.contacts.catalogs import COLUMNS, NETWORKS
from crm.contacts.models import (
    Affiliation,
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
from crm.core.tabular import TableError, Verbatim, csv_bytes, write_table, xlsx_bytes
from crm.core.timeutil import to_local

_NETWORK_ORDER = {code: index for index, code in enumerate(NETWORKS)}


def _first_per_person(statement) -> dict[int, object]:
    """person_id -> value of the first row per person (the statement is ordered by person_id first)."""
    first: dict[int, object] = {}
    for person_id, value in db.session.execute(statement):
        first.setdefault(person_id, value)
    return first


def export_rows(only: Select | None = None) -> Iterator[list]:
    """One row per active person, in COLUMNS order, with stored values.

    `only`, a select of person ids (a filtered list), restricts the rows to those people.
    """
    def scoped(statement, column):
        return statement if only is None else statement.where(column.in_(only))

    emails = _first_per_person(scoped(select(PersonEmail.person_id, PersonEmail.address), PersonEmail.person_id)
                               .order_by(PersonEmail.person_id, PersonEmail.is_primary.desc(), PersonEmail.id))
    phones = _first_per_person(scoped(select(PersonPhone.person_id, PersonPhone.e164), PersonPhone.person_id)
                               .order_by(PersonPhone.person_id, PersonPhone.is_primary.desc(), PersonPhone.id))
    networks: dict[int, list[str]] = {}
    for person_id, code in db.session.execute(scoped(
        select(Membership.person_id, Network.code).join(Network, Membership.network_id == Network.id)
        .where(Membership.status == "active"), Membership.person_id)
    ):
        networks.setdefault(person_id, []).append(code)
    affiliations = _latest_affiliations(only)
    consents = dict(db.session.execute(scoped(
        select(Consent.person_id, func.max(Consent.accepted_at)), Consent.person_id).group_by(Consent.person_id)
    ).all())

    people = db.session.execute(scoped(
        select(Person.id, Person.given_name, Person.first_surname, Person.second_surname, Person.sex, Person.country,
               Person.state, Person.city, Person.alcaldia, Person.language)
        .where(Person.status == "active"), Person.id).order_by(Person.id)
    )
    for pid, given, first, second, sex, country, state, city, alcaldia, language in people:
        organization, position = affiliations.get(pid, ("", ""))
        phone = phones.get(pid)
        consent = consents.get(pid)
        codes = sorted(networks.get(pid, []), key=lambda c: (_NETWORK_ORDER.get(c, len(_NETWORK_ORDER)), c))
        yield [
            given, first, second or "", sex or "", emails.get(pid, ""), Verbatim(phone) if phone else "",
            country or "", state or "", city or "", alcaldia or "", ";".join(codes), organization, position,
            language or "", to_local(consent).date().isoformat() if consent else "",
        ]


def _latest_affiliations(only: Select | None = None) -> dict[int, tuple[str, str]]:
    latest: dict[int, tuple[str, str]] = {}
    statement = (select(Affiliation.person_id, Organization.name, Organization.acronym, Affiliation.position)
                 .join(Organization, Affiliation.organization_id == Organization.id))
    if only is not None:
        statement = statement.where(Affiliation.person_id.in_(only))
    for person_id, name, acronym, position in db.session.execute(
        statement.order_by(Affiliation.person_id, Affiliation.created_at.desc(), Affiliation.id.desc())
    ):
        if person_id not in latest:
            latest[person_id] = (f"{name} ({acronym})" if acronym else name, position or "")
    return latest


def export_contacts(path: str | Path, *, actor=None) -> int:
    """Write every active person to FILE (CSV or XLSX by extension); returns the number of rows."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    rows = list(export_rows())
    try:
        write_table(path, COLUMNS, rows)
    except OSError as exc:
        raise TableError(f"no se pudo escribir {path}: {exc.strerror or exc}") from None
    audit.record(actor, "contacts.export", None, {"rows": len(rows), "file": path.name})
    db.session.commit()
    return len(rows)


def export_filtered(f: PeopleFilter, fmt: str, *, actor) -> bytes:
    """The filtered list of people (a staff page's filters) as a "csv" or "xlsx" file, formula-safe; audited."""
    rows = list(export_rows(filtered(select(Person.id), f)))
    body = csv_bytes(COLUMNS, rows) if fmt == "csv" else xlsx_bytes(COLUMNS, rows, sheet_title="personas")
    audit.record(actor, "contacts.export", None, {"rows": len(rows), "format": fmt, "filters": f.as_args()})
    db.session.commit()
    return body
