"""The analysis as XLSX (crm.core.tabular: XlsxWriter, texts never formulas): a sheet listing the questions,
one sheet per closed question's summary (the numbers of its chart and data table), and, when one was chosen,
a sheet with the cross-tabulation as the page shows it (suppressed cells written as such, never their value)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from crm.core.tabular import write_xlsx
from surveys.analysis.crosstab import CrossTab
from surveys.analysis.questions import QuestionChart

_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\']")


def _title(index: int, chart: QuestionChart) -> str:
    return _NOT_IN_TITLES.sub("", f"P{index} {chart.question.name or ''}")[:31].strip()


def question_rows(chart: QuestionChart) -> tuple[list[str], list[list]]:
    rank = chart.question.type == "rank"
    header = ["Opción", chart.count_header, "Porcentaje (%)", *(["Posición media"] if rank else [])]
    rows: list[list] = [[bar.label, bar.count, bar.percent, *([bar.extra] if rank else [])] for bar in chart.bars]
    rows += [[], ["Respuestas que contestaron (base de los porcentajes)", chart.answered],
             [chart.apart_label, chart.apart], ["Respuestas contadas de la encuesta", chart.total],
             [chart.denominator]]
    if chart.note:
        rows.append([chart.note])
    return header, rows


def crosstab_rows(table: CrossTab) -> tuple[list[str], list[list]]:
    header = [table.dimension.title, "Respuestas"]
    for column in table.columns:
        header += [f"{column} (respuestas)", f"{column} (% del grupo)"]

    def shown(cell) -> object:
        return cell.count if cell.count is not None else f"suprimida ({cell.reason})"

    rows: list[list] = []
    for group in table.groups:
        row = [group.label, shown(group.total)]
        for cell in group.cells:
            row += [shown(cell), cell.percent if cell.count is not None else ""]
        rows.append(row)
    total = ["Total", table.answered]
    for count in table.totals:
        total += [count, round(100 * count / table.answered, 1) if table.answered else None]
    rows.append(total)
    rows.append([])
    rows.append([f"Pregunta: {table.question.label('es')}"])
    rows.append(["Los grupos con menos de 5 respuestas se suprimen, y también las celdas complementarias que "
                 "permitirían calcularlos a partir de los totales."])
    rows += [[note] for note in table.notes]
    return header, rows


def analysis_xlsx(survey_title: str, total: int, charts: list[QuestionChart], table: CrossTab | None) -> bytes:
    index_rows = [[_title(i, c), c.title, c.type_label, c.answered, c.apart_label, c.apart]
                  for i, c in enumerate(charts, start=1)]
    index_rows += [[], [f"Encuesta: {survey_title}"], [f"Respuestas contadas: {total} (las excluidas no cuentan)"]]
    sheets = [(_title(i, chart), *question_rows(chart)) for i, chart in enumerate(charts, start=1)]
    if table is not None:
        sheets.append(("Cruce", *crosstab_rows(table)))
    with tempfile.TemporaryDirectory(prefix="vinculo-analisis-") as folder:
        path = Path(folder) / "analisis.xlsx"
        write_xlsx(path, ["Hoja", "Pregunta", "Tipo", "Respuestas que contestaron", "Aparte", "Cantidad aparte"],
                   index_rows, "Preguntas", more_sheets=sheets)
        return path.read_bytes()
