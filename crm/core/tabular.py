"""Reading and writing CSV/XLSX tables for imports and exports.

One place for the rules of CONTRACTS.md: UTF-8 with or without BOM, first sheet
of an XLSX, spreadsheet row numbers (header = row 1), formula neutralisation on
export and its reversal on import.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  # zip-bomb guard
MAX_ROWS = 500_000


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


def _finish(raw_rows: Iterable[tuple[int, Sequence[object]]], *, raw_cells: bool = False,
            text_cells: bool = False) -> Table:
    """The table of a sheet's rows: header, then the non-blank rows as dicts of trimmed text.

    `text_cells`: every cell is already a `str` (CSV), so the per-cell conversion is skipped.
    """
    iterator = iter(raw_rows)
    try:
        _, header_cells = next(iterator)
    except StopIteration:
        raise TableError("el archivo está vacío: falta la fila de encabezados") from None
    header = [_cell_text(c).strip() for c in header_cells]
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise TableError("el archivo no tiene encabezados en la primera fila")
    table = Table(header=header)
    if text_cells and not raw_cells:
        _text_rows(table, iterator)
        return table
    for number, cells in iterator:
        texts = [_cell_text(c) for c in cells]
        if not any(t.strip() for t in texts):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise TableError(f"el archivo tiene más de {MAX_ROWS} filas")
        row: dict[str, str] = {}
        for index, name in enumerate(header):
            text = texts[index] if index < len(texts) else ""
            row[name] = text if raw_cells else unneutralize(text.strip())
        extra = [t for t in texts[len(header):] if t.strip()]
        if extra:
            row["\x00extra"] = "|".join(extra)
        table.rows.append((number, row))
    return table


def _text_rows(table: Table, iterator: Iterable[tuple[int, Sequence[str]]]) -> None:
    """`_finish`'s rows when every cell is a str: the same dicts, without per-cell Python calls."""
    header = table.header
    width = len(header)
    padding = [""] * width
    rows = table.rows
    for number, cells in iterator:
        stripped = [c.strip() for c in cells]
        if not any(stripped):
            continue
        if len(rows) >= MAX_ROWS:
            raise TableError(f"el archivo tiene más de {MAX_ROWS} filas")
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
        rows.append((number, row))


def read_csv_bytes(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError("el archivo CSV no está en UTF-8 (guárdelo como «CSV UTF-8» en Excel)") from None
    if "\x00" in text:
        raise TableError("el archivo no es un CSV de texto (contiene caracteres nulos)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise TableError(f"el archivo CSV está mal formado: {exc}") from None
    return _finish(records, text_cells=True)


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


def read_xlsx_bytes(data: bytes) -> Table:
    workbook = open_xlsx(data)
    try:
        sheet = workbook.worksheets[0]
        rows = ((index + 1, list(row)) for index, row in enumerate(sheet.iter_rows(values_only=True)))
        return _finish(rows)
    except TableError:
        raise
    except Exception as exc:
        raise TableError(f"no se pudo leer el archivo XLSX: {type(exc).__name__}") from None
    finally:
        workbook.close()


def read_table_bytes(data: bytes, filename: str) -> Table:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return read_csv_bytes(data)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_bytes(data)
    if data[:2] == b"PK":
        return read_xlsx_bytes(data)
    raise TableError(f"formato no reconocido «{suffix or filename}»: use un archivo .csv o .xlsx")


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
    """XLSX with no formula cells: every text is a string cell, neutralised like the CSV."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "datos")

    def cells(values: Sequence[object]) -> list:
        out = []
        for value in values:
            exported = _export_value(value)
            if isinstance(exported, str):
                cell = WriteOnlyCell(sheet, value=_xlsx_safe(exported))
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell = WriteOnlyCell(sheet, value=exported)
            out.append(cell)
        return out

    sheet.append(cells(list(header)))
    for row in rows:
        sheet.append(cells(list(row)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
