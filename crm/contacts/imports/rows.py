"""Contacts import, step 1: the header and each row on its own (no database).

Text, codes, e-mail syntax and the phones that carry their country (or have a `pais_residencia`) are
read here; every problem is recorded as `row R: COLUMN: message` (R = spreadsheet row, header = 1).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from crm.contacts import catalogs
from crm.contacts.catalogs import COLUMNS
from crm.contacts.exporter import EXPORT_ONLY_COLUMNS
from crm.contacts.phones import normalize_phone, phone_has_country_code
from crm.contacts.services import country_name, email_key, email_problem, resolve_country, resolve_language
from crm.core.errors import Problem
from crm.core.tabular import Table, TableStream
from crm.core.text import clean, fold
from crm.core.timeutil import local_today

REQUIRED = ("nombre", "primer_apellido")
MAX_LENGTH = {"nombre": 150, "primer_apellido": 150, "segundo_apellido": 150, "estado": 150, "ciudad": 150,
              "organizacion": 300, "cargo": 200}
ORDER = {name: index for index, name in enumerate(COLUMNS)}
EXTRA = "\x00extra"  # crm.core.tabular's key for cells to the right of the header
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")  # a date cell may carry a time
_NETWORK_SEPARATORS = re.compile(r"[;,]")
PROGRESS_EVERY = 1000  # rows between calls of the progress callback
# The texts a Row keeps after reading (what planning and writing use; the other cells become typed fields).
KEPT = ("nombre", "primer_apellido", "segundo_apellido", "estado", "ciudad", "organizacion", "cargo")
_KEPT_INDEX = {name: index for index, name in enumerate(KEPT)}


class Kept(tuple):
    """A Row's KEPT texts ("" when empty or absent), read like a dict: a tuple costs half a small dict."""

    __slots__ = ()

    def get(self, name: str, default: str = "") -> str:
        return self[_KEPT_INDEX[name]] or default

# Catalog look-ups fold their text; a file repeats the same few values, so remember them.
_match_sex = lru_cache(maxsize=4096)(catalogs.match_sex)
_match_alcaldia = lru_cache(maxsize=4096)(catalogs.match_alcaldia)
_match_network = lru_cache(maxsize=4096)(catalogs.match_network)


