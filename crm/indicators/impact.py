"""Impact before/after: the same people answering the same question before and after an activity.

`Survey.pre_survey_id` marks a survey as the "after" of a "before" survey. For every question
present in both (same name) that is numeric (integer, decimal) or a select_one whose options
are the same list in the same order, over the people who answered both surveys
(`Response.person_id` set in both):

- score: the number for numeric questions; for options, the option's place in the list
  (1 = first). When the options flagged positive open the list (Buena, Regular, Mala), the scale
  is reversed (3 = first) so that a higher score is always better;
- each person's latest response to each survey is the one used;
- mean before, mean after and change = after - before (each from the exact means, half up, two
  decimals), and the share of people whose score went up (half up, one decimal).

A question answered by fewer than MIN_CELL people in both is suppressed like the breakdowns.
A pair's year is the after survey's year, else the before survey's, else its activity's, else
the local year in which the after survey was created.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.core.extensions import db
from crm.core.timeutil import to_local
from crm.events.models import Activity
from crm.indicators.breakdowns import MIN_CELL, SMALL
from crm.indicators.compute import percent
from surveys.models import Answer, Question, Response, Survey

NUMERIC = ("integer", "decimal")
TWO_DECIMALS = Decimal("0.01")


def _round2(value: Decimal) -> float:
    return float(value.quantize(TWO_DECIMALS, rounding=ROUND_HALF_UP))


def _exact_mean(values: list[float]) -> Decimal:
    return sum(Decimal(repr(float(v))) for v in values) / len(values)


def mean(values: list[float]) -> float | None:
    return _round2(_exact_mean(values)) if values else None


def scale_scores(question: Question) -> dict[int, int]:
    """choice id -> score: place in the list (1 = first), reversed when the positive options come first."""
    choices = sorted(question.choices, key=lambda c: (c.position, c.id))
    n = len(choices)
    positive = {index for index, c in enumerate(choices) if c.positive}
    reverse = bool(positive) and len(positive) < n and positive == set(range(len(positive)))
    return {c.id: (n - index if reverse else index + 1) for index, c in enumerate(choices)}


def comparable(before: Question, after: Question) -> str | None:
    """'numeric', 'ordinal' or None."""
    if before.type in NUMERIC and after.type in NUMERIC:
        return "numeric"
    if before.type == after.type == "select_one":
        names_before = [c.name for c in sorted(before.choices, key=lambda c: (c.position, c.id))]
        names_after = [c.name for c in sorted(after.choices, key=lambda c: (c.position, c.id))]
        if len(names_before) >= 2 and names_before == names_after:
            return "ordinal"
    return None


def latest_scores(survey_id: int, questions: dict[int, tuple[str, dict | None]]) -> dict[str, dict[int, float]]:
    """question name -> {person id: score} from each person's latest response to the survey.

    `questions`: question id -> (name, choice id -> score, or None for a numeric question).
    """
    rows = db.session.execute(
        select(Response.person_id, Response.submitted_at, Response.id, Answer.question_id, Answer.value,
               Answer.choice_id)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id == survey_id, Response.person_id.is_not(None), Response.excluded.is_(False),
               Answer.question_id.in_(list(questions)))
    ).all()
    latest: dict[int, tuple] = {}
    for person_id, submitted_at, response_id, *_ in rows:
        key = (submitted_at, response_id)
        if person_id not in latest or key > latest[person_id]:
            latest[person_id] = key
    out: dict[str, dict[int, float]] = {name: {} for name, _ in questions.values()}
    for person_id, submitted_at, response_id, question_id, value, choice_id in rows:
        if latest[person_id] != (submitted_at, response_id):
            continue
        name, scores = questions[question_id]
        if scores is None:
            try:
                score = float(str(value).strip().replace(",", "."))
            except (TypeError, ValueError):
                continue
            if not math.isfinite(score):
                continue
        elif choice_id in scores:
            score = scores[choice_id]
        else:
            continue
        out[name][person_id] = score
    return out


def question_impact(before: dict[int, float], after: dict[int, float]) -> dict:
    people = sorted(set(before) & set(after))
    if len(people) < MIN_CELL:
        return {"people": None, "mean_before": None, "mean_after": None, "change": None, "improved": None,
                "improved_share": None, "suppressed": SMALL if people else None}
    exact_before = _exact_mean([before[p] for p in people])
    exact_after = _exact_mean([after[p] for p in people])
    improved = sum(1 for p in people if after[p] > before[p])
    return {"people": len(people), "mean_before": _round2(exact_before), "mean_after": _round2(exact_after),
            "change": _round2(exact_after - exact_before),
            "improved": improved, "improved_share": percent(improved, len(people)), "suppressed": None}


def pair_year(after: Survey, before: Survey) -> int:
    if after.year:
        return after.year
    if before.year:
        return before.year
    activity = after.activity or before.activity
    if activity is not None:
        return activity.date.year
    return to_local(after.created_at).year


def compute_impact(year: int) -> list[dict]:
    """One entry per before/after pair of the year, with one row per comparable question."""
    before_alias = aliased(Survey)
    pairs = db.session.execute(
        select(Survey, before_alias).join(before_alias, before_alias.id == Survey.pre_survey_id)
        .order_by(Survey.id)
    ).all()
    out = []
    for after, before in pairs:
        if pair_year(after, before) != year:
            continue
        by_name = {q.name: q for q in before.answerable_questions if q.name}
        matched = []
        for question in after.answerable_questions:
            other = by_name.get(question.name)
            kind = comparable(other, question) if other is not None else None
            if kind:
                matched.append((other, question, kind))
        before_scores = latest_scores(before.id, {
            b.id: (b.name, scale_scores(b) if kind == "ordinal" else None) for b, _, kind in matched}) if matched else {}
        after_scores = latest_scores(after.id, {
            a.id: (a.name, scale_scores(a) if kind == "ordinal" else None) for _, a, kind in matched}) if matched else {}
        notes = []
        if after.activity_id and before.activity_id and after.activity_id != before.activity_id:
            notes.append("las encuestas de antes y de después están ligadas a actividades distintas")
        if not matched:
            notes.append("no hay preguntas comparables (mismo nombre, numéricas o de opciones en el mismo orden)")
        activity = after.activity or before.activity
        out.append({
            "before": {"id": before.id, "code": before.code, "title": before.title},
            "after": {"id": after.id, "code": after.code, "title": after.title},
            "activity": ({"id": activity.id, "title": activity.title, "date": activity.date.isoformat()}
                         if isinstance(activity, Activity) else None),
            "notes": notes,
            "questions": [{"question": a.name, "label": a.label("es"), "kind": kind,
                           **question_impact(before_scores.get(a.name, {}), after_scores.get(a.name, {}))}
                          for _, a, kind in matched],
        })
    return out
