"""Activities and requests imports, step 3: writing a plan inside the caller's transaction (the caller
commits or rolls back: all or nothing)."""

from __future__ import annotations

from collections.abc import Callable

from crm.contacts.models import Organization
from crm.core.extensions import db
from crm.core.text import fold
from crm.events.imports.plan import ActivityPlan, RequestPlan
from crm.events.models import Activity, PartnerRequest

Progress = Callable[[int], None]


class _Counter:
    """Reports written records to an optional progress callback, 1000 at a time."""

    def __init__(self, progress: Progress | None, every: int = 1000) -> None:
        self.progress, self.every, self.pending = progress, every, 0

    def step(self) -> None:
        self.pending += 1
        if self.progress is not None and self.pending == self.every:
            self.progress(self.pending)
            self.pending = 0

    def finish(self) -> None:
        if self.progress is not None and self.pending:
            self.progress(self.pending)
        self.pending = 0


def write_activities(plan: ActivityPlan, progress: Progress | None) -> None:
    """Creates the new organizations and the new activities with their organizations."""
    plan.organizations.write()
    counter = _Counter(progress)
    for row in plan.new:
        counter.step()
        activity = Activity(date=row.date, action_line_id=row.action_line.id, title=row.title,
                            title_key=fold(row.title), type=row.type, modality=row.modality)
        seen: set[int] = set()
        for ref in row.organizations:
            organization = db.session.get(Organization, ref.id)
            if organization.id not in seen:
                seen.add(organization.id)
                activity.organizations.append(organization)
        db.session.add(activity)
    counter.finish()


def write_requests(plan: RequestPlan, progress: Progress | None) -> None:
    """Creates the new organizations and the new requests, and fills the attention dates the file gives."""
    plan.organizations.write()
    counter = _Counter(progress)
    for row in plan.new:
        counter.step()
        db.session.add(PartnerRequest(
            received_on=row.received_on, attended_on=row.attended_on,
            requester_id=row.requester.id,
            subject=row.subject, subject_key=fold(row.subject),
            action_line_id=row.action_line.id if row.action_line else None,
        ))
    for request, attended_on in plan.updates:
        counter.step()
        request.attended_on = attended_on
    counter.finish()