class Problems:
    """The problems of a file, reported sorted by row then column."""

    def __init__(self) -> None:
        self.items: list[tuple[int, int, str, str]] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append((row, ORDER.get(column, -1), column, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def lines(self) -> list[Problem]:
        ordered = sorted(self.items, key=lambda item: (item[0], item[1]))
        return [Problem(row, column, message) for row, _, column, message in ordered]


def show(value: str, limit: int = 60) -> str:
    """A value quoted in a message: cleaned (no control or bidi characters) and shortened."""
    text = clean(value)
    return f"«{text[:limit]}…»" if len(text) > limit else f"«{text}»"


def clean_cell(value: str) -> str:
    # crm.core.text.clean, with a fast path for the common plain cell (same result, ~20x faster).
    if value.isprintable() and "  " not in value:
        return value.strip()
    return clean(value)


# The staff export's opposition columns (one per channel): read-only, so the import accepts and ignores them.
IGNORED_COLUMNS = frozenset(EXPORT_ONLY_COLUMNS)


def ignored_note(header: list[str]) -> str | None:
    """The review's line about the export-only columns of this file, or None when it has none."""
    ignored = [name for name in header if name in IGNORED_COLUMNS]
    if not ignored:
        return None
    return (f"Se ignoraron las columnas {', '.join(ignored)}: son de solo lectura, porque la oposición se "
            "registra en la página de privacidad de cada persona")


def check_header(table: Table | TableStream, problems: Problems) -> set[str]:
    """The known columns of the header; every problem of the header itself (read_rows reports the data
    found under a column without a name)."""
    present: set[str] = set()
    seen: set[str] = set()
    for name in table.header:
        if not clean(name):
            continue  # an empty header over empty cells is harmless (spreadsheets leave such columns)
        if name in seen:
            problems.add(1, clean(name)[:60], "la columna está repetida")
        seen.add(name)
        if name in ORDER:
            present.add(name)
        elif name not in IGNORED_COLUMNS:
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


@dataclass(slots=True)
class Row:
    number: int
    values: dict[str, str]  # while read: every present column; after: a Kept (the texts planning and writing use)
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
    organization: object = None  # the OrgRef of `organizacion`, set when planning a new person


def read_rows(table: Table | TableStream, present: set[str], problems: Problems,
              progress: Callable[[int], None] | None = None) -> list[Row]:
    """Every row of the table read on its own; `progress(n)` is called as rows are read.

    The rows may be a stream: each is read once, and a Row keeps only what the later steps need (the
    texts of KEPT, shared between rows that repeat them), so memory grows by a few hundred bytes a row.
    """
    names = tuple(present)
    reader = _RowReader(present, problems)
    rows = []
    read = reader.read
    unnamed = {name for name in table.header if not clean(name)}
    unnamed_data: set[str] = set()
    kept = tuple((name if name in present else None) for name in KEPT)
    shared: dict[str, str] = {}
    share = shared.setdefault
    for count, (number, cells) in enumerate(table.rows, start=1):
        get = cells.get
        if unnamed:
            unnamed_data.update(name for name in unnamed if clean(get(name, "")))
        raw = [get(name, "") for name in names]
        joined = "|".join(raw)
        if (joined.isprintable() and "  " not in joined and " |" not in joined and "| " not in joined
                and joined[:1] != " " and joined[-1:] != " "):
            values = dict(zip(names, raw, strict=True))  # every cell plain: clean_cell() would return it unchanged
        else:
            values = {name: clean_cell(value) for name, value in zip(names, raw, strict=True)}
        row = read(number, values, bool(get(EXTRA)))
        row.values = Kept([share(text, text) if (text := values[name] if name else "") else "" for name in kept])
        rows.append(row)
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and len(rows) % PROGRESS_EVERY:
        progress(len(rows) % PROGRESS_EVERY)
    for position, name in enumerate(table.header, start=1):
        if name in unnamed_data:
            problems.add(1, f"(columna {position})", "hay datos en una columna sin nombre")
    return rows


class _RowReader:
    def __init__(self, present: set[str], problems: Problems) -> None:
        self.present = present
        self.problems = problems
        self.today = local_today()  # once per file, not once per consent date
        self.required = [name for name in REQUIRED if name in present]
        self.limits = [(name, limit) for name, limit in MAX_LENGTH.items() if name in present]
        self.has_contact_column = bool({"correo", "telefono"} & present)

    def read(self, number: int, values: dict[str, str], extra: bool) -> Row:
        row = Row(number, values)
        problems = self.problems

        def bad(column: str, message: str) -> None:
            row.ok = False
            problems.add(number, column, message)

        if extra:
            bad("(sin encabezado)", "hay datos a la derecha de la última columna con encabezado")
        for name in self.required:
            if not values[name]:
                bad(name, "es obligatorio")
        for name, limit in self.limits:
            if len(values[name]) > limit:
                bad(name, f"es demasiado largo ({len(values[name])} caracteres; máximo {limit})")
        get = values.get

        if text := get("sexo"):
            row.sex = _match_sex(text)
            if row.sex is None:
                bad("sexo", f"valor no reconocido {show(text)}: use mujer, hombre, no_binario o prefiero_no_decir")
        if text := get("correo"):
            row.email = text
            reason = email_problem(text)
            if reason:
                bad("correo", f"dirección no válida {show(text)}: {reason}")
            else:
                key = email_key(text)
                row.key = text if key == text else key  # one string when the address is already lower case
        country_bad = False
        if text := get("pais_residencia"):
            row.country = resolve_country(text)
            if row.country is None:
                country_bad = True
                bad("pais_residencia", f"país no reconocido {show(text)}: use el código ISO (MX, US, ES...) "
                                       "o el nombre en español o inglés")
        if text := get("telefono"):
            row.phone = text
            if phone_has_country_code(text):
                read_phone(row, None, problems)
            elif row.country:
                read_phone(row, row.country, problems)
            elif not country_bad:  # with an invalid country the phone is not reported separately
                row.phone_pending = True
        elif not get("correo") and self.has_contact_column:
            bad("correo", "se requiere correo o telefono")
        if text := get("alcaldia"):
            row.alcaldia = _match_alcaldia(text)
            if row.alcaldia is None:
                bad("alcaldia", f"alcaldía no reconocida {show(text)}: debe ser una de las 16 alcaldías "
                                "de la Ciudad de México")
        if text := get("red"):
            row.networks = self._networks(text, bad)
        if text := get("idioma"):
            row.language = resolve_language(text)
            if row.language is None:
                bad("idioma", f"idioma no reconocido {show(text)}: use un código ISO 639-1 (es, en, fr...)")
        if text := get("consentimiento"):
            row.consent = read_date(text)
            if row.consent is None:
                bad("consentimiento", f"fecha no válida {show(text)}: use AAAA-MM-DD")
            elif row.consent > self.today:
                row.consent = None
                bad("consentimiento", f"la fecha {text} es posterior a hoy")
        return row

    @staticmethod
    def _networks(text: str, bad: Callable[[str, str], None]) -> tuple[str, ...]:
        codes: list[str] = []
        for part in (p.strip() for p in _NETWORK_SEPARATORS.split(text)):
            if not part:
                continue
            code = _match_network(part)
            if code is None:
                bad("red", f"red no reconocida {show(part)}: use rvc (Red Voto Chilango) "
                           "u observacion (Red de Observación), separadas por ;")
            elif code not in codes:
                codes.append(code)
        return tuple(codes)


def read_phone(row: Row, country: str | None, problems: Problems) -> None:
    """Read the row's phone in `country` (None: it carries its own code); an invalid one is a problem."""
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


def read_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
