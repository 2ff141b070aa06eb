"""Satisfaction broken down by sex, network, country, observation program, survey and activity.

The counts follow CONTRACTS.md ("Indicators", satisfaction): over the responses submitted in
the period to the surveys linked to a level and year, `denominator` = indicator answers,
`numerator` = positive ones, `responses` = distinct responses with at least one indicator
answer, `value` = 100 x numerator / denominator (half up, one decimal).

Two SQL aggregates feed everything (no Python object per answer):

- per (component, local quarter, survey, sex, country of residence): the survey-based
  dimensions (survey, observation program, activity) and the person-based ones (sex, country)
  are folded from it in Python;
- per (component, local quarter, network): a person in two networks counts in both, so the
  network groups may add up to more than the total.

A response with no person (anonymous or unlinked) falls in the "Sin dato" group of the
person-based dimensions.

Small cells: a group with fewer than MIN_CELL responses is suppressed (counts and value become
None, reason "menos de 5"). So that a suppressed cell cannot be recovered by subtraction, a
second cell is suppressed ("complementaria") wherever a table would otherwise hide exactly one
cell of a sum that is shown: the groups of a level and period (their total is the matrix), the
four quarters and the year of a group, and AI3 + AI5 + AI6 = PROPOSITO of a group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select

from crm.contacts.catalogs import SEXES
from crm.contacts.countries import country_name
from crm.contacts.models import Membership, Network, Person
from crm.core.extensions import db
from crm.core.timeutil import local_tz, tz_name
from crm.events.models import Activity, ObservationProgram
from crm.indicators.compute import QUARTERS, Counts, _quarter_case, percent, quarter_start_instants
from crm.indicators.levels import level_kinds, satisfaction_components
from crm.program.models import LEVELS
from crm.program.services import program_for_year
from surveys.models import Answer, Choice, Question, Response, Survey

MIN_CELL = 5
SMALL = "menos de 5"
COMPLEMENTARY = "complementaria"
UNKNOWN = ""  # the "Sin dato" group key
NO_NETWORK = "(ninguna)"


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    person_based: bool


DIMENSIONS = (
    Dimension("sexo", "Sexo", True),
    Dimension("red", "Red", True),
    Dimension("pais", "País de residencia", True),
    Dimension("programa", "Programa de observación", False),
    Dimension("encuesta", "Encuesta", False),
    Dimension("actividad", "Actividad", False),
)
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}


def year_components(year: int) -> tuple[str, ...]:
    """The satisfaction components of the year's program: the levels whose surveys are broken down."""
    return satisfaction_components(level_kinds(program_for_year(year)))


def breakdown_levels(year: int) -> tuple[str, ...]:
    return ("PROPOSITO", *year_components(year))


# --------------------------------------------------------------------------- SQL aggregates


def _linked(year: int, components: tuple[str, ...], bounds: list) -> tuple:
    return (Survey.year == year, Survey.component_code.in_(components),
            Response.submitted_at >= bounds[0], Response.submitted_at < bounds[4],
            Response.excluded.is_(False))  # a burst staff excluded counts nowhere


def _per_response(linked: tuple):
    """Positive and indicator answers per response (None when the year has no linked response)."""
    low, high = db.session.execute(
        select(func.min(Response.id), func.max(Response.id)).join(Survey, Survey.id == Response.survey_id)
        .where(*linked)
    ).one()
    if low is None:
        return None
    return (
        select(
            Answer.response_id.label("response_id"),
            func.sum(case((Choice.positive.is_(True), 1), else_=0)).label("positive"),
            func.count().label("answers"),
        )
        .select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .join(Choice, Choice.id == Answer.choice_id)
        .where(Question.indicator.is_(True), Answer.response_id >= low, Answer.response_id <= high)
        .group_by(Answer.response_id)
        .subquery()
    )


def _grouped(year: int, components: tuple[str, ...], zone: ZoneInfo, columns: dict, joins: Callable
             ) -> list[tuple]:
    """(component, quarter, *columns, Counts) over the year's responses linked to the components."""
    bounds = quarter_start_instants(year, zone)
    linked = _linked(year, components, bounds)
    per_response = _per_response(linked)
    if per_response is None:
        return []
    inner = (
        select(Survey.component_code.label("component"),
               _quarter_case(Response.submitted_at, bounds).label("quarter"),
               *(expr.label(name) for name, expr in columns.items()),
               per_response.c.positive, per_response.c.answers)
        .select_from(per_response)
        .join(Response, Response.id == per_response.c.response_id)
        .join(Survey, Survey.id == Response.survey_id)
    )
    inner = joins(inner).where(*linked).subquery()
    keys = [inner.c.component, inner.c.quarter, *(inner.c[name] for name in columns)]
    stmt = select(*keys, func.sum(inner.c.positive), func.sum(inner.c.answers), func.count()).group_by(*keys)
    out = []
    for row in db.session.execute(stmt):
        *head, positive, answers, responses = row
        out.append((*head[:2], *head[2:], Counts(int(positive or 0), int(answers or 0), int(responses))))
    return out


