"""Realized and programmed activities per action line, component and FIN (CONTRACTS.md, "Indicators").

"Realized activities" everywhere (FIN, AI2, AI4, every component's `activities_realized`, the report's
`lines`) are counted here and only here, per action line and local quarter, as the sum of the SOURCES:
the activities recorded, every agreement milestone (opinion, signing) and every mailing (crm.mailings) that
names an action line, on its date. Each source is one function `(program, year) -> {(line code, quarter): count}`.

A conditional component switched off for the year (`applies: false`) is left out of FIN: neither its
activities nor its target count there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import case, func, select

from crm.core.extensions import db
from crm.core.timeutil import quarter_bounds
from crm.events.agreements.counting import milestones_by_line
from crm.events.models import Activity
from crm.mailings.counting import mailings_by_line
from crm.program.models import ActionLine, ProgramYear

QUARTERS = (1, 2, 3, 4)


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def _year_bounds(year: int):
    return quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]


def recorded_activities(program: ProgramYear, year: int) -> Counter:
    """Activities recorded under the program's action lines, by line and local quarter (dates are local)."""
    start, end = _year_bounds(year)
    bounds = [quarter_bounds(year, q)[0] for q in QUARTERS]
    quarter = case((Activity.date < bounds[1], 1), (Activity.date < bounds[2], 2),
                   (Activity.date < bounds[3], 3), else_=4)
    stmt = (select(ActionLine.code, quarter, func.count())
            .select_from(Activity).join(ActionLine, ActionLine.id == Activity.action_line_id)
            .where(ActionLine.program_year_id == program.id, Activity.date >= start, Activity.date < end)
            .group_by(ActionLine.code, quarter))
    return Counter({(code, int(q)): int(n) for code, q, n in db.session.execute(stmt)})


def agreement_milestones(program: ProgramYear, year: int) -> Counter:
    """Agreement milestones (opinion, signing) naming an action line, on their local dates."""
    counts: Counter = Counter()
    for code, day in milestones_by_line(year):
        counts[(code, quarter_of(day.month))] += 1
    return counts


def mailings(program: ProgramYear, year: int) -> Counter:
    """Mailings sent under an action line (one dissemination activity each), on their local dates."""
    return Counter((code, quarter_of(day.month)) for code, day in mailings_by_line(year))


# Every source of realized activities.
SOURCES: tuple[Callable[[ProgramYear, int], Counter], ...] = (recorded_activities, agreement_milestones, mailings)


def line_counts(program: ProgramYear, year: int) -> Counter:
    """(action-line code, quarter) -> realized activities, over every source."""
    total: Counter = Counter()
    for source in SOURCES:
        total.update(source(program, year))
    return total


# --------------------------------------------------------------------------- the program's side


def quarter_programmed(lines) -> list[int]:
    """Programmed count per quarter: the sum of each quarter's months over the action lines."""
    totals = [0, 0, 0, 0]
    for line in lines:
        months = line.monthly()
        for index in range(4):
            totals[index] += sum(months[3 * index:3 * index + 3])
    return totals


def counted_components(program: ProgramYear) -> list:
    """The components (AI1..) FIN adds up: those that apply this year."""
    return [c for c in program.components if c.code.startswith("AI") and c.applies]


def component_target(component) -> int:
    if component.target is not None:
        return int(component.target)
    return sum(int(line.target) for line in component.action_lines)


def stated_target(program: ProgramYear, code: str) -> int:
    """The year's denominator: the level's stated target. FIN: its stated target (by default the sum of the
    components') less the targets of the conditional components switched off this year."""
    component = program.component(code)
    if component is None:
        return 0
    if code == "FIN":
        off = sum(component_target(c) for c in program.components if c.code.startswith("AI") and not c.applies)
        if component.target is None:
            return sum(component_target(c) for c in counted_components(program))
        return max(int(component.target) - off, 0)
    return component_target(component)


def level_lines(program: ProgramYear, code: str) -> list:
    """The action lines under a level (FIN: under every component that applies)."""
    if code == "FIN":
        return [line for c in counted_components(program) for line in c.action_lines]
    component = program.component(code)
    return list(component.action_lines) if component else []


def level_activities(program: ProgramYear, code: str, counts: Counter) -> dict[str, list[int] | int]:
    """A level's realized and programmed activities: per quarter (lists of 4) and for the year."""
    lines = level_lines(program, code)
    realized = [sum(counts.get((line.code, q), 0) for line in lines) for q in QUARTERS]
    return {"realized": realized, "programmed": quarter_programmed(lines),
            "year_realized": sum(realized), "year_programmed": stated_target(program, code)}


def line_rows(program: ProgramYear, year: int, counts: Counter, percent) -> list[dict]:
    """The report's `lines`: one object per action line and period (every quarter, then the year)."""
    rows = []
    for component in program.components:
        for line in component.action_lines:
            programmed = quarter_programmed([line])
            realized = [counts.get((line.code, q), 0) for q in QUARTERS]
            periods = [(f"{year}-Q{q}", realized[q - 1], programmed[q - 1]) for q in QUARTERS]
            periods.append((str(year), sum(realized), int(line.target)))
            for period, done, planned in periods:
                row = {"line": line.code, "level": component.code, "period": period, "realized": done,
                       "programmed": planned, "value": percent(done, planned)}
                if not component.applies:
                    row["applies"] = False
                rows.append(row)
    return rows
