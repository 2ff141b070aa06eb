"""Reading an XLSForm workbook's sheets: guarded loading (.xlsx and .xls), headers with language columns, cells."""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field
from datetime import time

from crm.core.errors import Problem
from crm.core.tabular import MAX_COLUMNS, TableError, TooManyRows, open_xlsx, sheet_rows
from surveys.xlsform.languages import MAX_LANGUAGE
from surveys.xlsform.model import (
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    MEDIA_COLUMNS,
    SHEETS,
    SILENT_SETTINGS,
    STANDARD_IGNORED,
    TRANSLATABLE,
    cell_text,
    parse_language,
)

# Other spellings of the standard's columns (pyxform's aliases), after lower-casing and snake_casing
ALIASES = {
    "survey": {"relevance": "relevant", "readonly": "read_only", "constraining_message": "constraint_message",
               "jr:constraintmsg": "constraint_message", "calculate": "calculation", "count": "repeat_count",
               "jr:count": "repeat_count", "requiredmsg": "required_message", "jr:requiredmsg": "required_message",
               "caption": "label"},
    "choices": {"caption": "label"},
    "settings": {"set_form_title": "form_title", "set_form_id": "form_id"},
}
# `bind::ATTRIBUTE` (and `bind:ATTRIBUTE`) spellings of the logic columns
BIND_ATTRIBUTES = {"relevant": "relevant", "constraint": "constraint", "jr:constraintmsg": "constraint_message",
                   "jr:requiredmsg": "required_message", "readonly": "read_only", "calculate": "calculation",
                   "required": "required"}


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
        # `SHEET row R: message`: a workbook's rows are not a data file's, so the line is the message; a line
        # is said once (a loop's rows are read once per choice)
        lines = dict.fromkeys(line for *_, line in sorted(self.problems))
        return [Problem(None, None, line) for line in lines]


@dataclass
class Columns:
    """Where each known column sits in a sheet: simple[name] = index; texts[(kind, lang)] = [(explicit, index)]."""

    simple: dict[str, int] = field(default_factory=dict)
    texts: dict[tuple[str, str], list[tuple[bool, int]]] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)  # the choices sheet's other columns, as written
    media: list[int] = field(default_factory=list)  # image/audio/video/media columns (files not uploaded)

    def languages(self, kind: str) -> list[str]:
        return [lang for (k, lang) in self.texts if k == kind]


PROBLEM = "\x00problem"  # a sheet that could not be read: its rows are [(PROBLEM, row, message)]


def sheet_problem(rows: list[tuple]) -> tuple[int, str] | None:
    """(row, message) when load_sheets could not read the sheet, else None."""
    if rows and rows[0][:1] == (PROBLEM,):
        return rows[0][1], rows[0][2]
    return None


def _sheet(sheet) -> list[tuple]:
    """A read-only sheet's rows, bounded: MAX_ROWS rows (else one problem), MAX_COLUMNS columns (cells right
    of them are dropped as they are read: XLSForm reads only the cells under a header, as pyxform does)."""
    try:
        return [cells for _, cells in sheet_rows(sheet, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                                                 beyond="ignore")]
    except TooManyRows:
        return [(PROBLEM, 1, "la hoja tiene demasiadas filas")]


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the signature of an .xls (BIFF) workbook


def _xls_cell(cell, datemode: int) -> object:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_TEXT:
        return cell.value
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            if 0 <= cell.value < 1:  # a time of day, as openpyxl gives it
                return time(*xlrd.xldate_as_tuple(cell.value, datemode)[3:])
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    return None  # empty, blank, error


def _xls_rows(sheet, datemode: int) -> list[tuple]:
    if sheet.nrows > MAX_ROWS:
        return [(PROBLEM, 1, "la hoja tiene demasiadas filas")]
    rows = []
    for index in range(sheet.nrows):
        cells = [_xls_cell(cell, datemode) for cell in sheet.row(index)]
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(tuple(cells))
    return rows


def load_xls_sheets(data: bytes) -> dict[str, tuple[str, list[tuple]]]:
    """The sheets of an .xls workbook (read with xlrd), as load_sheets gives them."""
    import xlrd

    sheets: dict[str, tuple[str, list[tuple]]] = {}
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except Exception as exc:
        raise TableError(f"no se pudo leer el libro XLS: {type(exc).__name__}") from None
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            key = sheet.name.strip().lower()
            if key not in sheets:
                sheets[key] = (sheet.name, _xls_rows(sheet, book.datemode))
            book.unload_sheet(index)
    except Exception as exc:
        raise TableError(f"no se pudo leer el libro XLS: {type(exc).__name__}") from None
    finally:
        book.release_resources()
    return sheets


def load_sheets(data: bytes) -> dict[str, tuple[str, list[tuple]]]:
    """Every sheet's title and rows (tuples as long as their last cell; `()` for a row missing from the file),
    read in streaming mode without trusting the sheets' dimensions (see crm.core.tabular.sheet_rows).
    An .xls workbook is read with xlrd."""
    if data[:8] == OLE2:
        return _as_pyxform_reads(load_xls_sheets(data))
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
    return _as_pyxform_reads(sheets)


