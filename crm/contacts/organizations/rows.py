"""The organizations file (CONTRACTS.md, "Organizations file"), step 1: the header and each row on its own
(no database). Every problem is a `Problem(row, column, message)`; a row with any problem gives no OrgRow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from crm.contacts.catalogs import ORG_SCOPES
from crm.contacts.organizations.names import MAX_ACRONYM, MAX_NAME, split_organization
from crm.contacts.phones import normalize_phone, phone_has_country_code
from crm.contacts.services import country_name, email_problem, resolve_country
from crm.core.errors import Problem
from crm.core.text import clean, fold_compact

COLUMNS = ("nombre", "siglas", "tipo", "ambito", "pais", "sitio_web", "correo", "telefono", "alta", "baja")
REQUIRED = ("nombre", "tipo")
ORDER = {name: index for index, name in enumerate(COLUMNS)}
EXTRA = "\x00extra"  # crm.core.tabular's key for cells to the right of the header
MAX_WEBSITE, MAX_EMAIL = 300, 254
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?")

# the file's spellings (case, accents, spaces and underscores ignored) -> the stored code
_TYPE_KEYS = {
    **dict.fromkeys(["gubernamental", "gobierno"], "gubernamental"),
    **dict.fromkeys(["academica", "academico"], "academica"),
    "electoral": "electoral",
    "internacional": "internacional",
    **dict.fromkeys(["sociedadcivil", "osc"], "sociedad_civil"),
    **dict.fromkeys(["privada", "privado"], "privada"),
    **dict.fromkeys(["mediosdecomunicacion", "medios", "mediodecomunicacion"], "medios"),
    **dict.fromkeys(["areainterna", "areainternadelinstituto"], "area_interna"),
    "sinclasificar": "sin_clasificar",  # what an export writes for an organization nobody has classified yet
}
TYPE_SPELLINGS = ("gubernamental, académica, electoral, internacional, sociedad civil, privada, "
                  "medios de comunicación o área interna")


def match_type(text: str) -> str | None:
    return _TYPE_KEYS.get(fold_compact(text))


def match_scope(text: str) -> str | None:
    key = fold_compact(text)
    return key if key in ORG_SCOPES else None


def read_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def website_problem(text: str) -> str | None:
    if len(text) > MAX_WEBSITE:
        return f"es demasiado largo (máximo {MAX_WEBSITE} caracteres)"
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in text:
        return f"dirección no válida {show(text)}: escriba una dirección que empiece con http:// o https://"
    return None


def show(value: str, limit: int = 60) -> str:
    text = clean(value)
    return f"«{text[:limit]}…»" if len(text) > limit else f"«{text}»"


@dataclass
class OrgRow:
    """A row read on its own: every value typed; None or "" when the cell was empty."""

    number: int
    name: str
    acronym: str
    type: str
    scope: str | None = None
    country: str | None = None  # None: empty cell (MX for a new organization; the stored one for an update)
    website: str = ""
    email: str = ""
    phone: str = ""  # as written, when it must be read in the stored country
    e164: str | None = None
    began_on: date | None = None
    ended_on: date | None = None


def check_header(header: list[str]) -> list[Problem]:
    problems, seen = [], set()
    for name in header:
        if not clean(name):
            continue
        if name in seen:
            problems.append(Problem(1, clean(name)[:60], "la columna está repetida"))
        seen.add(name)
        if name not in ORDER:
            hint = next((c for c in COLUMNS if fold_compact(c) == fold_compact(name)), None)
            problems.append(Problem(1, clean(name)[:60], "columna desconocida" + (
                f"; ¿quiso decir «{hint}»?" if hint else f"; las columnas válidas son: {', '.join(COLUMNS)}")))
    problems += [Problem(1, name, "falta la columna obligatoria") for name in REQUIRED if name not in seen]
    return problems


def read_row(number: int, cells: dict[str, str], present: frozenset[str] = frozenset(COLUMNS),
             ) -> tuple[OrgRow | None, list[Problem]]:
    """One row of the file: (the typed row, []) or (None, its problems), never an exception. A required column
    missing from the header (`present`) is reported once, by check_header, not on every row."""
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    values = {name: clean(cells.get(name, "")) for name in COLUMNS}
    if cells.get(EXTRA):
        bad("(sin encabezado)", "hay datos a la derecha de la última columna con encabezado")
    if clean(cells.get("", "")):
        bad("(sin encabezado)", "hay datos en una columna sin nombre")
    name, acronym = values["nombre"], values["siglas"]
    if not name and "nombre" in present:
        bad("nombre", "es obligatorio")
    elif not acronym:
        name, acronym = split_organization(name)  # `Instituto Nacional Electoral (INE)` gives both
        acronym = acronym or ""
    if len(name) > MAX_NAME:
        bad("nombre", f"es demasiado largo ({len(name)} caracteres; máximo {MAX_NAME})")
    if len(acronym) > MAX_ACRONYM:
        bad("siglas", f"es demasiado largo ({len(acronym)} caracteres; máximo {MAX_ACRONYM})")
    kind = match_type(values["tipo"]) if values["tipo"] else None
    if not values["tipo"] and "tipo" in present:
        bad("tipo", f"es obligatorio: use {TYPE_SPELLINGS}")
    elif kind is None:
        bad("tipo", f"tipo no reconocido {show(values['tipo'])}: use {TYPE_SPELLINGS}")
    scope = None
    if values["ambito"] and (scope := match_scope(values["ambito"])) is None:
        bad("ambito", f"ámbito no reconocido {show(values['ambito'])}: use local, nacional o internacional")
    country = None
    if values["pais"] and (country := resolve_country(values["pais"])) is None:
        bad("pais", f"país no reconocido {show(values['pais'])}: use el código ISO (MX, US, ES...) "
                    "o el nombre en español o inglés")
    if values["sitio_web"] and (reason := website_problem(values["sitio_web"])):
        bad("sitio_web", reason)
    if values["correo"] and (reason := email_problem(values["correo"]) or (
            f"es demasiado largo (máximo {MAX_EMAIL} caracteres)" if len(values["correo"]) > MAX_EMAIL else None)):
        bad("correo", f"dirección no válida {show(values['correo'])}: {reason}")
    e164, pending = None, ""
    if phone := values["telefono"]:
        if phone_has_country_code(phone) or country:
            e164 = normalize_phone(phone, None if phone_has_country_code(phone) else country)
            if e164 is None:
                where = "" if phone_has_country_code(phone) else f" en {country_name(country)} ({country})"
                bad("telefono", f"{show(phone)} no es un número de teléfono válido{where}; "
                                "si es de otro país, escríbalo con su clave (+...)")
        elif not values["pais"]:
            pending = phone  # read in the stored country (MX for a new organization) when planned
    began = ended = None
    for column in ("alta", "baja"):
        if values[column]:
            day = read_date(values[column])
            if day is None:
                bad(column, f"fecha no válida {show(values[column])}: use AAAA-MM-DD")
            elif column == "alta":
                began = day
            else:
                ended = day
    if began and ended and ended <= began:
        bad("baja", f"la baja ({ended.isoformat()}) debe ser posterior al alta ({began.isoformat()})")
    if problems:
        return None, problems
    return OrgRow(number, name, acronym, kind, scope, country, values["sitio_web"], values["correo"], pending, e164,
                  began, ended), []
