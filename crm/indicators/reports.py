"""The results-matrix report rendered as JSON, CSV or XLSX (CONTRACTS.md, "Indicators"), and the
quarterly report (matrix, breakdowns, impact, charts, definitions) as XLSX or PDF."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import _export_value, _xlsx_safe, csv_bytes, write_table, xlsx_bytes
from crm.core.timeutil import local_tz, quarter_bounds
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
    ("Periodos", "Cada año se mide por trimestres (T1: enero a marzo, T2: abril a junio, T3: julio a "
                 "septiembre, T4: octubre a diciembre) y en el año completo, con la fecha y la hora de la "
                 "Ciudad de México: una respuesta enviada el 31 de marzo a las 23:30 cuenta en el T1."),
    ("Niveles", "FIN, PROPÓSITO y los componentes AI1 a AI6 de la matriz de resultados."),
    ("Satisfacción (AI3, AI5, AI6; PROPÓSITO reúne los tres)",
     "Se cuentan las respuestas enviadas en el periodo a las encuestas ligadas al nivel y al año. Valor = "
     "respuestas positivas a preguntas indicadoras / respuestas a preguntas indicadoras × 100, con un "
     "decimal. Con una pregunta indicadora por encuesta es el «total de respuestas positivas / total "
     "de encuestas respondidas × 100» de la matriz."),
    ("Cumplimiento (AI2, AI4, FIN)",
     "Actividades realizadas en el periodo en las líneas de acción del nivel (FIN: en todas) entre las "
     "programadas. Lo programado de un trimestre sale del calendario mensual de cada línea; el del año es la "
     "meta declarada del componente (FIN: la suma de las metas de los componentes). Una línea sin calendario "
     "reparte su meta en los 12 meses. Por eso los cuatro trimestres no siempre suman la meta del año."),
    ("AI1 (gestiones)", "Gestiones atendidas entre gestiones recibidas en el periodo."),
    ("Actividades realizadas", "Las actividades registradas más cada hito de convenio (dictamen, firma) que "
                               "nombra una línea de acción, en su fecha. En AI3 se muestran dos lecturas: la "
                               "satisfacción y el porcentaje de las actividades realizadas."),
    ("Desgloses", "La satisfacción por sexo, red (una persona en dos redes cuenta en ambas), país de residencia, "
                  "programa de observación, encuesta y actividad. Las respuestas anónimas forman el grupo "
                  "«Sin dato» de los desgloses por persona."),
    ("Celdas pequeñas", "Un grupo con menos de 5 respuestas se oculta («menos de 5»). Para que no se deduzca "
                        "por resta, se oculta también otra celda («oculta») cuando una suma mostrada dejaría una "
                        "sola celda oculta."),
    ("Impacto antes/después", "Una encuesta «después» apunta a su encuesta «antes». Para cada pregunta que "
                              "ambas comparten y las personas que contestaron las dos: la media antes y "
                              "después, el cambio y el porcentaje de personas que mejoraron. Menos de 5 "
                              "personas: se oculta."),
    ("Componente condicional", "Un componente que el programa marca como condicional y que no aplica en el año "
                               "se muestra como «No aplica» y no cuenta en FIN."),
]
TECHNICAL_DEFINITIONS = [
    ("Intervalo de confianza", "En la satisfacción, el intervalo de Wilson al 95 %: el rango en el que "
                               "probablemente estaría el porcentaje con otras personas encuestadas. Con pocas "
                               "respuestas es amplio."),
]
DEFINITIONS = [*BASE_DEFINITIONS, *TECHNICAL_DEFINITIONS, *[("Semáforo", text) for text in THRESHOLDS_TEXT]]


def definitions(program) -> list[tuple[str, str]]:
    """The definitions, with the traffic light of the year's program (its thresholds)."""
    return [*BASE_DEFINITIONS, *TECHNICAL_DEFINITIONS,
            *[("Semáforo", text) for text in scorecard.thresholds_text(program)]]


BREAKDOWN_COLUMNS = ("nivel", "periodo", "grupo", "etiqueta", "numerador", "denominador", "respuestas", "valor",
                     "supresion")
IMPACT_COLUMNS = ("encuesta_antes", "encuesta_despues", "actividad", "pregunta", "etiqueta", "tipo", "personas",
                  "media_antes", "media_despues", "cambio", "mejoraron", "porcentaje_mejoraron", "supresion",
                  "notas")
LIGHT_COLUMNS = ("nivel", "nombre", "valor", "numerador", "denominador", "meta", "semaforo", "base")


def period_name(period: str, year: int) -> str:
    """"T2 2025" for a quarter, "Año 2025" for the year."""
    from crm.core.display import quarter

    return f"Año {year}" if period == str(year) else quarter(period)


