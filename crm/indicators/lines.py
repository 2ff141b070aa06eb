"""Every action line measured: the report's `lines` arranged per component for the dashboard, the
per-line page and the PDF, each period with its traffic light (the program year's thresholds).

A quarter's light compares what was realized with what was programmed for it; the year's compares
what was realized with what was programmed up to the day of the cut (the scorecard's rule)."""

from __future__ import annotations

from datetime import date

from crm.indicators.realized import quarter_programmed
from crm.indicators.scorecard import (
    LIGHT_LABELS,
    NOT_APPLICABLE,
    _color,
    progress_light,
    schedule_share,
    thresholds,
)
from crm.program.models import ProgramYear


def _quarter_light(row: dict, green: float, yellow: float) -> dict:
    if not row["programmed"]:
        color = "none"
        basis = "nada programado en el trimestre"
    else:
        color = _color(row["value"], green, yellow)
        basis = f"{row['realized']} realizadas de {row['programmed']} programadas"
    return {"color": color, "label": LIGHT_LABELS[color], "basis": basis}


def line_view(report: dict, program: ProgramYear | None, today: date) -> list[dict]:
    """[{code, name, applies, activities (the component row per period), lines: [{code, description, target,
    periods: [{period, realized, programmed, value, light}], light}]}] in matrix order."""
    if program is None:
        return []
    year = report["year"]
    green, yellow = thresholds(program)
    by_line: dict[str, list[dict]] = {}
    for row in report.get("lines", []):
        by_line.setdefault(row["line"], []).append(row)
    component_rows = {(r["level"], r["period"]): r for r in report["indicators"]}
    out = []
    for component in program.components:
        if not component.action_lines:
            continue
        lines = []
        for line in component.action_lines:
            rows = by_line.get(line.code, [])
            periods = []
            for row in rows:
                light = (dict(NOT_APPLICABLE) if not component.applies else
                         _quarter_light(row, green, yellow) if row["period"] != str(year) else
                         progress_light(row["realized"], line.target * schedule_share([line], year, today),
                                        green, yellow))
                periods.append({**row, "light": light})
            lines.append({"code": line.code, "description": line.description, "target": line.target,
                          "quarters": quarter_programmed([line]), "periods": periods})
        out.append({"code": component.code, "name": component.name, "applies": component.applies,
                    "activities": [component_rows.get((component.code, p)) for p in
                                   [f"{year}-Q{q}" for q in (1, 2, 3, 4)] + [str(year)]],
                    "lines": lines})
    return out
