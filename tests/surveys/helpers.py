"""Small builders for XLSForm workbooks and responses files used by the survey tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "contract-check" / "sample"


def workbook_bytes(survey: list[list] | None, choices: list[list] | None = None,
                   settings: list[list] | None = None, extra: dict[str, list[list]] | None = None) -> bytes:
    """A workbook with the given sheets (None leaves a sheet out); cells are written as given."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings), *(extra or {}).items()):
        if rows is None:
            continue
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if not workbook.worksheets:
        workbook.create_sheet("Hoja1")  # a workbook needs one sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(path: Path, *args, **kwargs) -> Path:
    path.write_bytes(workbook_bytes(*args, **kwargs))
    return path


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_table_bytes(header: list[str], rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rich_form() -> dict:
    """A form with every supported type, groups, hints, two languages and shared lists."""
    survey = [
        ["type", "name", "label::Español (es)", "label::English (en)", "hint::Español (es)", "required", "indicator",
         "appearance"],
        ["note", "bienvenida", "Gracias por participar", "Thanks for taking part", "", "", "", ""],
        ["begin group", "sesion", "La sesión", "The session", "", "", "", "field-list"],
        ["select_one cal", "calidad", "¿Cómo califica la sesión?", "How do you rate the session?", "Elija una",
         "yes", "satisfaction", ""],
        ["select_one cal", "utilidad", "¿Qué tan útil fue?", "How useful was it?", "", "no", "", ""],
        ["select_multiple temas", "temas", "Temas de interés", "Topics of interest", "", "", "", ""],
        ["end group", "", "", "", "", "", "", ""],
        ["integer", "edad", "Edad", "Age", "En años", "no", "", ""],
        ["decimal", "horas", "Horas dedicadas", "Hours spent", "", "", "", ""],
        ["date", "fecha", "Fecha de la sesión", "Session date", "", "", "", ""],
        ["text", "opinion", "Opinión", "Opinion", "", "", "", "multiline"],
    ]
    choices = [
        ["list_name", "name", "label::Español (es)", "label::English (en)", "positive"],
        ["cal", "buena", "Buena", "Good", "yes"],
        ["cal", "regular", "Regular", "Fair", "no"],
        ["cal", "mala", "Mala", "Poor", ""],
        ["temas", "voto_exterior", "Voto en el extranjero", "Vote abroad", ""],
        ["temas", "observacion", "Observación electoral", "Election observation", ""],
        ["temas", "presupuesto", "Presupuesto participativo", "Participatory budget", ""],
    ]
    settings = [["form_title", "form_id", "default_language"], ["Evaluación de la sesión", "evaluacion_sesion",
                                                                 "Español (es)"]]
    return {"survey": survey, "choices": choices, "settings": settings}
