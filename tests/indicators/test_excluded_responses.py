"""Responses staff excluded (a reviewed burst, surveys.services.set_excluded) count in no indicator,
breakdown, drill-down, impact pairing or survey summary; they stay stored and come back when included."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.indicators.breakdowns import base_aggregate, network_aggregate, survey_response_counts
from crm.indicators.compute import compute_report
from crm.indicators.impact import latest_scores
from surveys import services
from surveys.models import Response
from surveys.responses import summaries
from tests.factories import make_person
from tests.indicators.helpers import respond, survey

ZONE = ZoneInfo("America/Mexico_City")


@pytest.fixture(autouse=True)
def mexico_city(app):
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"


@pytest.fixture
def stuffed(app):
    s = survey("AI3")
    for _ in range(3):
        respond(s, datetime(2025, 5, 10, 15), calidad="buena")
    burst = [respond(s, datetime(2025, 5, 10, 16), calidad="mala").id for _ in range(7)]
    return s, burst


def _ai3(year_row="2025"):
    row = next(r for r in compute_report(2025)["indicators"] if r["level"] == "AI3" and r["period"] == year_row)
    return row["numerator"], row["denominator"], row["responses"]


def test_excluded_responses_leave_every_count_and_come_back(stuffed):
    s, burst = stuffed
    assert _ai3() == (3, 10, 10)
    assert services.set_excluded(s, burst, True, actor="prueba") == 7
    assert _ai3() == (3, 3, 3) and _ai3("2025-Q2") == (3, 3, 3)
    [(component, quarter, _survey_id, _sex, _country, counts)] = base_aggregate(2025, ("AI3",), ZONE)
    assert (component, quarter, counts.denominator) == ("AI3", 2, 3)
    assert sum(c.denominator for *_, c in network_aggregate(2025, ("AI3",), ZONE)) == 3
    [drill] = survey_response_counts(2025, ["AI3"], "America/Mexico_City")
    assert drill["total"] == 3
    total, per_question = summaries.summarize(s)
    assert total == 3 and per_question[0].answered == 3
    assert {c.name: c.count for c in per_question[0].choices} == {"buena": 3, "regular": 0, "mala": 0}
    assert summaries.excluded_count(s) == 7
    assert db.session.scalar(select(func.count(Response.id))) == 10  # kept
    services.set_excluded(s, burst, False, actor="prueba")
    assert _ai3() == (3, 10, 10) and summaries.excluded_count(s) == 0


def test_only_the_surveys_own_responses_can_be_excluded(stuffed):
    s, burst = stuffed
    other = survey("AI5")
    assert services.set_excluded(other, burst, True, actor="prueba") == 0
    assert _ai3() == (3, 10, 10)


def test_impact_pairs_skip_excluded_responses(app):
    s = survey("AI3")
    person = make_person()
    kept = respond(s, datetime(2025, 5, 10, 15), calidad="buena")
    later = respond(s, datetime(2025, 5, 11, 15), calidad="mala")
    for response in (kept, later):
        response.person_id = person.id
    db.session.commit()
    question = next(q for q in s.questions if q.name == "calidad")
    scores = {c.id: float(n) for n, c in enumerate(question.choices)}  # buena 0, regular 1, mala 2
    assert latest_scores(s.id, {question.id: ("calidad", scores)}) == {"calidad": {person.id: 2.0}}
    services.set_excluded(s, [later.id], True, actor="prueba")
    assert latest_scores(s.id, {question.id: ("calidad", scores)}) == {"calidad": {person.id: 0.0}}