def base_aggregate(year: int, components: tuple[str, ...], zone: ZoneInfo) -> list[tuple]:
    """(component, quarter, survey_id, sex, country, Counts); sex/country None with no person."""
    return [(c, int(q), int(s), sex, country, counts) for c, q, s, sex, country, counts in _grouped(
        year, components, zone, {"survey_id": Survey.id, "sex": Person.sex, "country": Person.country},
        lambda stmt: stmt.outerjoin(Person, Person.id == Response.person_id))]


def network_aggregate(year: int, components: tuple[str, ...], zone: ZoneInfo) -> list[tuple]:
    """(component, quarter, network code | NO_NETWORK | UNKNOWN, Counts) over active memberships."""
    key = case((Response.person_id.is_(None), UNKNOWN), (Network.code.is_(None), NO_NETWORK), else_=Network.code)
    return [(c, int(q), k, counts) for c, q, k, counts in _grouped(
        year, components, zone, {"grp": key},
        lambda stmt: stmt.outerjoin(Membership, and_(Membership.person_id == Response.person_id,
                                                     Membership.status == "active"))
        .outerjoin(Network, Network.id == Membership.network_id))]


# --------------------------------------------------------------------------- pure folding


def period_of(year: int, quarter: int | None) -> str:
    return f"{year}-Q{quarter}" if quarter else str(year)


def fold(year: int, rows: Iterable[tuple[str, int, object, Counts]]) -> dict[tuple[str, str, object], Counts]:
    """(component, quarter, group, Counts) -> {(level, period, group): Counts}, adding PROPOSITO and the year."""
    cells: dict[tuple[str, str, object], Counts] = defaultdict(Counts)
    for component, quarter, group, counts in rows:
        for level in (component, "PROPOSITO"):
            for period in (period_of(year, quarter), str(year)):
                cells[(level, period, group)] += Counts(counts.numerator, counts.denominator, counts.responses)
    return dict(cells)


def suppress(cells: dict[tuple[str, str, object], Counts], year: int, minimum: int = MIN_CELL) -> dict:
    """{cell: reason} for the cells to hide: primary (fewer than `minimum` responses) and complementary."""
    hidden = {key: SMALL for key, counts in cells.items() if 0 < counts.responses < minimum}
    if not hidden:
        return hidden
    periods = [period_of(year, q) for q in QUARTERS] + [str(year)]
    groups = {key[2] for key in cells}
    levels = sorted({key[0] for key in cells}, key=LEVELS.index)  # PROPOSITO and its components
    sets: list[list[tuple]] = []
    for level in levels:
        for period in periods:
            sets.append([(level, period, g) for g in groups])      # groups add up to the matrix total
        for group in groups:
            sets.append([(level, p, group) for p in periods])       # Q1..Q4 add up to the year
    for period in periods:
        for group in groups:
            sets.append([(lv, period, group) for lv in levels])  # AI3+AI5+AI6 = PROPOSITO
    sets = [[key for key in members if key in cells and cells[key].responses > 0] for members in sets]
    changed = True
    while changed:
        changed = False
        for members in sets:
            if sum(1 for key in members if key in hidden) != 1:
                continue
            shown = [key for key in members if key not in hidden]
            if shown:
                victim = min(shown, key=lambda key: (cells[key].responses, str(key)))
                hidden[victim] = COMPLEMENTARY
                changed = True
    return hidden


def rows_for(cells: dict, hidden: dict, labels: Callable[[object], str], year: int) -> list[dict]:
    """One row per level, period and group (groups with responses only), small cells suppressed."""
    order_period = {period_of(year, q): q for q in QUARTERS} | {str(year): 5}
    out = []
    for (level, period, group), counts in cells.items():
        if counts.responses == 0:
            continue
        row = {"level": level, "period": period, "group": "" if group is None else str(group),
               "label": labels(group)}
        reason = hidden.get((level, period, group))
        if reason:
            row.update(numerator=None, denominator=None, responses=None, value=None, suppressed=reason)
        else:
            row.update(numerator=counts.numerator, denominator=counts.denominator, responses=counts.responses,
                       value=percent(counts.numerator, counts.denominator), suppressed=None)
        out.append(row)
    out.sort(key=lambda r: (LEVELS.index(r["level"]), order_period[r["period"]], r["group"] == "", r["label"]))
    return out


# --------------------------------------------------------------------------- labels


def _survey_facts(year: int, components: tuple[str, ...]) -> dict[int, dict]:
    rows = db.session.execute(
        select(Survey.id, Survey.code, Survey.title, Survey.observation_program_id, ObservationProgram.name,
               Survey.activity_id, Activity.title, Activity.date)
        .outerjoin(ObservationProgram, ObservationProgram.id == Survey.observation_program_id)
        .outerjoin(Activity, Activity.id == Survey.activity_id)
        .where(Survey.year == year, Survey.component_code.in_(components)))
    return {sid: {"code": code, "title": title, "program_id": pid, "program": pname, "activity_id": aid,
                  "activity": f"{adate.isoformat()} · {atitle}" if aid and adate else (atitle or "")}
            for sid, code, title, pid, pname, aid, atitle, adate in rows}


