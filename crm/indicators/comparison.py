"""Year-over-year comparison of the results matrix: two program years side by side.

Nothing is computed a second way: each year is `compute_report` (levels and action lines), read through the
scorecard (targets, traffic lights, with each year's own thresholds) and `line_view` (the lines' lights).
For every level and period (T1..T4 and the year) the comparison gives both years' values, the change in
percentage points (every level's value is a percentage), the change in counts (realized activities or attended
requests; responses for satisfaction), each year's target and whether it was met (a green light), and notes
where the definitions differ between the years (kind, name, target, thresholds, a conditional component, an
action line present in one year only).

Satisfaction cells with fewer than MIN_CELL responses are suppressed with the complementary suppression of the
breakdowns (quarters add up to the year, AI3 + AI5 + AI6 = PROPÓSITO); a suppressed value has no change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.core.display import count, number, points, whole
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.indicators import scorecard
from crm.indicators.breakdowns import COMPLEMENTARY, SMALL, suppress
from crm.indicators.compute import Counts, compute_report, period_labels
from crm.indicators.lines import line_view
from crm.program.models import LEVELS, ProgramYear
from crm.program.services import program_for_year

PERIOD_KEYS = ("Q1", "Q2", "Q3", "Q4", "year")
PERIOD_NAMES = {"Q1": "T1", "Q2": "T2", "Q3": "T3", "Q4": "T4", "year": "Año"}
KIND_NAMES = {"satisfaction": "satisfacción", "compliance": "cumplimiento"}
HIDDEN_TEXT = {SMALL: "menos de 5", COMPLEMENTARY: "oculta (complementaria)"}
HIDDEN_LIGHT = {"color": "none", "basis": "valor oculto por tener pocas respuestas"}


# --------------------------------------------------------------------------- which years


def program_years() -> list[int]:
    """The years with a loaded program, latest first."""
    return sorted(db.session.scalars(select(ProgramYear.year)), reverse=True)


def previous_program_year(year: int) -> int | None:
    """The latest program year before `year`, or None."""
    earlier = [y for y in program_years() if y < year]
    return earlier[0] if earlier else None


def default_pair(years: list[int], today: date | None = None) -> tuple[int, int] | None:
    """(previous, current): the latest program year up to today (else the latest) and the program year before
    it; None with fewer than two program years."""
    if len(years) < 2:
        return None
    today = today or local_today()
    current = max([y for y in years if y <= today.year] or years)
    if current == min(years):
        current = sorted(years)[1]
    return max(y for y in years if y < current), current


# --------------------------------------------------------------------------- one year


def _period_key(period: str, year: int) -> str:
    return "year" if period == str(year) else period[-2:]


def _hidden(report: dict, kinds: dict[str, str]) -> dict[tuple[str, str], str]:
    """(level, period key) -> suppression reason, for the satisfaction cells with too few responses."""
    year = report["year"]
    cells = {(row["level"], row["period"], None): Counts(row["numerator"], row["denominator"], row["responses"])
             for row in report["indicators"]
             if kinds[row["level"]] == "satisfaction" and row.get("applies") is not False}
    return {(level, _period_key(period, year)): reason for (level, period, _), reason in suppress(cells, year).items()}


def _met(light: dict) -> bool | None:
    return {"green": True, "yellow": False, "red": False}.get(light["color"])


def year_side(year: int, today: date | None = None) -> dict:
    """One year read for the comparison: per level its summary and per period its cell; the action lines."""
    today = today or local_today()
    report = compute_report(year)
    program = program_for_year(year)
    summaries = scorecard.summaries(report, program, today)
    kinds = {s["level"]: s["kind"] for s in summaries}
    hidden = _hidden(report, kinds)
    cells: dict[tuple[str, str], dict] = {}
    for period in period_labels(year):
        for at in scorecard.at_period(summaries, period, year):
            key = (at["level"], _period_key(period, year))
            row, reason = at["row"], hidden.get(key)
            # a hidden value hides its light too (a green light would tell it was at least the threshold)
            period_light = {**HIDDEN_LIGHT, "label": f"Oculto ({HIDDEN_TEXT[reason]})"} if reason else at["period_light"]
            cells[key] = {
                "value": None if reason else row["value"], "numerator": None if reason else row["numerator"],
                "denominator": None if reason else row["denominator"],
                "responses": None if reason else row.get("responses"), "suppressed": reason,
                "applies": row.get("applies", True), "light": period_light, "met": _met(period_light),
            }
    lines = {}
    for component in line_view(report, program, today):
        for line in component["lines"]:
            periods = {_period_key(p["period"], year): p for p in line["periods"]}
            lines[line["code"]] = {"component": component["code"], "description": line["description"],
                                   "target": line["target"], "periods": periods}
    return {"year": year, "program": program, "summaries": {s["level"]: s for s in summaries}, "cells": cells,
            "lines": lines, "thresholds": scorecard.thresholds(program)}


# --------------------------------------------------------------------------- the change


def change_text(change: float | None, unit: str = "puntos") -> str:
    """The change in words (never colour alone): "sube 5.2 puntos", "baja 3 actividades", "sin cambio"."""
    if change is None:
        return "sin comparación"
    if change == 0:
        return "sin cambio" if unit == "puntos" else f"sin cambio en {unit}"
    amount = number(abs(change)) if unit == "puntos" else whole(abs(change))
    return f"{'sube' if change > 0 else 'baja'} {amount} {unit}"


def arrow(change: float | None) -> str:
    if change is None:
        return ""
    return "↑" if change > 0 else ("↓" if change < 0 else "→")


def _point_change(a: dict, b: dict) -> float | None:
    if a["suppressed"] or b["suppressed"] or a["value"] is None or b["value"] is None:
        return None
    if not (a["applies"] and b["applies"]):
        return None
    return round(b["value"] - a["value"], 1)


def _count_unit(level: str, kind: str) -> tuple[str, str]:
    """(the field counted, its unit in words) for a level of a kind."""
    if kind == "satisfaction":
        return "responses", "encuestas respondidas"
    return "numerator", ("gestiones atendidas" if level == "AI1" else "actividades realizadas")


def _level_notes(level: str, old: dict, new: dict) -> list[str]:
    a, b = old["summaries"][level], new["summaries"][level]
    ya, yb = old["year"], new["year"]
    notes = []
    if a["kind"] != b["kind"]:
        notes.append(f"Cambió el tipo de indicador: {KIND_NAMES[a['kind']]} en {ya}, {KIND_NAMES[b['kind']]} en "
                     f"{yb}; los valores no se comparan.")
    if a["name"] and b["name"] and a["name"] != b["name"]:
        notes.append(f"Cambió el nombre: «{a['name']}» en {ya}, «{b['name']}» en {yb}.")
    if a["target"] != b["target"]:
        notes.append(f"Cambió la meta: {a['target'] or 'sin meta'} en {ya}; {b['target'] or 'sin meta'} en {yb}.")
    if a["applies"] != b["applies"]:
        off = ya if not a["applies"] else yb
        notes.append(f"Componente condicional: no aplica en {off}.")
    return notes


def _level_rows(level: str, old: dict, new: dict) -> list[dict]:
    kind_a, kind_b = old["summaries"][level]["kind"], new["summaries"][level]["kind"]
    field, unit = _count_unit(level, kind_b)
    rows = []
    for key in PERIOD_KEYS:
        a, b = old["cells"][(level, key)], new["cells"][(level, key)]
        same_kind = kind_a == kind_b
        change = _point_change(a, b) if same_kind else None
        counted = same_kind and a[field] is not None and b[field] is not None and a["applies"] and b["applies"]
        count_change = b[field] - a[field] if counted else None
        rows.append({"period": key, "period_name": PERIOD_NAMES[key], "a": a, "b": b, "change": change,
                     "arrow": arrow(change), "change_text": change_text(change),
                     "count_change": count_change, "count_unit": unit,
                     "count_text": change_text(count_change, unit)})
    return rows


def _line_entry(code: str, old: dict, new: dict) -> dict:
    a, b = old["lines"].get(code), new["lines"].get(code)
    ya, yb = old["year"], new["year"]
    notes = []
    if a is None or b is None:
        notes.append(f"La línea {code} solo existe en el programa {yb if a is None else ya}.")
    else:
        if a["target"] != b["target"]:
            notes.append(f"Cambió la meta de la línea: {count(a['target'], 'actividad', 'actividades')} en {ya}, "
                         f"{count(b['target'], 'actividad', 'actividades')} en {yb}.")
        if a["description"] != b["description"]:
            notes.append(f"Cambió la descripción: «{a['description']}» en {ya}, «{b['description']}» en {yb}.")
    rows = []
    for key in PERIOD_KEYS:
        pa = a["periods"].get(key) if a else None
        pb = b["periods"].get(key) if b else None
        both = pa is not None and pb is not None
        change = (round(pb["value"] - pa["value"], 1) if both and pa["value"] is not None and pb["value"] is not None
                  else None)
        count_change = pb["realized"] - pa["realized"] if both else None
        rows.append({"period": key, "period_name": PERIOD_NAMES[key], "a": pa, "b": pb, "change": change,
                     "arrow": arrow(change), "change_text": change_text(change), "count_change": count_change,
                     "count_text": change_text(count_change, "actividades realizadas")})
    latest = b or a
    return {"code": code, "component": latest["component"], "description": latest["description"],
            "target_a": a["target"] if a else None, "target_b": b["target"] if b else None,
            "only_in": None if a and b else (yb if a is None else ya), "notes": notes, "rows": rows}


def _line_order(code: str) -> tuple:
    component, _, number_ = code.partition(".")
    return (LEVELS.index(component) if component in LEVELS else len(LEVELS), int(number_) if number_.isdigit()
            else 0, code)


def compare(previous: int, current: int, today: date | None = None) -> dict:
    """The comparison of two years (`previous` first): levels, action lines (matched by code), notes."""
    old, new = year_side(previous, today), year_side(current, today)
    levels = []
    for level in LEVELS:
        summary = new["summaries"][level]
        levels.append({"level": level, "label": summary["label"], "name": summary["name"] or
                       old["summaries"][level]["name"], "kind": summary["kind"],
                       "target_a": old["summaries"][level]["target"], "target_b": summary["target"],
                       "light_a": old["summaries"][level]["light"], "light_b": summary["light"],
                       "notes": _level_notes(level, old, new), "rows": _level_rows(level, old, new)})
    codes = sorted(set(old["lines"]) | set(new["lines"]), key=_line_order)
    notes = []
    if old["thresholds"] != new["thresholds"]:
        (ga, ya_), (gb, yb_) = old["thresholds"], new["thresholds"]
        notes.append(f"Cambiaron los umbrales del semáforo: verde desde {ga:.0f} % y amarillo desde {ya_:.0f} % "
                     f"en {previous}; verde desde {gb:.0f} % y amarillo desde {yb_:.0f} % en {current}.")
    if old["program"] is None or new["program"] is None:
        missing = previous if old["program"] is None else current
        notes.append(f"No hay un programa cargado para {missing}: sus metas y líneas de acción no se comparan.")
    return {"previous": previous, "current": current, "levels": levels,
            "lines": [_line_entry(code, old, new) for code in codes], "notes": notes}


def for_report(year: int, today: date | None = None) -> dict | None:
    """The comparison of `year` with the program year before it, for the reports; None when `year` has no
    program or no earlier year has one."""
    if program_for_year(year) is None:
        return None
    previous = previous_program_year(year)
    return None if previous is None else compare(previous, year, today)


# --------------------------------------------------------------------------- the table for XLSX


SHEET_COLUMNS = ("nivel", "linea", "periodo", "valor_anterior", "valor_actual", "cambio_puntos", "cambio",
                 "conteo_anterior", "conteo_actual", "cambio_conteo", "unidad_conteo", "meta_anterior", "meta_actual",
                 "cumplida_anterior", "cumplida_actual", "supresion", "notas")


def _yes_no(met: bool | None) -> str:
    return "" if met is None else ("sí" if met else "no")


def sheet_rows(comparison: dict) -> list[list]:
    """One row per level and period, then one per action line and period (values in percent, changes in points)."""
    rows = []
    for entry in comparison["levels"]:
        notes = " ".join(entry["notes"])
        for r in entry["rows"]:
            field = "responses" if r["count_unit"] == "encuestas respondidas" else "numerator"
            hidden = " / ".join(HIDDEN_TEXT[x] for x in (r["a"]["suppressed"], r["b"]["suppressed"]) if x)
            rows.append([entry["label"], "", r["period_name"], r["a"]["value"], r["b"]["value"], r["change"],
                         r["change_text"], r["a"][field], r["b"][field], r["count_change"], r["count_unit"],
                         entry["target_a"], entry["target_b"], _yes_no(r["a"]["met"]), _yes_no(r["b"]["met"]),
                         hidden, notes])
    for line in comparison["lines"]:
        notes = " ".join(line["notes"])
        for r in line["rows"]:
            a, b = r["a"] or {}, r["b"] or {}
            rows.append([line["component"], line["code"], r["period_name"], a.get("value"), b.get("value"),
                         r["change"], r["change_text"], a.get("realized"), b.get("realized"), r["count_change"],
                         "actividades realizadas", line["target_a"], line["target_b"],
                         _yes_no(_met(a["light"]) if a else None), _yes_no(_met(b["light"]) if b else None), "", notes])
    return rows


def value_text(cell: dict | None) -> str:
    """A cell's value for the reports' text: the percentage, «no aplica», the suppression, or «sin dato»."""
    if cell is None:
        return "no existe"
    if cell.get("suppressed"):
        return HIDDEN_TEXT[cell["suppressed"]]
    if cell.get("applies") is False:
        return "no aplica"
    return "sin dato" if cell["value"] is None else points(cell["value"])


# --------------------------------------------------------------------------- the chart (matplotlib)


def chart_alt(comparison: dict, key: str = "year") -> str:
    """The chart's text alternative: each level's value in both years and the change."""
    previous, current = comparison["previous"], comparison["current"]
    parts = []
    for entry in comparison["levels"]:
        row = next(r for r in entry["rows"] if r["period"] == key)
        parts.append(f"{entry['label']}: {value_text(row['a'])} en {previous}, {value_text(row['b'])} en {current}"
                     f" ({row['change_text']})")
    return f"Valor anual de cada nivel, {previous} frente a {current}. " + "; ".join(parts) + "."


def render_chart(comparison: dict, fmt: str = "svg", key: str = "year") -> bytes:
    """Grouped bars: each level's value (period `key`) in the two years, labelled; SVG or PNG bytes."""
    import io

    from crm.core.display.charts import matplotlib_parts
    from crm.indicators.charts import COLORS, RC

    parts = matplotlib_parts()
    labels = [entry["label"] for entry in comparison["levels"]]
    rows = [next(r for r in entry["rows"] if r["period"] == key) for entry in comparison["levels"]]
    with parts.rc_context(RC):
        figure = parts.Figure(figsize=(7.2, 3.2), dpi=100)
        axes = figure.add_subplot()
        width = 0.38
        for offset, side, year, color in ((-width / 2, "a", comparison["previous"], "#adb5bd"),
                                          (width / 2, "b", comparison["current"], COLORS["bar"])):
            positions = [i + offset for i in range(len(rows))]
            values = [r[side]["value"] if r[side]["value"] is not None else 0 for r in rows]
            bars = axes.bar(positions, values, width=width, color=color, label=str(year),
                            edgecolor=COLORS["text"], linewidth=0.4, hatch="" if side == "b" else "//")
            for bar, r in zip(bars, rows, strict=True):
                text = value_text(r[side]).replace("\u00a0%", "").replace(" (complementaria)", "")
                axes.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                              textcoords="offset points", ha="center", va="bottom", fontsize=6,
                              color=COLORS["text"], rotation=90)
        axes.set_xticks(range(len(labels)), labels)
        axes.set_ylim(0, max(100.0, *(r[s]["value"] or 0 for r in rows for s in "ab")) * 1.2)
        axes.set_ylabel("%")
        axes.set_title(f"Valor anual por nivel: {comparison['previous']} y {comparison['current']} (%)", fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="upper right", ncol=2, fontsize=7, frameon=False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else {})
    return buffer.getvalue()


def pdf_section(comparison: dict | None, period: str, year: int) -> dict | None:
    """What the PDF report's «Comparación con el año anterior» shows: each level at the report's period (and in
    the year, for a quarter's report), the action lines at the period, the notes and the annual chart."""
    if comparison is None:
        return None
    import base64

    key = "year" if period == str(year) else period[-2:]
    keys = [key] if key == "year" else [key, "year"]
    levels = [{**entry, "shown": [r for r in entry["rows"] if r["period"] in keys]} for entry in comparison["levels"]]
    lines = [{**line, "at": next(r for r in line["rows"] if r["period"] == key)} for line in comparison["lines"]]
    svg = render_chart(comparison)
    return {**comparison, "levels": levels, "lines": lines, "period_name": PERIOD_NAMES[key], "alt": chart_alt(comparison),
            "chart": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"), "value_text": value_text}
