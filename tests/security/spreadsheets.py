"""Building files for the security tests: CSV and XLSX tables, XLSForms, and malicious workbooks (zip bombs,
entity expansion, external entities), plus the checks every export must pass (no formula cell, no cell that
a spreadsheet would run)."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile

from tests.security.corpus import DANGEROUS_START

# --- tables ----------------------------------------------------------------------------------------


def csv_file(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xml_safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def xlsx_file(sheets: dict[str, list[list]], formulas: bool = False) -> bytes:
    """A workbook; text starting with "=" is a real formula cell when `formulas`, else a text cell."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):
                    value = _xml_safe(value)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith("=") and not formulas:
                    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- malicious workbooks -----------------------------------------------------------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>")
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                  'Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_END = b"</sheetData></worksheet>"


def _row(number: int, *texts: str) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{t}</t></is></c>' for i, t in enumerate(texts))
    return f'<row r="{number}">{cells}</row>'.encode()


def raw_workbook(sheet_xml_chunks, sheet_name: str = "survey") -> bytes:
    """A minimal XLSX whose single sheet's XML is the concatenation of `sheet_xml_chunks` (streamed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=sheet_name))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for chunk in sheet_xml_chunks:
                sheet.write(chunk)
    return buffer.getvalue()


def zip_bomb(uncompressed_mb: int = 210) -> bytes:
    """A small XLSX whose sheet XML decompresses to `uncompressed_mb` MB of rows."""
    block = b"".join(_row(1, "a") for _ in range(1)) * (1024 * 1024 // len(_row(1, "a")))

    def chunks():
        yield SHEET_START + _row(1, "nombre", "primer_apellido", "correo")
        for _ in range(uncompressed_mb):
            yield block
        yield SHEET_END

    return raw_workbook(chunks())


def lying_zip_bomb(uncompressed_mb: int = 210, claimed: int = 4096) -> bytes:
    """A zip bomb whose headers claim the sheet is `claimed` bytes: a guard that trusts the directory passes it."""
    data = bytearray(zip_bomb(uncompressed_mb))
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        offset = archive.getinfo(name.decode()).header_offset
    assert data[offset:offset + 4] == b"PK\x03\x04"
    data[offset + 22:offset + 26] = struct.pack("<I", claimed)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02", offset)
    while central != -1:
        name_length = struct.unpack("<H", data[central + 28:central + 30])[0]
        if data[central + 46:central + 46 + name_length] == name:
            data[central + 24:central + 28] = struct.pack("<I", claimed)  # central directory: uncompressed size
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    head = f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [{entities}]>'.encode()
    body = SHEET_START.split(b"?>", 1)[1]
    return raw_workbook([head, body, _row(1, "nombre", "primer_apellido", "correo"), _row(2, "&lol9;", "x", "y"),
                         SHEET_END])


def external_entity(target: str = "file:///etc/passwd") -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{target}">]>'.encode()
    body = SHEET_START.split(b"?>", 1)[1]
    return raw_workbook([head, body, _row(1, "nombre", "primer_apellido", "correo"),
                         _row(2, "&xxe;", "Ruiz", "xxe@example.org"), SHEET_END])


# --- checks on exports -------------------------------------------------------------------------------

VERBATIM = re.compile(r"^(\+\d{6,15}|-?\d+(\.\d+)?([eE][+-]?\d+)?)$")  # E.164 phones and numbers


def csv_formula_cells(data: bytes) -> list[str]:
    """Cells a spreadsheet would run: text starting with = + - @ tab CR (validated numbers and phones aside)."""
    text = data.decode("utf-8-sig")
    bad = []
    for r, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for c, cell in enumerate(row, start=1):
            if cell.startswith(DANGEROUS_START) and not VERBATIM.match(cell):
                bad.append(f"row {r} col {c}: {cell[:60]!r}")
    return bad


def xlsx_formula_cells(data: bytes) -> list[str]:
    """Formula cells of a workbook (by its XML: any <f> element), and cells typed as formulas by openpyxl."""
    import openpyxl

    bad = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8", "replace")
                if re.search(r"<(\w+:)?f[ >/]", xml):
                    bad.append(f"{name}: a <f> (formula) element")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    bad.append(f"{sheet.title}!{cell.coordinate}: formula {str(cell.value)[:60]!r}")
    return bad


def xlsx_text_cells(data: bytes) -> list[str]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [str(v) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                for v in row if isinstance(v, str)]
    finally:
        workbook.close()