def _sex_label(key) -> str:
    return SEXES.get(key, "Sin dato") if key else "Sin dato"


def _country_label(key) -> str:
    return f"{country_name(key)} ({key})" if key else "Sin dato"


# --------------------------------------------------------------------------- the breakdowns


def compute_breakdowns(year: int, tz: ZoneInfo | str | None = None, dimensions: Iterable[str] | None = None) -> list[dict]:
    """[{key, title, person_based, rows: [...]}] for the wanted dimensions (all by default)."""
    zone = tz if isinstance(tz, ZoneInfo) else local_tz(tz or tz_name())
    wanted = [DIMENSION_BY_KEY[k] for k in (dimensions or DIMENSION_BY_KEY)]
    components = year_components(year)
    base = base_aggregate(year, components, zone) if any(d.key != "red" for d in wanted) else []
    facts = _survey_facts(year, components) if base else {}
    out = []
    for dimension in wanted:
        if dimension.key == "red":
            networks = dict(db.session.execute(select(Network.code, Network.name)).all())
            grouped = [(c, q, k, n) for c, q, k, n in network_aggregate(year, components, zone)]

            def labels(key, networks=networks):
                if key == UNKNOWN:
                    return "Sin dato"
                if key == NO_NETWORK:
                    return "Sin red activa"
                return networks.get(key, key)
        elif dimension.key == "sexo":
            grouped = [(c, q, sex or UNKNOWN, n) for c, q, _, sex, _, n in base]
            labels = _sex_label
        elif dimension.key == "pais":
            grouped = [(c, q, country or UNKNOWN, n) for c, q, _, _, country, n in base]
            labels = _country_label
        elif dimension.key == "encuesta":
            grouped = [(c, q, s, n) for c, q, s, _, _, n in base]

            def labels(key, facts=facts):
                fact = facts.get(key) or {}
                return f"{fact.get('title', '')} ({fact.get('code', key)})"
        elif dimension.key == "programa":
            grouped = [(c, q, facts.get(s, {}).get("program_id") or UNKNOWN, n) for c, q, s, _, _, n in base]
            names = {f["program_id"]: f["program"] for f in facts.values() if f["program_id"]}

            def labels(key, names=names):
                return names.get(key, "Sin programa de observación") if key else "Sin programa de observación"
        else:  # actividad
            grouped = [(c, q, facts.get(s, {}).get("activity_id") or UNKNOWN, n) for c, q, s, _, _, n in base]
            names = {f["activity_id"]: f["activity"] for f in facts.values() if f["activity_id"]}

            def labels(key, names=names):
                return names.get(key, "Sin actividad") if key else "Sin actividad"
        cells = fold(year, grouped)
        hidden = suppress(cells, year)
        out.append({"key": dimension.key, "title": dimension.title, "person_based": dimension.person_based,
                    "rows": rows_for(cells, hidden, labels, year)})
    return out


def select_rows(breakdown: dict, level: str, period: str) -> list[dict]:
    return [row for row in breakdown["rows"] if row["level"] == level and row["period"] == period]


def survey_response_counts(year: int, levels: Iterable[str], tz: ZoneInfo | str | None = None) -> list[dict]:
    """The surveys linked to the levels and year, with their responses per local quarter (drill-down).

    Counts of responses (not answers) are shown in full to the roles that may read responses;
    a survey's satisfaction value still goes through the small-cell rule (see compute_breakdowns).
    """
    zone = tz if isinstance(tz, ZoneInfo) else local_tz(tz or tz_name())
    bounds = quarter_start_instants(year, zone)
    components = year_components(year)
    levels = tuple(lv for lv in levels if lv in components)
    surveys = db.session.execute(
        select(Survey.id, Survey.code, Survey.title, Survey.component_code, Survey.state, Survey.anonymous)
        .where(Survey.year == year, Survey.component_code.in_(levels)).order_by(Survey.component_code, Survey.code)
    ).all()
    per_response = (
        select(Response.survey_id.label("survey_id"), _quarter_case(Response.submitted_at, bounds).label("quarter"))
        .join(Survey, Survey.id == Response.survey_id)
        .where(*_linked(year, levels, bounds))
        .subquery()
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for survey_id, quarter, number in db.session.execute(
            select(per_response.c.survey_id, per_response.c.quarter, func.count())
            .group_by(per_response.c.survey_id, per_response.c.quarter)):
        counts[survey_id][int(quarter)] = int(number)
    return [{"id": sid, "code": code, "title": title, "component": component, "state": state,
             "anonymous": anonymous, "quarters": [counts[sid].get(q, 0) for q in QUARTERS],
             "total": sum(counts[sid].values())}
            for sid, code, title, component, state, anonymous in surveys]
