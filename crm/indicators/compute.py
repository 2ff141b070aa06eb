"""The results-matrix indicators (CONTRACTS.md, "Indicators").

Everything is aggregated in SQL (one query per source, grouped by level and quarter) so a
year with a million answers costs one pass over the answers, never a Python object per answer.
Quarters are local (CRM_TIMEZONE): response timestamps, stored as naive UTC, are bucketed
against the UTC instants at which each local quarter starts; activity and request dates are
already local dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from crm.core.extensions import db
from crm.core.timeutil import local_midnight_utc, local_tz, quarter_bounds, tz_name
from crm.events.models import PartnerRequest
from crm.indicators.levels import level_kinds, satisfaction_components
from crm.indicators.realized import (
    level_activities,
    line_counts,
    line_rows,
    quarter_programmed,
    stated_target,
)
from crm.program.models import LEVELS, ProgramYear
from crm.program.services import ProgramError, program_as_data, program_for_year, validate_program
from surveys.models import Answer, Choice, Question, Response, Survey

QUARTERS = (1, 2, 3, 4)
ACTIVITY_LEVELS = ("AI2", "AI4")
__all__ = ["quarter_programmed", "stated_target"]  # re-exported for the scorecard and older callers
# The satisfaction formula every satisfaction row applies, stated in the report beside the responses count.
SATISFACTION_FORMULA = ("positive answers to indicator questions / answers to indicator questions x 100 "
                        "(responses = distinct responses that answered at least one indicator question)")
Z_95 = 1.959963984540054
ONE_DECIMAL = Decimal("0.1")


@dataclass
class Counts:
    numerator: int = 0
    denominator: int = 0
    responses: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.responses += other.responses
        return self


# --------------------------------------------------------------------------- arithmetic


def _half_up(value: Decimal) -> float:
    return float(value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def percent(numerator: int, denominator: int) -> float | None:
    """100 x numerator / denominator rounded half up to one decimal; None when the denominator is 0."""
    if not denominator:
        return None
    return _half_up(Decimal(100 * numerator) / Decimal(denominator))


def wilson_interval(numerator: int, denominator: int, z: float = Z_95) -> tuple[float | None, float | None]:
    """Wilson score interval of a proportion, in percent (one decimal, half up)."""
    if not denominator:
        return None, None
    n = denominator
    p = numerator / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return _half_up(Decimal(repr(low * 100))), _half_up(Decimal(repr(high * 100)))


# --------------------------------------------------------------------------- periods


def period_labels(year: int) -> list[str]:
    return [f"{year}-Q{q}" for q in QUARTERS] + [str(year)]


def quarter_start_dates(year: int) -> list[date]:
    """The local first days of Q1..Q4 and of the next year (five boundaries)."""
    return [quarter_bounds(year, q)[0] for q in QUARTERS] + [date(year + 1, 1, 1)]


def quarter_start_instants(year: int, tz: ZoneInfo | None = None) -> list[datetime]:
    """The naive-UTC instants at which the local quarters start (and the next year starts)."""
    tz = tz or local_tz()
    return [local_midnight_utc(day, tz) for day in quarter_start_dates(year)]


def _quarter_case(column, boundaries: list):
    """SQL: the quarter (1..4) of a value already known to lie in [boundaries[0], boundaries[4])."""
    return case((column < boundaries[1], 1), (column < boundaries[2], 2), (column < boundaries[3], 3), else_=4)


# --------------------------------------------------------------------------- SQL aggregates


def satisfaction_counts(year: int, components: tuple[str, ...], tz: ZoneInfo | None = None
                        ) -> dict[tuple[str, int], Counts]:
    """(component, quarter) -> positive answers, indicator answers, distinct responses, over the surveys
    linked to the satisfaction `components`.

    The answers are first summed per response (one ordered pass over the answers, no lookup per
    answer), then each response is placed in its survey's component and its local quarter.
    """
    bounds = quarter_start_instants(year, tz)
    linked = (Survey.year == year, Survey.component_code.in_(components),
              Response.submitted_at >= bounds[0], Response.submitted_at < bounds[4],
              Response.excluded.is_(False))  # a burst staff excluded counts nowhere
    # The ids of the year's responses bound the answers to read (exact, whatever the id order).
    low, high = db.session.execute(
        select(func.min(Response.id), func.max(Response.id)).join(Survey, Survey.id == Response.survey_id)
        .where(*linked)
    ).one()
    if low is None:
        return {}
    per_response = (
        select(
            Answer.response_id.label("response_id"),
            func.sum(case((Choice.positive.is_(True), 1), else_=0)).label("positive"),
            func.count().label("answers"),
        )
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(Choice, Choice.id == Answer.choice_id)  # an answer with no option is not an answer here
        .where(Question.indicator.is_(True), Answer.response_id >= low, Answer.response_id <= high)
        .group_by(Answer.response_id)
        .subquery()
    )
    per_bucket = (
        select(
            Survey.component_code.label("component"),
            _quarter_case(Response.submitted_at, bounds).label("quarter"),
            per_response.c.positive,
            per_response.c.answers,
        )
        .select_from(per_response)
        .join(Response, Response.id == per_response.c.response_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(*linked)
        .subquery()
    )
    stmt = (
        select(per_bucket.c.component, per_bucket.c.quarter, func.sum(per_bucket.c.positive),
               func.sum(per_bucket.c.answers), func.count())
        .group_by(per_bucket.c.component, per_bucket.c.quarter)
    )
    return {(component, int(quarter)): Counts(int(positive or 0), int(answers or 0), int(responses))
            for component, quarter, positive, answers, responses in db.session.execute(stmt)}


def request_counts(year: int) -> dict[int, Counts]:
    """quarter -> requests received in it (denominator) and how many of them are attended (numerator)."""
    bounds = quarter_start_dates(year)
    per_request = (
        select(_quarter_case(PartnerRequest.received_on, bounds).label("quarter"),
               case((PartnerRequest.attended_on.is_not(None), 1), else_=0).label("attended"))
        .where(PartnerRequest.received_on >= bounds[0], PartnerRequest.received_on < bounds[4])
        .subquery()
    )
    stmt = (select(per_request.c.quarter, func.sum(per_request.c.attended), func.count())
            .group_by(per_request.c.quarter))
    return {int(quarter): Counts(int(attended or 0), int(received)) for quarter, attended, received
            in db.session.execute(stmt)}


# --------------------------------------------------------------------------- the program's side


def program_warnings(program: ProgramYear) -> list[str]:
    try:
        return validate_program(program_as_data(program))[1]
    except ProgramError as exc:
        return list(exc.problems)


# --------------------------------------------------------------------------- the report


def _row(level: str, kind: str, period: str, counts: Counts) -> dict:
    row = {"level": level, "kind": kind, "period": period,
           "numerator": counts.numerator, "denominator": counts.denominator}
    if kind == "satisfaction":
        row["responses"] = counts.responses
    row["value"] = percent(counts.numerator, counts.denominator)
    if kind == "satisfaction":
        row["ci_low"], row["ci_high"] = wilson_interval(counts.numerator, counts.denominator)
    return row


def _off_levels(program: ProgramYear | None) -> set[str]:
    """The conditional components switched off for the year: they read "no aplica"."""
    return {c.code for c in program.components if not c.applies} if program else set()


def _activity_fields(program: ProgramYear, counts) -> dict[str, dict]:
    """level -> its realized and programmed activities (components and FIN)."""
    return {level: level_activities(program, level, counts) for level in LEVELS if level != "PROPOSITO"}


def compute_report(year: int, tz: ZoneInfo | str | None = None) -> dict:
    """The results matrix of `year`: one row per level and period, the action lines, the program's warnings."""
    name = tz if isinstance(tz, str) else (tz.key if isinstance(tz, ZoneInfo) else tz_name())
    zone = local_tz(name)
    program = program_for_year(year)
    kinds = level_kinds(program)
    off = _off_levels(program)
    warnings: list[str] = []

    # per level: quarter -> Counts (the year row is computed separately for compliance)
    quarters: dict[str, dict[int, Counts]] = {level: {q: Counts() for q in QUARTERS} for level in LEVELS}
    years: dict[str, Counts] = {}

    measured = tuple(c for c in satisfaction_components(kinds) if c not in off)
    for (component, quarter), counts in satisfaction_counts(year, measured, zone).items():
        quarters[component][quarter] += counts
        quarters["PROPOSITO"][quarter] += counts

    if "AI1" not in off:
        for quarter, counts in request_counts(year).items():
            quarters["AI1"][quarter] += counts

    activities: dict[str, dict] = {}
    lines: list[dict] = []
    if program is None:
        warnings.append(f"no program loaded for {year}: compliance denominators are 0 "
                        "(load it with `flask program load`)")
    else:
        warnings.extend(program_warnings(program))
        counts = line_counts(program, year)
        activities = _activity_fields(program, counts)
        lines = line_rows(program, year, counts, percent)
        for level in (*ACTIVITY_LEVELS, "FIN"):
            if level in off or kinds.get(level) != "compliance":
                continue
            done = activities[level]
            for q in QUARTERS:
                quarters[level][q] = Counts(done["realized"][q - 1], done["programmed"][q - 1])
            years[level] = Counts(done["year_realized"], done["year_programmed"])
    rows = [_level_row(level, kinds[level], period, quarters, years, activities, off, year)
            for level in LEVELS for period in period_labels(year)]
    return {"year": year, "timezone": name, "satisfaction_formula": SATISFACTION_FORMULA, "indicators": rows,
            "lines": lines, "warnings": warnings}


def _level_row(level: str, kind: str, period: str, quarters, years, activities, off, year: int) -> dict:
    """One row: the level's counts for the period, the activities of a component, "no aplica" when off."""
    if period == str(year):
        counts = years.get(level)
        if counts is None:
            counts = Counts()
            for q in QUARTERS:
                counts += quarters[level][q]
    else:
        counts = quarters[level][int(period[-1])]
    row = _row(level, kind, period, counts)
    if level.startswith("AI"):
        done = activities.get(level)
        if done is None:
            row["activities_realized"], row["activities_programmed"] = 0, 0
        elif period == str(year):
            row["activities_realized"], row["activities_programmed"] = done["year_realized"], done["year_programmed"]
        else:
            q = int(period[-1])
            row["activities_realized"], row["activities_programmed"] = done["realized"][q - 1], done["programmed"][q - 1]
        row["activities_value"] = percent(row["activities_realized"], row["activities_programmed"])
    if level in off:
        row["applies"] = False
    return row