def period_span(period: str, year: int) -> str:
    """The period's dates in words: "del 1 de abril al 30 de junio de 2025"."""
    from babel.dates import format_date

    from crm.core.display import LOCALE

    quarters = range(1, 5) if period == str(year) else [int(period[-1])]
    start, end = quarter_bounds(year, min(quarters))[0], quarter_bounds(year, max(quarters))[1]
    last = end - timedelta(days=1)
    first = format_date(start, "d 'de' MMMM", locale=LOCALE)
    return f"del {first} al " + format_date(last, "d 'de' MMMM 'de' y", locale=LOCALE)


def quarterly_data(year: int, period: str | None = None, *, today: date | None = None) -> dict:
    """Everything the dashboard and the report of one period (a quarter, or the year by default) show,
    from one computation of each part."""
    report = compute_report(year)
    program = program_for_year(year)
    zone = local_tz(report["timezone"])
    now = datetime.now(zone)
    period = period or str(year)
    summaries = scorecard.summaries(report, program, today or now.date())
    lines = line_view(report, program, today or now.date())
    return {
        "year": year, "period": period, "period_name": period_name(period, year),
        "span": period_span(period, year), "is_year": period == str(year),
        "timezone": report["timezone"], "report": report, "warnings": report["warnings"],
        "generated_at": now, "generated_utc": now.astimezone(UTC).replace(tzinfo=None),
        "today": today or now.date(), "summaries": summaries,
        "at_period": scorecard.at_period(summaries, period, year),
        "lines": lines, "line_table": line_table(lines, period, year), "definitions": definitions(program),
        "thresholds": scorecard.thresholds_text(program), "program": program,
        "breakdowns": compute_breakdowns(year, zone), "impact": compute_impact(year),
    }


def line_table(components: list[dict], period: str, year: int) -> list[dict]:
    """Per component, each action line at `period` (realized, programmed, value, light) and in the year."""
    out = []
    for component in components:
        rows = []
        for line in component["lines"]:
            by_period = {p["period"]: p for p in line["periods"]}
            rows.append({"code": line["code"], "description": line["description"], "target": line["target"],
                         "at": by_period.get(period), "year": by_period.get(str(year))})
        periods = [f"{year}-Q{q}" for q in (1, 2, 3, 4)] + [str(year)]
        total = dict(zip(periods, component["activities"], strict=True)).get(period)
        out.append({"code": component["code"], "name": component["name"], "applies": component["applies"],
                    "rows": rows, "total": total})
    return out


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
    """matriz (the CLI's rows: levels, then action lines), one sheet per breakdown, impacto, semaforo, graficas,
    comparacion (when an earlier year has a program), definiciones, advertencias."""
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
    if data.get("comparison"):  # the year against the program year before it (crm.indicators.comparison)
        from crm.indicators import comparison

        _sheet(workbook, "comparacion", comparison.SHEET_COLUMNS, comparison.sheet_rows(data["comparison"]))
        workbook["comparacion"].add_image(Image(io.BytesIO(comparison.render_chart(data["comparison"], "png"))),
                                          f"B{workbook['comparacion'].max_row + 3}")
    _sheet(workbook, "definiciones", ("termino", "definicion"), data["definitions"])
    _sheet(workbook, "advertencias", ("advertencia",), [[scorecard.warning_es(w)] for w in data["warnings"]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf_charts(data: dict) -> list[dict]:
    """Each level's quarterly chart (up to the report's quarter) as an SVG data URI and its text alternative."""
    import base64

    from crm.indicators import charts  # matplotlib: imported only when a report is drawn

    upto = 4 if data["is_year"] else int(data["period"][-1])
    out = []
    for summary in data["summaries"]:
        svg = charts.render(summary, "svg", upto=upto)
        out.append({"label": summary["label"], "alt": scorecard.trend_text(summary),
                    "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")})
    return out


def quarterly_pdf(data: dict) -> bytes:
    """The report of one period as an A4 PDF (WeasyPrint), from templates/indicators/report_pdf.html: the
    summary page first, then the charts, the action lines, the breakdowns and impact, and an appendix with
    the warnings and the method."""
    from flask import render_template
    from weasyprint import HTML

    from crm.indicators.comparison import pdf_section

    html = render_template("indicators/report_pdf.html", data=data, definitions=data["definitions"],
                           thresholds=data["thresholds"], small=SMALL, charts=pdf_charts(data),
                           warnings=[scorecard.warning_es(w) for w in data["warnings"]],
                           comparison=pdf_section(data.get("comparison"), data["period"], data["year"]))
    return HTML(string=html).write_pdf()


def quarterly_download(year: int, fmt: str, *, actor, period: str | None = None) -> tuple[bytes, datetime]:
    """The report of `year` (the PDF: of one `period`, a quarter or the year) as "xlsx" or "pdf" bytes, and
    when it was generated; audited."""
    period = period or str(year)
    data = quarterly_data(year, period)
    from crm.indicators.comparison import for_report

    data["comparison"] = for_report(year, data["today"])  # None without a previous program year
    body = quarterly_xlsx(data) if fmt == "xlsx" else quarterly_pdf(data)
    audit.record(actor, "indicators.export", None, {"year": year, "period": period, "format": fmt})
    db.session.commit()
    return body, data["generated_at"]
