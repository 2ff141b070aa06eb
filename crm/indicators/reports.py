"""The results-matrix report rendered as JSON, CSV or XLSX (CONTRACTS.md, "Indicators"), and the
quarterly report (matrix, breakdowns, impact, charts, definitions) as XLSX or PDF."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import _export_value, _xlsx_safe, csv_bytes, write_table, xlsx_bytes
from crm.core.timeutil import local_tz
from crm.indicators import scorecard
from crm.indicators.breakdowns import SMALL, compute_breakdowns
from crm.indicators.compute import compute_report
from crm.indicators.impact import compute_impact
from crm.indicators.lines import line_view
from crm.indicators.scorecard import THRESHOLDS_TEXT
from crm.program.services import program_for_year

FORMATS = ("json", "csv", "xlsx")
COLUMNS = ("level", "kind", "period", "numerator", "denominator", "responses", "value", "ci_low", "ci_high",
           "activities_realized", "activities_programmed", "activities_value", "applies", "line")
LINE_KIND = "action_line"  # the `kind` of an action line's row in the CSV/XLSX table


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _applies(row: dict) -> str:
    return "false" if row.get("applies") is False else ""


def table_rows(report: dict) -> list[list]:
    """One row per indicator (the JSON fields in COLUMNS order, absent fields empty), then one per action line
    and period (`kind` action_line, `line` its code, numerator/denominator: realized/programmed)."""
    rows = [[_applies(row) if column == "applies" else row.get(column) for column in COLUMNS]
            for row in report["indicators"]]
    for line in report.get("lines", []):
        values = {"level": line["level"], "kind": LINE_KIND, "period": line["period"], "numerator": line["realized"],
                  "denominator": line["programmed"], "value": line["value"], "applies": _applies(line),
                  "line": line["line"]}
        rows.append([values.get(column) for column in COLUMNS])
    return rows


def render(report: dict, fmt: str) -> bytes:
    if fmt == "json":
        return (to_json(report) + "\n").encode("utf-8")
    if fmt == "csv":
        return csv_bytes(COLUMNS, table_rows(report))
    if fmt == "xlsx":
        return xlsx_bytes(COLUMNS, table_rows(report), sheet_title="indicadores")
    raise ValueError(f"formato desconocido: {fmt}")


def write_report(report: dict, fmt: str, path: str | Path) -> None:
    path = Path(path)
    if fmt in ("csv", "xlsx") and path.suffix.lower() == f".{fmt}":
        write_table(path, COLUMNS, table_rows(report))
    else:
        path.write_bytes(render(report, fmt))


def format_for(path: str | Path | None, fmt: str | None) -> str:
    """The explicit format, else the output file's extension, else JSON."""
    if fmt:
        return fmt.lower()
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in FORMATS else "json"


# --------------------------------------------------------------------------- the quarterly report (XLSX, PDF)

