"""Network members per country of residence and per alcaldía, against the year's reference figures.

Counts only: no person is named. Members are the people whose membership is active today, anonymised people
aside (memberships keep no history of their status, and imported people carry the import's date as their
joining date, so a past year is read against today's members; the year chooses the reference figures). Red Voto Chilango by country of residence, against the voter
credentials delivered abroad; both networks by alcaldía (of origin for people abroad, of residence for
Mexico City residents), against the lista nominal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from crm.contacts.catalogs import ALCALDIAS, NETWORKS
from crm.contacts.countries import country_name
from crm.contacts.models import Membership, Network, Person
from crm.core.extensions import db
from crm.core.text import fold
from crm.program.reference import services as reference

PER = 10_000  # members per 10,000 of the reference figure
COUNTRY_KIND, ALCALDIA_KIND = "credenciales_extranjero_pais", "lista_nominal_alcaldia"
NO_ALCALDIA = ""


@dataclass
class Row:
    key: str
    name: str
    members: int = 0
    reference: int | None = None
    source: str = ""
    by_network: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """Members per 10,000 of the reference, or None without a (non-zero) reference."""
        if not self.reference:
            return None
        return round(self.members * PER / self.reference, 2)


@dataclass
class Table:
    kind: str
    title: str
    key_title: str
    networks: list[str]  # the network codes counted, each a column when more than one
    rows: list[Row]

    @property
    def with_reference(self) -> list[Row]:
        return [r for r in self.rows if r.reference]

    @property
    def total(self) -> Row:
        """The rows that have a reference, summed: their members per 10,000 of their reference."""
        rows = self.with_reference
        return Row("", "Total con cifra de referencia", sum(r.members for r in rows),
                   sum(r.reference for r in rows) if rows else None)

    @property
    def source(self) -> str:
        return "; ".join(sorted({r.source for r in self.rows if r.source}))


def _members(column, networks: list[str]) -> dict[tuple[str, str], int]:
    """(network code, group) -> distinct people with an active membership."""
    query = (select(Network.code, column, func.count(func.distinct(Person.id)))
             .join(Membership, Membership.person_id == Person.id)
             .join(Network, Network.id == Membership.network_id)
             .where(Network.code.in_(networks), Membership.status == "active", Person.status != "anonymized")
             .group_by(Network.code, column))
    return {(code, group or NO_ALCALDIA): count for code, group, count in db.session.execute(query)}


def _people(column, networks: list[str]) -> dict[str, int]:
    """group -> distinct people active in any of the networks (a person in both counts once)."""
    query = (select(column, func.count(func.distinct(Person.id)))
             .join(Membership, Membership.person_id == Person.id)
             .join(Network, Network.id == Membership.network_id)
             .where(Network.code.in_(networks), Membership.status == "active", Person.status != "anonymized")
             .group_by(column))
    return {group or NO_ALCALDIA: count for group, count in db.session.execute(query)}


def _sorted(rows: list[Row]) -> list[Row]:
    """Highest coverage first; rows without a reference after, by members; the unknown group last."""
    return sorted(rows, key=lambda r: (r.key == NO_ALCALDIA, r.rate is None, -(r.rate or 0), -r.members, fold(r.name)))


def by_country(year: int) -> Table:
    figures = reference.figures(year, COUNTRY_KIND)
    members = _people(Person.country, ["rvc"])
    rows = [Row(code, country_name(code), members.get(code, 0),
                figures[code].value if code in figures else None, figures[code].source if code in figures else "",
                {"rvc": members.get(code, 0)})
            for code in sorted(set(members) | set(figures))]
    return Table(COUNTRY_KIND, "Red Voto Chilango por país de residencia", "País", ["rvc"], _sorted(rows))


def by_alcaldia(year: int) -> Table:
    figures = reference.figures(year, ALCALDIA_KIND)
    column = func.coalesce(Person.origin_alcaldia, Person.alcaldia)
    networks = list(NETWORKS)
    per_network = _members(column, networks)
    people = _people(column, networks)
    keys = [a for a in ALCALDIAS] + sorted(set(people) - set(ALCALDIAS) - {NO_ALCALDIA})
    if NO_ALCALDIA in people:
        keys.append(NO_ALCALDIA)
    rows = [Row(key, key or "Sin alcaldía registrada", people.get(key, 0),
                figures[key].value if key in figures else None, figures[key].source if key in figures else "",
                {code: per_network.get((code, key), 0) for code in networks})
            for key in keys]
    return Table(ALCALDIA_KIND, "Ambas redes por alcaldía de origen", "Alcaldía", networks, _sorted(rows))


def coverage(year: int) -> list[Table]:
    return [by_country(year), by_alcaldia(year)]


CSV_HEADER = ("desglose", "clave", "nombre", "red_voto_chilango", "red_observacion", "integrantes",
              "cifra_referencia", "integrantes_por_10000", "fuente")


def csv_rows(tables: list[Table]) -> list[list[object]]:
    """The download: one line per row of both tables (counts only)."""
    lines: list[list[object]] = []
    for table in tables:
        what = "pais" if table.kind == COUNTRY_KIND else "alcaldia"
        for row in table.rows:
            lines.append([what, row.key, row.name, row.by_network.get("rvc", ""),
                          row.by_network.get("observacion", ""), row.members,
                          "" if row.reference is None else row.reference,
                          "" if row.rate is None else f"{row.rate:.2f}", row.source])
    return lines
