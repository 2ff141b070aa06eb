"""What the mailings add to the results matrix (CONTRACTS.md, "Indicators"): a mailing sent with an action line
is one realized dissemination activity (`difusión`) under that line, on the local day it was first sent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.core.extensions import db
from crm.mailings.models import Mailing
from crm.program.models import ActionLine


def mailings_by_line(year: int) -> list[tuple[str, date]]:
    """[(action-line code, local date)] of the mailings sent in `year` under an action line."""
    rows = db.session.execute(
        select(ActionLine.code, Mailing.sent_on).join(ActionLine, ActionLine.id == Mailing.action_line_id)
        .where(Mailing.sent_on >= date(year, 1, 1), Mailing.sent_on <= date(year, 12, 31))
        .order_by(Mailing.sent_on, ActionLine.code))
    return [(code, on) for code, on in rows]