BASE_DEFINITIONS = [
    ("Periodos", "Los periodos son los trimestres AAAA-Q1 a AAAA-Q4 y el año AAAA, según la fecha local en "
                 "CRM_TIMEZONE (una respuesta del 2025-04-01T05:30Z es del 2025-03-31 23:30 en la Ciudad de "
                 "México: primer trimestre)."),
    ("Niveles", "FIN, PROPÓSITO (PROPOSITO en los archivos) y los componentes AI1 a AI6."),
    ("Satisfacción (AI3, AI5, AI6; PROPÓSITO sobre las encuestas de los tres)",
     "Sobre las respuestas enviadas en el periodo a las encuestas ligadas al nivel y al año: denominador = "
     "respuestas dadas a preguntas indicadoras; numerador = las que son una opción positiva; respuestas = "
     "respuestas distintas que contestaron al menos una pregunta indicadora; valor = 100 × numerador / "
     "denominador, redondeado a un decimal (mitad hacia arriba), nulo si el denominador es 0. Con una pregunta "
     "indicadora por encuesta es exactamente el «total de respuestas positivas / total de encuestas respondidas "
     "× 100» de la matriz."),
    ("Cumplimiento (AI2, AI4, FIN)",
     "Numerador = actividades realizadas en el periodo en las líneas de acción del nivel (FIN: en todas las "
     "líneas del año); denominador = lo programado para el periodo (para el año, la meta declarada del "
     "componente; FIN, la suma de las metas de los componentes); valor como arriba. Lo programado de un "
     "trimestre es la suma de sus meses en el calendario mensual del programa; una línea sin calendario reparte "
     "su meta anual en los 12 meses (mayor residuo, primero los meses anteriores). Por eso los trimestres siguen "
     "los calendarios de las líneas y el año la meta declarada: no tienen por qué sumar lo mismo, y las "
     "advertencias del programa dicen dónde difieren."),
    ("AI1 (cumplimiento)", "Denominador = gestiones recibidas en el periodo; numerador = las que de ellas fueron "
                           "atendidas («gestiones atendidas / gestiones solicitadas» de la matriz)."),
    ("Intervalo de confianza", "Intervalo de Wilson al 95 % de la proporción de respuestas positivas (ci_low, "
                               "ci_high), en porcentaje con un decimal."),
    ("Desgloses", "La satisfacción por sexo, red (membresía activa; una persona en dos redes cuenta en ambas), "
                  "país de residencia, programa de observación, encuesta y actividad. Las respuestas sin persona "
                  "(anónimas) forman el grupo «Sin dato» de los desgloses por persona."),
    ("Celdas pequeñas", "Un grupo con menos de 5 respuestas se oculta («menos de 5»: conteos y valor nulos). "
                        "Para que no se recupere por resta, se oculta además otra celda («complementaria») "
                        "donde una suma mostrada dejaría una sola celda oculta: los grupos de un nivel y "
                        "periodo, los trimestres y el año de un grupo, y AI3 + AI5 + AI6 = PROPÓSITO."),
    ("Impacto antes/después", "Una encuesta «después» apunta a su encuesta «antes». Para cada pregunta con el "
                              "mismo nombre en ambas, numérica o de opciones en el mismo orden, y las personas "
                              "que contestaron las dos (la última respuesta de cada persona): media antes, media "
                              "después (dos decimales), cambio y porcentaje de personas que mejoraron. En las "
                              "opciones el puntaje es su lugar en la lista (1 = la primera), invertido si las "
                              "opciones positivas van primero, para que más sea mejor. Menos de 5 personas: se "
                              "oculta."),
    ("Actividades realizadas", "En FIN, AI2, AI4, las actividades de cada componente (activities_realized / "
                               "activities_programmed) y cada línea de acción: las actividades registradas más cada "
                               "hito de convenio (dictamen, firma) que nombra una línea de acción, en su fecha. Lo "
                               "programado sigue la regla de cumplimiento. En AI3 es el «porcentaje de las "
                               "actividades realizadas» (meta 85), junto a su valor de satisfacción."),
    ("Componente condicional", "Un componente que el programa marca como condicional y que no aplica en el año "
                               "se muestra como «no aplica» y sale del denominador de FIN."),
]
DEFINITIONS = [*BASE_DEFINITIONS, *[("Semáforo", text) for text in THRESHOLDS_TEXT]]


def definitions(program) -> list[tuple[str, str]]:
    """The definitions, with the traffic light of the year's program (its thresholds)."""
    return [*BASE_DEFINITIONS, *[("Semáforo", text) for text in scorecard.thresholds_text(program)]]



BREAKDOWN_COLUMNS = ("nivel", "periodo", "grupo", "etiqueta", "numerador", "denominador", "respuestas", "valor",
                     "supresion")
IMPACT_COLUMNS = ("encuesta_antes", "encuesta_despues", "actividad", "pregunta", "etiqueta", "tipo", "personas",
                  "media_antes", "media_despues", "cambio", "mejoraron", "porcentaje_mejoraron", "supresion",
                  "notas")
LIGHT_COLUMNS = ("nivel", "nombre", "valor", "numerador", "denominador", "meta", "semaforo", "base")


def quarterly_data(year: int, *, today: date | None = None) -> dict:
    """Everything the dashboard and the quarterly report show, from one computation of each part."""
    report = compute_report(year)
    program = program_for_year(year)
    zone = local_tz(report["timezone"])
    now = datetime.now(zone)
    return {
        "year": year, "timezone": report["timezone"], "report": report, "warnings": report["warnings"],
        "generated_at": now, "today": today or now.date(),
        "summaries": scorecard.summaries(report, program, today or now.date()),
        "lines": line_view(report, program, today or now.date()), "definitions": definitions(program),
        "thresholds": scorecard.thresholds_text(program),
        "breakdowns": compute_breakdowns(year, zone), "impact": compute_impact(year),
    }


