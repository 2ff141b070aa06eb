"""Reading and writing CSV/XLSX tables for imports and exports.

One place for the rules of CONTRACTS.md: UTF-8 with or without BOM, first sheet
of an XLSX, spreadsheet row numbers (header = row 1), formula neutralisation on
export and its reversal on import.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # zip-bomb guard
MAX_ROWS = 500_000  # data rows (the header aside)
MAX_COLUMNS = 1024  # A..AMJ, as far as LibreOffice goes


class TableError(Exception):
    """The file cannot be read at all (one clear line for the user)."""


class Verbatim(str):
    """A value the platform validated itself (E.164 phone, number): exported as it is."""

    __slots__ = ()


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (spreadsheet row, cells)


def neutralize(value: str) -> str:
    """OWASP CSV injection: a leading `'` before = + - @ tab CR, or before `'` + one of those."""
    if value.startswith(DANGEROUS_START) or (len(value) > 1 and value[0] == "'" and value[1:].startswith(DANGEROUS_START)):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """Imports remove one leading `'` that precedes a dangerous character or another `'`."""
    if len(value) > 1 and value[0] == "'" and (value[1] == "'" or value[1:].startswith(DANGEROUS_START)):
        return value[1:]
    return value


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


class TooManyRows(TableError):
    """A sheet or file goes on past the row limit (counted as the spreadsheet counts, blank rows too)."""


class TooManyColumns(TableError):
    """A row has a cell right of the column limit; `row` is its spreadsheet row, `column` the cell's letter."""

    def __init__(self, row: int, width: int, max_columns: int) -> None:
        from openpyxl.utils import get_column_letter

        self.row, self.column = row, get_column_letter(width)
        self.last = get_column_letter(max_columns)
        super().__init__(f"la fila {row} tiene una celda en la columna {self.column}, más allá de la columna "
                         f"{self.last} (máximo {max_columns} columnas): borre las columnas sobrantes")


def sheet_rows(sheet, *, max_rows: int, max_columns: int = MAX_COLUMNS,
               beyond: str = "refuse") -> Iterator[tuple[int, tuple]]:
    """The numbered rows of a read-only openpyxl sheet, in time and memory bounded by what the file holds.

    The sheet's dimension is not trusted (a 5 KB file may claim A1:XFD1048576): rows come as long as
    their last cell, a row missing from the file comes as `()`. Past `max_rows` (blank rows count, so a far
    cell stops the reading at once) raises TooManyRows; a cell right of `max_columns` raises TooManyColumns,
    or with `beyond="ignore"` is dropped as its row arrives (the row keeps its first `max_columns` cells, up to
    its last non-empty one): a format that reads only the columns under its headers (XLSForm) ignores them.
    """
    if beyond not in ("refuse", "ignore"):
        raise ValueError(f"beyond must be 'refuse' or 'ignore', not {beyond!r}")
    sheet.reset_dimensions()
    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > max_rows:
            raise TooManyRows(f"el archivo tiene más de {max_rows - 1} filas")
        if len(cells) > max_columns:
            if beyond == "refuse":
                raise TooManyColumns(number, len(cells), max_columns)
            width = max_columns
            while width and cells[width - 1] is None:
                width -= 1
            cells = cells[:width]
        yield number, cells


@dataclass
class TableStream:
    """A table read as it goes: the header now, the non-blank rows (as in `Table.rows`) when iterated.

    Reading may still raise TableError while the rows are iterated (a malformed CSV line, a far cell).
    """

    header: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]


def _stream(raw_rows: Iterator[tuple[int, Sequence[object]]], *, text_cells: bool = False) -> TableStream:
    """The header of a sheet's rows, and its non-blank rows as dicts of trimmed text.

    `text_cells`: every cell is already a `str` (CSV), so the per-cell conversion is skipped.
    """
    try:
        _, header_cells = next(raw_rows)
    except StopIteration:
        raise TableError("el archivo está vacío: falta la fila de encabezados") from None
    header = [_cell_text(c).strip() for c in header_cells]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise TableError("el archivo no tiene encabezados en la primera fila")
    return TableStream(header, (_text_rows if text_cells else _value_rows)(header, raw_rows))


