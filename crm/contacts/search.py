"""Search and filters over people: one query, indexed columns, no N+1.

The text search (`q`) matches a person when every word of the query is contained in the folded name,
or the query is contained in an e-mail (when it has an @), or its digits are contained in a phone.
"Contained" is `LIKE '%x%'`, served by trigram indexes (migration c4f1a2b3d5e6): on PostgreSQL pg_trgm
GIN indexes serve the LIKE itself; on SQLite an FTS5 trigram table per column, queried with MATCH on a
quoted phrase, which for three characters or more is exactly "contains" (shorter words keep the LIKE).
When a query can match in several ways (a phone's digits are also words), each way yields person ids
and the people are one IN over their UNION ALL: the database reads each index once instead of testing
every person against an OR of conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Select, column, false, func, literal_column, select, table, union_all
from sqlalchemy.orm import selectinload

from crm.contacts.models import Membership, Network, Person, PersonEmail, PersonPhone, Tag, person_tag
from crm.core.extensions import db
from crm.core.text import fold

SORTS = {
    "nombre": (Person.name_key.asc(),),
    "-nombre": (Person.name_key.desc(),),
    "pais": (Person.country.asc(), Person.name_key.asc()),
    "recientes": (Person.created_at.desc(), Person.id.desc()),
}


@dataclass
class PeopleFilter:
    q: str = ""
    network: str = ""
    country: str = ""
    state: str = ""
    alcaldia: str = ""
    membership_status: str = ""
    tag: str = ""
    status: str = ""
    sort: str = "nombre"

    # The query-string names of the people pages (/contactos, /redes/<code>, invitation lists).
    ARGS: ClassVar[dict[str, tuple[str, int]]] = {"q": ("q", 200), "network": ("red", 20), "country": ("pais", 2), "state": ("estado", 150),
            "alcaldia": ("alcaldia", 40), "membership_status": ("estatus", 20), "tag": ("etiqueta", 80),
            "sort": ("orden", 20)}

    @classmethod
    def args_from(cls, args) -> dict[str, str]:
        """The filter's fields read (and length-capped) from request arguments."""
        values = {field: (args.get(name) or "")[:limit] for field, (name, limit) in cls.ARGS.items()}
        values["sort"] = values["sort"] or "nombre"
        return values

    def as_args(self) -> dict[str, str]:
        return {name: getattr(self, field) for field, (name, _) in self.ARGS.items()
                if getattr(self, field) and not (field == "sort" and self.sort == "nombre")}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- "contains", through the trigram indexes ----------------------------------------------------

TRIGRAM = 3  # an FTS5 trigram MATCH needs this many characters; shorter terms keep the LIKE
FTS_TABLES = {"person": "person_name_fts", "person_email": "person_email_fts", "person_phone": "person_phone_fts"}


def _phrase(term: str) -> str:
    """An FTS5 query string matching `term` literally: one double-quoted phrase (quotes doubled), so
    operators (OR, NOT, NEAR, *, ^, :, -, parentheses) in user input are plain characters."""
    return '"' + term.replace('"', '""') + '"'


def _fts_rowids(key, terms: list[str]) -> Select:
    """Ids of the rows whose `key` contains every term (each >= 3 characters), from the FTS5 trigram
    table over that column (its rowid is the source row's id)."""
    name = FTS_TABLES[key.table.name]
    fts = table(name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(name).match(" ".join(_phrase(t) for t in terms)))


def _containing(key, terms: list[str], sqlite: bool) -> list:
    """Conditions on `key`'s table: the column contains every one of `terms`."""
    indexed = [t for t in terms if len(t) >= TRIGRAM] if sqlite and key.table.name in FTS_TABLES else []
    conditions = [key.table.c.id.in_(_fts_rowids(key, indexed))] if indexed else []
    return conditions + [key.contains(t, autoescape=True) for t in terms if t not in indexed]


def _phone_like(q: str, digits: str) -> bool:
    return len(digits) >= 6 and len(digits) >= len(q.replace(" ", "")) - 4


def _text_conditions(q: str) -> list:
    """Conditions on Person for the text `q`: names, e-mails, phones. A name search alone stays on Person
    (the database may then also walk the names in order, for words of 1-2 letters that match many);
    several kinds of match become one IN over a UNION ALL of person ids, so each index is read once."""
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    found: list[Select] = []
    if "@" in q:
        found.append(select(PersonEmail.person_id).where(*_containing(PersonEmail.address_key, [q.lower()], sqlite)))
    digits = _digits(q)
    if _phone_like(q, digits):
        found.append(select(PersonPhone.person_id).where(*_containing(PersonPhone.e164, [digits[-10:]], sqlite)))
    words = fold(q).split()
    if words and "@" not in q:
        by_name = _containing(Person.name_key, words, sqlite)
        if not found:
            return by_name
        found.append(select(Person.id).where(*by_name))
    if not found:
        return [false()]
    return [Person.id.in_(found[0] if len(found) == 1 else union_all(*found))]


def people_query(f: PeopleFilter) -> Select:
    """The filtered, sorted list with what the tables show loaded up front (no N+1)."""
    query = filtered(select(Person), f)
    query = query.order_by(*SORTS.get(f.sort, SORTS["nombre"]), Person.id)
    return query.options(selectinload(Person.emails), selectinload(Person.phones),
                         selectinload(Person.memberships))


def filtered(query: Select, f: PeopleFilter) -> Select:
    """Adds the filter's conditions to a select over Person (or over Person's columns)."""
    if f.status:
        query = query.where(Person.status == f.status)
    else:
        query = query.where(Person.status != "anonymized")
    q = (f.q or "").strip()
    if q:
        query = query.where(*_text_conditions(q))
    if f.network or f.membership_status:
        members = select(Membership.person_id).join(Network)
        if f.network:
            members = members.where(Network.code == f.network)
        if f.membership_status:
            members = members.where(Membership.status == f.membership_status)
        query = query.where(Person.id.in_(members))
    if f.country:
        query = query.where(Person.country == f.country.upper())
    if f.state:
        query = query.where(func.lower(Person.state) == f.state.strip().lower())
    if f.alcaldia:
        query = query.where(Person.alcaldia == f.alcaldia)
    if f.tag:
        query = query.where(Person.id.in_(select(person_tag.c.person_id).join(Tag, Tag.id == person_tag.c.tag_id)
                                          .where(Tag.name_key == fold(f.tag))))
    return query