def breakdown_rows(breakdown: dict) -> list[list]:
    return [[r["level"], r["period"], r["group"], r["label"], r["numerator"], r["denominator"],
             SMALL if r["suppressed"] == SMALL else r["responses"], r["value"], r["suppressed"]]
            for r in breakdown["rows"]]


def impact_rows(impact: list[dict]) -> list[list]:
    rows = []
    for pair in impact:
        activity = pair["activity"]["title"] if pair["activity"] else ""
        notes = "; ".join(pair["notes"])
        for q in pair["questions"]:
            rows.append([pair["before"]["code"], pair["after"]["code"], activity, q["question"], q["label"],
                         "numérica" if q["kind"] == "numeric" else "opciones ordenadas",
                         SMALL if q["suppressed"] else q["people"], q["mean_before"], q["mean_after"], q["change"],
                         q["improved"], q["improved_share"], q["suppressed"], notes])
        if not pair["questions"]:
            rows.append([pair["before"]["code"], pair["after"]["code"], activity, "", "", "", None, None, None,
                         None, None, None, None, notes])
    return rows


def light_rows(summaries: list[dict]) -> list[list]:
    return [[s["label"], s["name"], s["year"]["value"], s["year"]["numerator"], s["year"]["denominator"],
             s["target"], s["light"]["label"], s["light"]["basis"]] for s in summaries]


def _sheet(workbook, title: str, header, rows) -> None:
    """A sheet whose text cells are always strings (never formulas), neutralised like the CLI's XLSX."""
    sheet = workbook.create_sheet(title=title[:31])
    for values in [list(header), *rows]:
        sheet.append([None] * len(values))
        row = sheet.max_row
        for column, value in enumerate(values, start=1):
            exported = _export_value(value)
            cell = sheet.cell(row=row, column=column)
            if isinstance(exported, str):
                cell.value = _xlsx_safe(exported)
                cell.data_type = "s"
            else:
                cell.value = exported


def quarterly_xlsx(data: dict) -> bytes:
    """matriz (the CLI's rows: levels, then action lines), one sheet per breakdown, impacto, semaforo, graficas, definiciones, advertencias."""
    import openpyxl
    from openpyxl.drawing.image import Image

    from crm.indicators import charts  # matplotlib: imported only when a report is drawn

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "matriz", COLUMNS, table_rows(data["report"]))  # the CLI's table: levels, then lines
    for breakdown in data["breakdowns"]:
        _sheet(workbook, breakdown["key"], BREAKDOWN_COLUMNS, breakdown_rows(breakdown))
    _sheet(workbook, "impacto", IMPACT_COLUMNS, impact_rows(data["impact"]))
    _sheet(workbook, "semaforo", LIGHT_COLUMNS, light_rows(data["summaries"]))
    _sheet(workbook, "graficas", ("nivel", "grafica"), [])
    charts_sheet = workbook["graficas"]
    for index, summary in enumerate(data["summaries"]):
        row = 2 + index * 15
        charts_sheet.cell(row=row, column=1, value=summary["label"]).data_type = "s"
        image = Image(io.BytesIO(charts.render(summary, "png")))
        charts_sheet.add_image(image, f"B{row}")
    _sheet(workbook, "definiciones", ("termino", "definicion"), data["definitions"])
    _sheet(workbook, "advertencias", ("advertencia", "original"),
           [[scorecard.warning_es(w), w] for w in data["warnings"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quarterly_pdf(data: dict) -> bytes:
    """The report as an A4 PDF (WeasyPrint), from templates/indicators/report_pdf.html."""
    from flask import render_template
    from weasyprint import HTML

    html = render_template("indicators/report_pdf.html", data=data, definitions=data["definitions"],
                           thresholds=data["thresholds"], columns=COLUMNS, small=SMALL,
                           warning_es=scorecard.warning_es)
    return HTML(string=html).write_pdf()


def quarterly_download(year: int, fmt: str, *, actor) -> tuple[bytes, datetime]:
    """The quarterly report of `year` as "xlsx" or "pdf" bytes, and when it was generated; audited."""
    data = quarterly_data(year)
    body = quarterly_xlsx(data) if fmt == "xlsx" else quarterly_pdf(data)
    audit.record(actor, "indicators.export", None, {"year": year, "format": fmt})
    db.session.commit()
    return body, data["generated_at"]