def _value_rows(header: list[str], raw_rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[tuple[int, dict]]:
    for number, cells in raw_rows:
        if not cells:  # a row missing from the sheet
            continue
        yield from _text_rows(header, ((number, [_cell_text(c) for c in cells]),))


def _text_rows(header: list[str], raw_rows: Iterable[tuple[int, Sequence[str]]]) -> Iterator[tuple[int, dict]]:
    """The non-blank rows as dicts of trimmed text (one leading `'` of a neutralised cell removed)."""
    width = len(header)
    padding = [""] * width
    for number, cells in raw_rows:
        stripped = [c.strip() for c in cells]
        if not any(stripped):
            continue
        values = stripped[:width]
        if len(values) < width:
            values += padding[len(values):]
        if "'" in "".join(values):  # only a cell that starts with ' can be neutralised
            values = [unneutralize(v) if v[:1] == "'" else v for v in values]
        row = dict(zip(header, values, strict=True))
        if len(cells) > width:
            extra = [t for t, s in zip(cells[width:], stripped[width:], strict=True) if s]
            if extra:
                row["\x00extra"] = "|".join(extra)
        yield number, row


NOT_UTF8 = "el archivo CSV no está en UTF-8 (guárdelo como «CSV UTF-8» en Excel)"


def _csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV file, decoded as they are read (the file's text never sits whole in memory)."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        for number, record in enumerate(csv.reader(text), start=1):
            if number > MAX_ROWS + 1:  # the limit first: blank lines count
                raise TooManyRows(f"el archivo tiene más de {MAX_ROWS} filas")
            yield number, record
    except UnicodeDecodeError:
        raise TableError(NOT_UTF8) from None
    except csv.Error as exc:
        raise TableError(f"el archivo CSV está mal formado: {exc}") from None


def stream_csv_bytes(data: bytes) -> TableStream:
    """A CSV file's table, read as it is iterated: a file that is not UTF-8 is refused before any row (the
    bytes are checked first, without keeping a decoded copy)."""
    try:
        data.decode("utf-8")  # the check only: the decoded copy is dropped at once
    except UnicodeDecodeError:
        raise TableError(NOT_UTF8) from None
    if b"\x00" in data:
        raise TableError("el archivo no es un CSV de texto (contiene caracteres nulos)")
    return _stream(_csv_records(data), text_cells=True)


def read_csv_bytes(data: bytes) -> Table:
    return _materialize(stream_csv_bytes(data))


def open_xlsx(data: bytes, *, read_only: bool = True, max_uncompressed: int = MAX_XLSX_UNCOMPRESSED):
    """An openpyxl workbook from bytes, refusing old .xls files, non-zip data and zip bombs with one line."""
    import warnings

    import openpyxl

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError("el archivo es un libro .xls antiguo: guárdelo como .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError("el archivo no es un XLSX válido") from None
    if total > max_uncompressed:
        raise TableError("el archivo XLSX es demasiado grande una vez descomprimido")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores
            return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on corrupt files
        raise TableError(f"no se pudo leer el archivo XLSX: {type(exc).__name__}") from None


def _xlsx_records(workbook, index: int = 0) -> Iterator[tuple[int, tuple]]:
    """The first sheet's (or the `index`th's) rows, bounded (sheet_rows); the workbook is closed when they end."""
    try:
        yield from sheet_rows(workbook.worksheets[index], max_rows=MAX_ROWS + 1)
    except TableError:
        raise
    except Exception as exc:
        raise TableError(f"no se pudo leer el archivo XLSX: {type(exc).__name__}") from None
    finally:
        workbook.close()


def stream_xlsx_bytes(data: bytes, index: int = 0) -> TableStream:
    return _stream(_xlsx_records(open_xlsx(data), index))


def read_xlsx_bytes(data: bytes) -> Table:
    return _materialize(stream_xlsx_bytes(data))


def stream_table_bytes(data: bytes, filename: str) -> TableStream:
    """The table of a CSV or XLSX file's bytes, read as it is iterated (see TableStream)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return stream_csv_bytes(data)
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return stream_xlsx_bytes(data)
    raise TableError(f"formato no reconocido «{suffix or filename}»: use un archivo .csv o .xlsx")


def _materialize(stream: TableStream) -> Table:
    return Table(header=stream.header, rows=list(stream.rows))


def read_table_bytes(data: bytes, filename: str) -> Table:
    return _materialize(stream_table_bytes(data, filename))


def read_file_bytes(path: str | Path) -> bytes:
    """A file's bytes, or a TableError with one clear line (missing, a folder, unreadable)."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TableError(f"no existe el archivo {path}") from None
    except IsADirectoryError:
        raise TableError(f"{path} es una carpeta, no un archivo") from None
    except OSError as exc:
        raise TableError(f"no se pudo leer {path}: {exc.strerror}") from None


def read_table(path: str | Path) -> Table:
    return read_table_bytes(read_file_bytes(path), Path(path).name)


def stream_table(path: str | Path) -> TableStream:
    """The table of a file read as it is iterated: memory for the file's bytes and one row at a time."""
    return stream_table_bytes(read_file_bytes(path), Path(path).name)


def _export_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralize(str(value))


export_value = _export_value  # the cell an export writes for a value (crm.exports.writers streams with it)


def write_csv(stream: io.TextIOBase, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_export_value(v) for v in row])


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], sheet_title: str = "datos") -> bytes:
    """XLSX with no formula cells: every text is a string cell, neutralised like the CSV (write_xlsx)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vinculo-xlsx-") as folder:
        path = Path(folder) / "datos.xlsx"
        write_xlsx(path, header, rows, sheet_title)
        return path.read_bytes()


_FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], sheet_title: str = "datos",
               progress: Callable[[int], None] | None = None, every: int = 2_000,
               more_sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]] = ()) -> int:
    """The XLSX file, written row by row in constant memory (XlsxWriter's constant_memory mode): one sheet,
    the header then the rows (then `more_sheets`, (title, header, rows) each); texts are string cells (never
    formulas, without the control characters XML forbids), numbers are numbers (a non-finite one is written as
    text). `progress(n)` every `every` rows of the first sheet. Returns the number of rows of the first sheet."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(Path(path).parent),
                                               "strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
    try:
        count = _fill_sheet(workbook.add_worksheet(sheet_title[:31] or "datos"), header, rows, progress, every)
        for title, more_header, more_rows in more_sheets:
            _fill_sheet(workbook.add_worksheet(title[:31]), more_header, more_rows, None, every)
    finally:
        workbook.close()
    return count


def _fill_sheet(sheet, header: Sequence[str], rows: Iterable[Sequence[object]],
                progress: Callable[[int], None] | None, every: int) -> int:
    write_string, write_number, forbidden = sheet.write_string, sheet.write_number, _FORBIDDEN_IN_XML.sub
    for column, name in enumerate(header):
        write_string(0, column, forbidden("", str(name)))
    count = 0
    for row in rows:
        count += 1
        for column, value in enumerate(row):
            cell = _export_value(value)
            if cell.__class__ is str:
                if "\r" in cell:  # as XML parsers read it: XlsxWriter would escape it as _x000D_
                    cell = cell.replace("\r\n", "\n").replace("\r", "\n")
                if cell:
                    write_string(count, column, forbidden("", cell))
            elif math.isfinite(cell):
                write_number(count, column, float(cell) if isinstance(cell, Decimal) else cell)
            else:
                write_string(count, column, str(cell))
        if progress is not None and count % every == 0:
            progress(every)
    if progress is not None and count % every:
        progress(count % every)
    return count


def _xlsx_safe(text: str) -> str:
    # XML 1.0 forbids most control characters; openpyxl raises on them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """CSV (UTF-8 with BOM) or XLSX by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_bytes(csv_bytes(header, rows))
    elif suffix == ".xlsx":
        path.write_bytes(xlsx_bytes(header, rows))
    else:
        raise TableError(f"formato de salida no reconocido «{suffix or path.name}»: use .csv o .xlsx")
