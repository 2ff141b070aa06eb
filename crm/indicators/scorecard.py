"""The dashboard's view of the matrix: one summary per level with its target and traffic light.

Traffic light (semáforo), documented on the dashboard and in the reports. The thresholds are the
program year's (`thresholds` in the program file; default green from 85 %, yellow from 70 %):

- satisfaction (PROPÓSITO, AI3, AI5, AI6): the year's value; green from the green threshold, yellow
  from the yellow one, red below; grey without answers;
- activity compliance (FIN, AI2, AI4, and every action line): activities realized against what was
  programmed up to the day of the cut (the year's stated target times the share of the action lines'
  monthly schedule elapsed: whole months plus the current month in proportion to its days; a past
  year counts whole, a future year has nothing programmed yet); grey when nothing is programmed yet;
- AI1 (requests): requests attended out of those received;
- a conditional component switched off for the year: "no aplica".
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from crm.core.display import count as counted
from crm.core.display import points, whole
from crm.indicators.compute import percent
from crm.indicators.levels import level_kinds
from crm.indicators.realized import level_lines, stated_target
from crm.program.models import DEFAULT_GREEN, DEFAULT_YELLOW, LEVELS, ProgramYear
from crm.program.texts import warning_es

LEVEL_LABELS = {"FIN": "FIN", "PROPOSITO": "PROPÓSITO", **{f"AI{n}": f"AI{n}" for n in range(1, 7)}}
LIGHT_LABELS = {"green": "Verde", "yellow": "Amarillo", "red": "Rojo", "none": "Sin dato", "off": "No aplica"}
NOT_APPLICABLE = {"color": "off", "label": LIGHT_LABELS["off"], "basis": "componente condicional que no aplica "
                  "este año", "progress": None, "expected": None}


def thresholds(program: ProgramYear | None) -> tuple[float, float]:
    """(green, yellow) of the program year's traffic light; the defaults without a program."""
    if program is None:
        return float(DEFAULT_GREEN), float(DEFAULT_YELLOW)
    return float(program.threshold_green), float(program.threshold_yellow)


def thresholds_text(program: ProgramYear | None) -> list[str]:
    green, yellow = thresholds(program)
    return [
        f"Umbrales del programa: verde desde {green:.0f} %, amarillo desde {yellow:.0f} %, rojo por debajo; "
        "gris cuando aún no hay dato.",
        "Satisfacción (PROPÓSITO, AI3, AI5, AI6): el porcentaje de respuestas positivas del periodo.",
        "Cumplimiento de actividades (FIN, AI2, AI4 y cada línea de acción): en un trimestre, las actividades "
        "realizadas entre las programadas; en el año, frente a lo programado hasta la fecha de corte (la meta "
        "anual por la parte del calendario mensual ya transcurrida).",
        "AI1 (gestiones): gestiones atendidas entre gestiones recibidas.",
        "Un componente condicional que no aplica en el año se muestra como «No aplica» y no cuenta en FIN.",
    ]


THRESHOLDS_TEXT = thresholds_text(None)
# The satisfaction formula the report applies (CONTRACTS.md), as the pages state it beside the responses count.
SATISFACTION_FORMULA_ES = ("fórmula: respuestas positivas a preguntas indicadoras / respuestas a preguntas "
                           "indicadoras × 100")


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def _color(value: float | None, green: float, yellow: float) -> str:
    if value is None:
        return "none"
    if value >= green:
        return "green"
    return "yellow" if value >= yellow else "red"


def schedule_share(lines, year: int, today: date) -> float:
    """Share (0..1) of the lines' monthly schedule elapsed at the end of `today`."""
    if year < today.year:
        return 1.0
    if year > today.year:
        return 0.0
    months = [0] * 12
    for line in lines:
        for index, count in enumerate(line.monthly()):
            months[index] += count
    total = sum(months)
    if not total:
        return today.timetuple().tm_yday / (366 if calendar.isleap(year) else 365)
    days = calendar.monthrange(year, today.month)[1]
    done = sum(months[:today.month - 1]) + months[today.month - 1] * today.day / days
    return done / total


def light(level: str, year_row: dict, program: ProgramYear | None, year: int, today: date) -> dict:
    if year_row.get("applies") is False:
        return dict(NOT_APPLICABLE)
    kind = level_kinds(program)[level]
    value = year_row["value"]
    green, yellow = thresholds(program)
    if kind == "satisfaction":
        color = _color(value, green, yellow)
        basis = "sin respuestas" if value is None else f"satisfacción {points(value)}"
        return {"color": color, "label": LIGHT_LABELS[color], "basis": basis, "progress": value}
    if level == "AI1":
        color = _color(value, green, yellow)
        basis = "sin gestiones recibidas" if value is None else f"{points(value)} de las gestiones atendidas"
        return {"color": color, "label": LIGHT_LABELS[color], "basis": basis, "progress": value}
    if program is None:
        return {"color": "none", "label": LIGHT_LABELS["none"], "basis": "sin programa cargado", "progress": None,
                "expected": None}
    expected = stated_target(program, level) * schedule_share(level_lines(program, level), year, today)
    return progress_light(year_row["numerator"], expected, green, yellow)


def progress_light(realized: int, expected: float, green: float, yellow: float) -> dict:
    """Realized activities against what was programmed up to the cut (`expected`, may be fractional)."""
    if expected <= 0:
        return {"color": "none", "label": LIGHT_LABELS["none"], "basis": "aún no hay actividades programadas",
                "progress": None, "expected": 0.0}
    # percent() works on integers: compare in hundredths of an activity
    progress = percent(round(realized * 100), round(expected * 100))
    color = _color(progress, green, yellow)
    basis = f"{points(progress)} de lo programado a la fecha ({realized} realizadas de {expected:.0f} programadas)"
    return {"color": color, "label": LIGHT_LABELS[color], "basis": basis, "progress": progress,
            "expected": round(expected, 1)}