MAX_ADJACENT_EMPTY_ROWS = 60  # pyxform 4.5 takes a longer run of empty rows as the end of the sheet


def _data_rows(rows: list[tuple]) -> list[tuple]:
    """A sheet's rows as pyxform reads them: cells under no header are not read, and the sheet ends at a
    run of more than MAX_ADJACENT_EMPTY_ROWS empty rows."""
    if not rows or sheet_problem(rows):
        return rows
    headed = [index for index, cell in enumerate(rows[0]) if cell_text(cell)]
    out, empty = [rows[0]], 0
    for cells in rows[1:]:
        if any(index < len(cells) and cell_text(cells[index]) for index in headed):
            empty = 0
        elif empty == MAX_ADJACENT_EMPTY_ROWS:
            break
        else:
            empty += 1
        out.append(cells)
    return out


def _as_pyxform_reads(sheets: dict[str, tuple[str, list[tuple]]]) -> dict[str, tuple[str, list[tuple]]]:
    """Each sheet's rows per _data_rows; a workbook of one sheet not named survey/choices/settings is the
    survey (as pyxform reads it)."""
    sheets = {key: (title, _data_rows(rows)) for key, (title, rows) in sheets.items()}
    if len(sheets) == 1 and not set(sheets) & set(SHEETS):
        (title, rows), = sheets.values()
        sheets = {"survey": (title, rows)}
    return sheets


def split_header(raw: str, double_colon: bool, sheet: str) -> tuple[str, str | None]:
    """A header -> (column, language text or None), as pyxform splits it: on `::`, or on `:` in a sheet where no
    header has `::` (`label:English`, `bind:jr:constraintMsg`); the column lower-cased, snake_cased, dealiased."""
    if double_colon or "::" in raw:
        tokens = [t.strip() for t in raw.split("::")]
    else:
        tokens = [t.strip() for t in raw.split(":")]
        lowered = [t.lower() for t in tokens]
        if "jr" in lowered[:-1]:
            at = lowered.index("jr")
            tokens = [*tokens[:at], f"jr:{tokens[at + 1]}", *tokens[at + 2:]]
    base = "_".join(tokens[0].split()).lower()
    rest = tokens[1:]
    if base == "bind" and rest and rest[0].lower() in BIND_ATTRIBUTES:
        base, rest = BIND_ATTRIBUTES[rest[0].lower()], rest[1:]
    base = ALIASES.get(sheet, {}).get(base, base)
    lang = "::".join(rest).strip() if rest else ""
    return base, (lang or None)


def _language_column(sheet: str, raw: str, index: int, base: str, lang_text: str | None, default_lang: str,
                     columns: Columns, report: Report) -> None:
    lang = parse_language(lang_text) if lang_text is not None else default_lang
    if lang is None:
        report.error(sheet, 1, f"idioma no reconocido en la columna «{raw}» (escriba el idioma por su nombre o "
                               "su código, por ejemplo label::Español (es), label::English (en) o label::pt-BR)")
        return
    if len(lang) > MAX_LANGUAGE:
        report.error(sheet, 1, f"el código de idioma «{lang}» de la columna «{raw}» supera {MAX_LANGUAGE} "
                               "caracteres; use el código corto del idioma")
        return
    slots = columns.texts.setdefault((base, lang), [])
    explicit = lang_text is not None
    if any(was_explicit == explicit for was_explicit, _ in slots):
        report.error(sheet, 1, f"la columna «{raw}» repite el idioma «{lang}»")
        return
    slots.append((explicit, index))
    if base in ("label", "hint") and lang not in report.languages:
        report.languages.append(lang)


def read_header(sheet: str, header_row: tuple, known: tuple[str, ...], default_lang: str,
                 report: Report) -> Columns:
    columns = Columns()
    seen: dict[tuple[str, str | None], int] = {}
    texts = [cell_text(cell) for cell in header_row]
    double_colon = any("::" in text for text in texts)
    for index, raw in enumerate(texts):
        if not raw:
            continue
        base, lang_text = split_header(raw, double_colon, sheet)
        if (base, lang_text) in seen:
            report.error(sheet, 1, f"la columna «{raw}» está repetida")
            continue
        seen[(base, lang_text)] = index
        if base in TRANSLATABLE and base in known:
            _language_column(sheet, raw, index, base, lang_text, default_lang, columns, report)
        elif base in known and lang_text is None:
            columns.simple[base] = index
        elif base in STANDARD_IGNORED.get(sheet, set()) or (sheet == "settings" and base in SILENT_SETTINGS):
            if base in MEDIA_COLUMNS:
                columns.media.append(index)
            if base not in SILENT_SETTINGS:
                report.warnings.append(f"{sheet}: columna «{raw}» no admitida por la plataforma; se ignora")
        elif sheet == "choices":  # kept with each choice: choice filters read it
            columns.extra[raw] = index
            if hint := suggest(base, known):
                report.warnings.append(f"choices: columna desconocida «{raw}» guardada como columna adicional "
                                       f"de las opciones{hint}")
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
