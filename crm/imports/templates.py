"""The downloadable template of an import kind: an XLSX file whose first sheet holds the header row exactly as
the importer reads it and one example row, and a second sheet, «Columnas», that describes each column in
Spanish. It reads the kind's column descriptions (crm.imports.kinds.Column), as the upload page and the
preview do."""

from __future__ import annotations

import io

from crm.imports.kinds import Column, Kind

GUIDE_SHEET = "Columnas"
DATA_SHEET = "Datos"
GUIDE_HEADER = ("Columna", "Título", "Qué contiene", "Formato", "Obligatoria u opcional", "Valores admitidos")


def template_filename(kind: Kind, name: str) -> str:
    return f"{kind.template_name or 'plantilla-' + name}.xlsx"


def guide_rows(fields: tuple[Column, ...]) -> list[tuple[str, ...]]:
    return [(c.name, c.title, c.meaning, c.format, c.need, c.values) for c in fields]


def template_xlsx(kind: Kind) -> bytes:
    """The template of `kind` (it must describe its columns: `kind.fields`). Every cell is a text cell, and the
    data sheet's columns are formatted as text, so that a spreadsheet program keeps dates and codes as written."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    try:
        bold = workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1, "text_wrap": True,
                                    "valign": "top"})
        text = workbook.add_format({"num_format": "@"})
        wrapped = workbook.add_format({"text_wrap": True, "valign": "top"})
        data = workbook.add_worksheet(DATA_SHEET)
        for index, column in enumerate(kind.fields):
            data.set_column(index, index, max(14, min(40, len(column.example) + 4, )), text)
            data.write_string(0, index, column.name, bold)
            if column.example:
                data.write_string(1, index, column.example, text)
        data.freeze_panes(1, 0)
        guide = workbook.add_worksheet(GUIDE_SHEET)
        for index, width in enumerate((22, 26, 50, 36, 24, 50)):
            guide.set_column(index, index, width, wrapped)
        for index, heading in enumerate(GUIDE_HEADER):
            guide.write_string(0, index, heading, bold)
        for number, row in enumerate(guide_rows(kind.fields), start=1):
            for index, value in enumerate(row):
                if value:
                    guide.write_string(number, index, value, wrapped)
        guide.freeze_panes(1, 0)
    finally:
        workbook.close()
    return buffer.getvalue()