def target_text(level: str, program: ProgramYear | None) -> str | None:
    """The target (meta) as a sentence, where one exists."""
    if level_kinds(program)[level] == "satisfaction":
        parts = [f"umbral de satisfacción {thresholds(program)[0]:.0f} %"]
        component = program.component(level) if program else None
        if component is not None and component.target is not None:
            parts.insert(0, f"{counted(component.target, 'actividad', 'actividades')} en el año")
        return "; ".join(parts)
    if program is None:
        return None
    target = stated_target(program, level)
    if level == "AI1":
        return f"{counted(target, 'acción', 'acciones')} en el año (el indicador compara gestiones atendidas y recibidas)"
    return f"{counted(target, 'actividad', 'actividades')} en el año"


def summaries(report: dict, program: ProgramYear | None, today: date) -> list[dict]:
    """One entry per level, in matrix order: the year's row, the quarters, target and traffic light."""
    year = report["year"]
    by_level: dict[str, list[dict]] = {level: [] for level in LEVELS}
    for row in report["indicators"]:
        by_level[row["level"]].append(row)
    kinds = level_kinds(program)
    out = []
    for level in LEVELS:
        rows = by_level[level]
        year_row = next(r for r in rows if r["period"] == str(year))
        component = program.component(level) if program else None
        out.append({
            "level": level, "label": level_label(level), "kind": kinds[level],
            "name": component.name if component else "", "formula": component.formula if component else "",
            "year": year_row, "quarters": [r for r in rows if r["period"] != str(year)],
            "target": target_text(level, program), "thresholds": thresholds(program),
            "applies": year_row.get("applies", True),
            "light": light(level, year_row, program, year, today),
        })
    return out


def trend_text(summary: dict) -> str:
    """The quarterly trend in words: the text alternative of its chart."""
    parts = []
    for index, row in enumerate(summary["quarters"], start=1):
        value = row["value"]
        parts.append(f"T{index}: " + ("sin datos" if value is None else f"{points(value)}"))
    kind = "satisfacción" if summary["kind"] == "satisfaction" else "cumplimiento"
    return f"{summary['label']}, {kind} por trimestre. " + "; ".join(parts) + "."


def warnings_for(level: str, warnings: list[str]) -> list[str]:
    """The warnings (in Spanish) about one level: those naming it or one of its action lines ("AI4:",
    "AI4.2:"), and those about no level (a missing program)."""
    own = re.compile(rf"^{re.escape(level)}[.:]")
    named = re.compile(r"^(FIN|PROPOSITO|AI\d)[.:]")
    texts = [warning_es(w) for w in warnings]
    return [w for w in texts if own.match(w) or not named.match(w)]


# --------------------------------------------------------------------------- one period: lights and a reading


def _period_light(summary: dict, row: dict) -> dict:
    """A quarter's traffic light: its own value against the program's thresholds."""
    if row.get("applies") is False:
        return dict(NOT_APPLICABLE)
    green, yellow = summary["thresholds"]
    value = row["value"]
    color = _color(value, green, yellow)
    if summary["kind"] == "satisfaction":
        basis = "sin respuestas" if value is None else f"satisfacción {points(value)}"
    elif summary["level"] == "AI1":
        basis = "sin gestiones recibidas" if value is None else f"{points(value)} de las gestiones atendidas"
    else:
        basis = ("nada programado en el trimestre" if not row["denominator"] else
                 f"{points(value)} de lo programado en el trimestre")
    return {"color": color, "label": LIGHT_LABELS[color], "basis": basis}


def reading(summary: dict, row: dict) -> str:
    """A short reading of one level in one period, in plain Spanish, whole numbers for counts."""
    if row.get("applies") is False:
        return "No aplica este año: es un componente condicional que el programa no activó."
    value = row["value"]
    if summary["kind"] == "satisfaction":
        if value is None:
            text = "Sin respuestas de satisfacción en el periodo."
        else:
            answered = counted(row["responses"], "encuesta respondida", "encuestas respondidas")
            text = (f"{points(value)} de respuestas positivas, en {answered} "
                    f"(umbral verde: {summary['thresholds'][0]:.0f}\u00a0%).")
        if row.get("activities_programmed"):
            text += (f" Actividades realizadas: {whole(row['activities_realized'])} de "
                     f"{whole(row['activities_programmed'])} programadas.")
        return text
    if summary["level"] == "AI1":
        if not row["denominator"]:
            return "No se recibieron gestiones en el periodo."
        return (f"Se atendieron {whole(row['numerator'])} de "
                f"{counted(row['denominator'], 'gestión recibida', 'gestiones recibidas')} ({points(value)}).")
    if not row["denominator"]:
        done = counted(row["numerator"], "actividad realizada", "actividades realizadas")
        return f"Nada programado en el periodo; {done}."
    return (f"Se realizaron {whole(row['numerator'])} de "
            f"{counted(row['denominator'], 'actividad programada', 'actividades programadas')} ({points(value)}).")


def at_period(summaries_: list[dict], period: str, year: int) -> list[dict]:
    """Each level's summary seen at one period (a quarter "2025-Q2" or the year "2025"): its row, its light
    (the year's light is the scorecard's, against what was programmed up to the cut) and a short reading."""
    out = []
    for summary in summaries_:
        if period == str(year):
            row, period_light = summary["year"], summary["light"]
        else:
            row = next(r for r in summary["quarters"] if r["period"] == period)
            period_light = _period_light(summary, row)
        out.append({**summary, "row": row, "period_light": period_light, "reading": reading(summary, row)})
    return out
