"""What the public page and its CSV show: each level's quarters and year, suppressed where the dashboard's
small-cell rule says so, with the traffic light and a reading.

Nothing is computed a second way: the figures are compute_report's rows, the lights and targets the
scorecard's, and the hidden cells those of breakdowns.suppress() applied to the satisfaction rows of the
matrix (one group per level and period). A cell with fewer than MIN_CELL responses is hidden («menos de
5»), and suppress() hides a complementary cell wherever one hidden cell would otherwise be the difference
of a shown sum: the four quarters and the year of a level (the year of a satisfaction level is the sum of
its quarters), and AI3 + AI5 + AI6 = PROPÓSITO in each period. A hidden cell hides its value and every
count (numerator, denominator, responses), and a hidden year hides the level's traffic light too (its
colour would tell the range of the value).

Compliance levels (FIN, AI1, AI2, AI4) count activities and requests, not people's answers: they are
never suppressed. No row carries anything about a person.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.events.models import Activity, PartnerRequest
from crm.indicators import scorecard
from crm.indicators.breakdowns import COMPLEMENTARY, MIN_CELL, SMALL, suppress
from crm.indicators.compute import Counts, compute_report, period_labels
from crm.indicators.transparency import texts
from crm.program.models import ProgramYear
from crm.program.services import program_for_year
from surveys.models import Response, Survey

TOTAL = ""  # the one group of the matrix's cells (suppress() works on (level, period, group) keys)
HIDDEN_TEXT = {SMALL: f"oculto: menos de {MIN_CELL} respuestas",
               COMPLEMENTARY: "oculto: complementaria"}
HIDDEN_LIGHT = {"color": "hidden", "label": "Oculto",
                "basis": "el valor del año está oculto para proteger a quienes respondieron"}
# The CSV's columns, one per column of the page's data table (same order)
CSV_COLUMNS = ("nivel", "nombre", "periodo", "valor", "numerador", "denominador", "encuestas_respondidas",
               "meta", "semaforo", "nota")


# --------------------------------------------------------------------------- years


def public_years() -> tuple[list[int], int]:
    """(the years offered, newest first; the year the page opens on).

    Offered: every program year up to the current one, and the latest year with data. The page opens on
    the latest year with data (an activity, a request or a survey response), so a new year's empty matrix
    is not what la ciudadanía sees first; without data, on the latest year offered.
    """
    current = local_today().year
    programs = {year for year in db.session.scalars(select(ProgramYear.year)) if year <= current}
    last_activity = db.session.scalar(select(func.max(Activity.date)))
    last_request = db.session.scalar(select(func.max(PartnerRequest.received_on)))
    last_survey = db.session.scalar(select(func.max(Survey.year)).where(
        Survey.id.in_(select(Response.survey_id).distinct())))
    with_data = {d.year for d in (last_activity, last_request) if d is not None}
    if last_survey is not None:
        with_data.add(int(last_survey))
    with_data = {year for year in with_data if year <= current}
    years = sorted(programs | with_data or {current}, reverse=True)
    return years, max(with_data) if with_data else years[0]


# --------------------------------------------------------------------------- the matrix


def hidden_cells(report: dict) -> dict[tuple[str, str], str]:
    """{(level, period): reason} for the satisfaction cells to hide, by the breakdowns' suppress()."""
    cells = {(row["level"], row["period"], TOTAL): Counts(row["numerator"], row["denominator"], row["responses"])
             for row in report["indicators"] if row["kind"] == "satisfaction" and row.get("applies") is not False}
    return {(level, period): reason for (level, period, _), reason in suppress(cells, report["year"]).items()}


def _cell(row: dict, year: int, reason: str | None) -> dict:
    period = row["period"]
    cell = {"period": period, "period_label": f"Año {year}" if period == str(year) else f"T{period[-1]} {year}",
            "is_year": period == str(year), "applies": row.get("applies") is not False,
            "satisfaction": row["kind"] == "satisfaction", "hidden": reason,
            "hidden_text": HIDDEN_TEXT.get(reason, "")}
    if reason:
        cell.update(value=None, numerator=None, denominator=None, responses=None)
    else:
        cell.update(value=row["value"], numerator=row["numerator"], denominator=row["denominator"],
                    responses=row.get("responses"))
    return cell


def build(year: int) -> dict:
    """Everything the page shows for `year` (the CSV writes `levels`' cells, row for row)."""
    report = compute_report(year)
    program = program_for_year(year)
    today = local_today()
    hidden = hidden_cells(report)
    by_key = {(row["level"], row["period"]): row for row in report["indicators"]}
    levels = []
    for summary in scorecard.summaries(report, program, today):
        level = summary["level"]
        cells = [_cell(by_key[(level, period)], year, hidden.get((level, period))) for period in period_labels(year)]
        light = HIDDEN_LIGHT if cells[-1]["hidden"] else summary["light"]
        entry = {"level": level, "label": summary["label"], "name": summary["name"], "kind": summary["kind"],
                 "applies": summary["applies"], "target": summary["target"] or "", "light": light,
                 "cells": cells, "quarters": cells[:-1], "year": cells[-1]}
        entry["reading"] = texts.reading(entry, year, summary["thresholds"][0])
        component = program.component(level) if program else None
        entry["measures"] = texts.measures(entry, summary["formula"], component.description if component else "")
        levels.append(entry)
    return {"year": year, "levels": levels, "generated_at": datetime.now(UTC).replace(tzinfo=None),
            "any_hidden": any(c["hidden"] for lv in levels for c in lv["cells"]),
            "definitions": texts.definitions(program), "min_cell": MIN_CELL}


# --------------------------------------------------------------------------- the CSV


def table_rows(data: dict) -> list[list]:
    """The page's data table, row for row: one per level and period; a hidden cell's figures are empty and
    its note says why; the target and the traffic light on the year's row."""
    out = []
    for level in data["levels"]:
        for cell in level["cells"]:
            note = cell["hidden_text"] or ("" if cell["applies"] else "no aplica")
            out.append([level["label"], level["name"], cell["period_label"], cell["value"], cell["numerator"],
                        cell["denominator"], cell["responses"] if cell["satisfaction"] else None,
                        level["target"] if cell["is_year"] else "",
                        level["light"]["label"] if cell["is_year"] else "", note])
    return out
