"""Reading an XLSForm workbook's sheets: guarded loading, headers with language columns, cells, types."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from crm.core.errors import Problem
from crm.core.tabular import MAX_COLUMNS, TableError, TooManyColumns, TooManyRows, open_xlsx, sheet_rows
from surveys.xlsform.model import (
    IGNORED_TYPES,
    MAX_NAME,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    SELECT_PREFIXES,
    SHEETS,
    SILENT_SETTINGS,
    STANDARD_IGNORED,
    TRANSLATABLE,
    TYPE_ALIASES,
    UNSUPPORTED_TYPES,
    cell_text,
    parse_language,
)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.6)
    return f" (¿quiso decir «{close[0]}»?)" if close else ""


# --------------------------------------------------------------------------- reading

class Report:
    def __init__(self) -> None:
        self.problems: list[tuple[int, int, int, str]] = []
        self.warnings: list[str] = []
        self.languages: list[str] = []  # languages of the label/hint columns, in order

    def error(self, sheet: str, row: int, message: str) -> None:
        order = SHEETS.index(sheet) if sheet in SHEETS else len(SHEETS)
        self.problems.append((order, row, len(self.problems), f"{sheet} row {row}: {message}"))

    def lines(self) -> list[Problem]:
        # `SHEET row R: message`: a workbook's rows are not a data file's, so the line is the message
        return [Problem(None, None, line) for *_, line in sorted(self.problems)]


@dataclass
class Columns:
    """Where each known column sits in a sheet: simple[name] = index; texts[(kind, lang)] = [(explicit, index)]."""

    simple: dict[str, int] = field(default_factory=dict)
    texts: dict[tuple[str, str], list[tuple[bool, int]]] = field(default_factory=dict)

    def languages(self, kind: str) -> list[str]:
        return [lang for (k, lang) in self.texts if k == kind]


PROBLEM = "\x00problem"  # a sheet that could not be read: its rows are [(PROBLEM, row, message)]


def sheet_problem(rows: list[tuple]) -> tuple[int, str] | None:
    """(row, message) when load_sheets could not read the sheet, else None."""
    if rows and rows[0][:1] == (PROBLEM,):
        return rows[0][1], rows[0][2]
    return None


def _sheet(sheet) -> list[tuple]:
    """A read-only sheet's rows, bounded: MAX_ROWS rows, MAX_COLUMNS columns (else one problem)."""
    try:
        return [cells for _, cells in sheet_rows(sheet, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)]
    except TooManyRows:
        return [(PROBLEM, 1, "la hoja tiene demasiadas filas")]
    except TooManyColumns as exc:
        return [(PROBLEM, exc.row, f"la celda {exc.column}{exc.row} está más allá de la columna {exc.last} "
                                   f"(máximo {MAX_COLUMNS} columnas): borre las columnas sobrantes")]


def load_sheets(data: bytes) -> dict[str, tuple[str, list[tuple]]]:
    """Every sheet's title and rows (tuples as long as their last cell; `()` for a row missing from the file),
    read in streaming mode without trusting the sheets' dimensions (see crm.core.tabular.sheet_rows)."""
    workbook = open_xlsx(data, read_only=True, max_uncompressed=MAX_UNCOMPRESSED)
    sheets: dict[str, tuple[str, list[tuple]]] = {}
    try:
        for sheet in workbook.worksheets:
            key = sheet.title.strip().lower()
            if key not in sheets:
                sheets[key] = (sheet.title, _sheet(sheet))
    except Exception as exc:
        raise TableError(f"no se pudo leer el libro XLSX: {type(exc).__name__}") from None
    finally:
        workbook.close()
    return sheets


def read_header(sheet: str, header_row: tuple, known: tuple[str, ...], default_lang: str,
                 report: Report) -> Columns:
    columns = Columns()
    seen: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        raw = cell_text(cell)
        if not raw:
            continue
        base, sep, lang_text = raw.partition("::")
        base = base.strip().lower()
        key = f"{base}::{lang_text.strip()}" if sep else base
        if key in seen:
            report.error(sheet, 1, f"la columna «{raw}» está repetida")
            continue
        seen[key] = index
        if base in TRANSLATABLE and base in known:
            lang = parse_language(lang_text) if sep else default_lang
            if lang is None:
                report.error(sheet, 1, f"idioma no reconocido en la columna «{raw}» "
                                       "(escriba, por ejemplo, label::Español (es) o label::English (en))")
                continue
            slots = columns.texts.setdefault((base, lang), [])
            if any(explicit == bool(sep) for explicit, _ in slots):
                report.error(sheet, 1, f"la columna «{raw}» repite el idioma «{lang}»")
                continue
            slots.append((bool(sep), index))
            if lang not in report.languages:
                report.languages.append(lang)
        elif base in known and not sep:
            columns.simple[base] = index
        elif base in STANDARD_IGNORED.get(sheet, set()) or (sheet == "settings" and base in SILENT_SETTINGS):
            if base not in SILENT_SETTINGS:
                report.warnings.append(f"{sheet}: columna «{raw}» no admitida por la plataforma; se ignora")
        else:
            report.warnings.append(f"{sheet}: columna desconocida «{raw}» ignorada{suggest(base, known)}")
    return columns


def column_texts(columns: Columns, kind: str, cells: tuple) -> dict[str, str]:
    out: dict[str, str] = {}
    for (k, lang), slots in columns.texts.items():
        if k != kind:
            continue
        for _, index in sorted(slots, key=lambda s: not s[0]):  # explicit language column first
            value = cell_text(cells[index]) if index < len(cells) else ""
            if value:
                out[lang] = value
                break
    return out


def cell_value(columns: Columns, name: str, cells: tuple) -> object:
    index = columns.simple.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def parse_type(raw: str) -> tuple[str | None, str | None, str | None]:
    """-> (type, list_name, problem). type None and problem None means "ignore this row"."""
    text = " ".join(raw.split())
    lower = text.lower()
    for prefix, kind in SELECT_PREFIXES:
        if lower.startswith(prefix):
            rest = text[len(prefix):].split(" ")
            if len(rest) > 1 and rest[1].lower() == "or_other":
                return None, None, f"«{short(text)}»: «or_other» no se admite; agregue una opción «other» a la lista"
            if len(rest) != 1:
                return None, None, f"tipo «{short(text)}» no válido: escriba {kind} seguido del nombre de una lista"
            if len(rest[0]) > MAX_NAME:
                return None, None, f"el nombre de lista «{short(rest[0])}» es demasiado largo"
            return kind, rest[0], None
    if lower in ("select_one", "select one", "select_multiple", "select multiple"):
        return None, None, f"tipo «{text}» sin lista: escriba, por ejemplo, «{lower.replace(' ', '_')} opciones»"
    if lower in TYPE_ALIASES:
        return TYPE_ALIASES[lower], None, None
    if lower in IGNORED_TYPES:
        return None, None, None
    if lower.split(" ")[0] in UNSUPPORTED_TYPES or lower in UNSUPPORTED_TYPES:
        return None, None, f"el tipo «{short(text)}» no se admite (tipos admitidos: {', '.join(SUPPORTED)})"
    hint = suggest(lower, [*TYPE_ALIASES, "select_one", "select_multiple"])
    return None, None, f"tipo desconocido «{short(text)}»{hint}"


SUPPORTED = ("select_one LISTA", "select_multiple LISTA", "text", "integer", "decimal", "date", "note",
              "begin_group", "end_group")


