"""Bursts: open-link responses to one survey that arrived from one address faster than people answer.

A burst is a run of responses with the same address key (surveys.respond.open_limits: a keyed hash, never
the address) in which every response lies in some window of `CRM_BURST_SECONDS` (60) holding at least
`CRM_BURST_RESPONSES` (20) responses from that address; consecutive flagged responses less than a window
apart form one burst. A script that stored 200 responses in 2.3 s is one burst; an office of observers
behind one address that answers through the morning is not (and if it answers all at once, staff see it and
decide). Anonymous surveys store times to the hour, so for them the window is the hour and the count is
scaled to the same rate.

Flagging changes nothing: staff review a burst on the survey page and may exclude it from every indicator,
breakdown and summary (surveys.services.set_excluded, audited), or include it again. Computed on reading
(one indexed query over the survey's keyed responses), so a submission pays nothing for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from crm.core.extensions import db
from surveys import services
from surveys.models import Response, Survey

DEFAULT_RESPONSES = 20
DEFAULT_SECONDS = 60
ANONYMOUS_PRECISION = 3600  # surveys.respond.store keeps an anonymous response's time to the hour


@dataclass(frozen=True)
class Burst:
    start: datetime  # naive UTC, as stored
    end: datetime
    ids: tuple[int, ...]
    excluded: int  # how many of them are excluded now
    share: float  # percent of the survey's responses
    address: int  # 1, 2, ...: which address (in order of first burst), without showing its key

    @property
    def ref(self) -> str:
        """What a form names the burst by: its first and last response."""
        return f"{self.ids[0]}-{self.ids[-1]}"

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def thresholds(survey: Survey) -> tuple[int, int]:
    """(responses, seconds) for this survey: the configured rate, over an hour for anonymous surveys."""
    responses = int(current_app.config.get("CRM_BURST_RESPONSES") or DEFAULT_RESPONSES)
    seconds = int(current_app.config.get("CRM_BURST_SECONDS") or DEFAULT_SECONDS)
    if survey.anonymous and seconds < ANONYMOUS_PRECISION:
        responses = math.ceil(responses * ANONYMOUS_PRECISION / seconds)
        seconds = ANONYMOUS_PRECISION
    return max(responses, 2), max(seconds, 1)


def find_bursts(survey: Survey) -> list[Burst]:
    """The survey's bursts, earliest first."""
    needed, seconds = thresholds(survey)
    rows = db.session.execute(
        select(Response.id, Response.address_key, Response.submitted_at, Response.excluded)
        .where(Response.survey_id == survey.id, Response.address_key.is_not(None))
        .order_by(Response.address_key, Response.submitted_at, Response.id)).all()
    total = db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id)) or 0
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.address_key, []).append(row)
    found: list[tuple[str, list]] = []
    for address_key, group in groups.items():
        found.extend((address_key, run) for run in _runs(group, needed, seconds))
    found.sort(key=lambda item: (item[1][0].submitted_at, item[1][0].id))
    numbers: dict[str, int] = {}
    bursts = []
    for address_key, run in found:
        number = numbers.setdefault(address_key, len(numbers) + 1)
        bursts.append(Burst(start=run[0].submitted_at, end=run[-1].submitted_at,
                            ids=tuple(sorted(r.id for r in run)), excluded=sum(1 for r in run if r.excluded),
                            share=round(100 * len(run) / total, 1) if total else 0.0, address=number))
    return bursts


def _runs(group: list, needed: int, seconds: int) -> list[list]:
    """The flagged runs of one address's responses (ordered by time): a sliding window of `seconds`."""
    flagged = [False] * len(group)
    start = 0
    marked_up_to = -1
    for end, row in enumerate(group):
        while (row.submitted_at - group[start].submitted_at).total_seconds() > seconds:
            start += 1
        if end - start + 1 >= needed:
            for k in range(max(start, marked_up_to + 1), end + 1):
                flagged[k] = True
            marked_up_to = end
    runs: list[list] = []
    previous = None
    for k, row in enumerate(group):
        if not flagged[k]:
            previous = None
            continue
        if previous is not None and (row.submitted_at - group[previous].submitted_at).total_seconds() <= seconds:
            runs[-1].append(row)
        else:
            runs.append([row])
        previous = k
    return runs


def review_burst(survey: Survey, ref: str, exclude: bool, *, actor=None) -> Burst:
    """Excludes a burst from the indicators (or includes it again); audited. SurveyError when the burst named
    by `ref` is not one of the survey's bursts any more (new responses can extend a burst)."""
    burst = next((b for b in find_bursts(survey) if b.ref == ref), None)
    if burst is None:
        raise services.SurveyError("Esa ráfaga de respuestas ya no aparece así en la lista (pudieron llegar "
                                   "respuestas nuevas). Revise la lista actualizada y elija de nuevo.")
    services.set_excluded(survey, burst.ids, exclude, actor=actor, details={
        "burst": burst.ref, "from": burst.start.isoformat(), "to": burst.end.isoformat(),
        "burst_responses": burst.count})
    return burst
