"""What the agreements add to the results matrix (CONTRACTS.md, "Agreements file" and "Indicators"): each
milestone (the opinion, the signing) with a date and an action line is one realized activity under that line
on that date. One agreement is one record per folio, so importing a folio again never counts it twice; a
cancelled agreement keeps the milestones it reached."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, union_all

from crm.core.extensions import db
from crm.events.agreements.models import Agreement
from crm.program.models import ActionLine


def milestones_between(first: date, last: date) -> list[tuple[str, date]]:
    """(action-line code, date) of every milestone dated from `first` to `last` (both included) under a line,
    ordered by date then code; one tuple per milestone (an agreement dated and signed in the range gives two)."""
    opinions = (select(ActionLine.code.label("code"), Agreement.opinion_on.label("on"))
                .join(ActionLine, ActionLine.id == Agreement.opinion_line_id)
                .where(Agreement.opinion_on >= first, Agreement.opinion_on <= last))
    signings = (select(ActionLine.code.label("code"), Agreement.signed_on.label("on"))
                .join(ActionLine, ActionLine.id == Agreement.signing_line_id)
                .where(Agreement.signed_on >= first, Agreement.signed_on <= last))
    both = union_all(opinions, signings).subquery()
    rows = db.session.execute(select(both.c.code, both.c.on).order_by(both.c.on, both.c.code))
    return [(code, on) for code, on in rows]


def milestones_by_line(year: int) -> list[tuple[str, date]]:
    """The milestones of `year` (local dates): [(line code, date)], one per realized activity."""
    return milestones_between(date(year, 1, 1), date(year, 12, 31))
