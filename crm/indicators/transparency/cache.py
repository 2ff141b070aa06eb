"""The public page's server-side cache, keyed so that new data shows.

Why this design: the page is public (anyone, any rate), while the figures behind it change a few times a
day and computing a year's matrix reads every indicator answer of the year. So each rendered page and CSV
is kept, per app, under a key made of what it depends on:

- the year and the kind of output (page or CSV);
- the local date: the current year's traffic light compares with what was programmed up to today;
- a data stamp: a fingerprint of the tables behind the matrix, read by one query of aggregates (count
  and last id of the survey responses and of the excluded ones, of the activities, of the requests and
  the attended ones; the sum of the action lines' targets; the agreements and their last change; the
  last program change in the audit log, as the dashboard's chart cache; and the surveys linked to a
  level, their years and question-definition versions). A response, activity, request, agreement,
  program or survey change gives a new stamp, hence a fresh computation.

The stamp is re-read at most every `CRM_TRANSPARENCY_STAMP_SECONDS` (default 30) per process, so under
load a request costs a dictionary lookup, and new data shows within those seconds (plus the browser's
max-age). Every entry also expires after `CRM_TRANSPARENCY_MAX_AGE` seconds (default 600) whatever the
stamp: a backstop for changes the stamp cannot see (a survey moved from AI3 to AI5 within the year). A
missing entry is built once, under a lock, while other requests for it wait (no stampede of identical
computations).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.agreements.models import Agreement
from crm.events.models import Activity, PartnerRequest
from crm.program.models import ActionLine
from surveys.models import Response, Survey

STAMP_SECONDS = 30
MAX_AGE = 600
MAX_ENTRIES = 32


class PageCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.build_lock = threading.Lock()
        self.stamp: tuple | None = None
        self.stamp_read = 0.0
        self.entries: dict[tuple, tuple[float, object]] = {}

    def current_stamp(self, seconds: float) -> tuple:
        now = time.monotonic()
        with self.lock:
            if self.stamp is not None and now - self.stamp_read < seconds:
                return self.stamp
        stamp = data_stamp()
        with self.lock:
            self.stamp, self.stamp_read = stamp, now
        return stamp

    def get(self, key: tuple, build: Callable[[], object], max_age: float):
        found = self._fresh(key, max_age)
        if found is not None:
            return found
        with self.build_lock:
            found = self._fresh(key, max_age)  # built by another request meanwhile
            if found is not None:
                return found
            value = build()
            with self.lock:
                if len(self.entries) >= MAX_ENTRIES:
                    self.entries.clear()
                self.entries[key] = (time.monotonic(), value)
            return value

    def _fresh(self, key: tuple, max_age: float):
        with self.lock:
            entry = self.entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < max_age:
            return entry[1]
        return None


def data_stamp() -> tuple:
    """A fingerprint of the data behind the matrix: one query of aggregates."""
    excluded = Response.excluded.is_(True)
    linked = Survey.component_code.is_not(None)
    parts = [select(func.count(Response.id)), select(func.max(Response.id)),
             select(func.count(Response.id)).where(excluded), select(func.sum(Response.id)).where(excluded),
             select(func.count(Activity.id)), select(func.max(Activity.id)), select(func.count(PartnerRequest.id)),
             select(func.max(PartnerRequest.id)), select(func.count(PartnerRequest.attended_on)),
             select(func.sum(ActionLine.target)), select(func.count(Agreement.id)),
             select(func.max(Agreement.updated_at)),
             select(func.max(AuditEntry.id)).where(AuditEntry.action.like("program.%")),
             # a survey linked to a level or year, or its options re-marked as positive
             select(func.count(Survey.id)).where(linked), select(func.sum(Survey.year)).where(linked),
             select(func.sum(Survey.questions_version))]
    return tuple(db.session.execute(select(*(p.scalar_subquery() for p in parts))).one())


def _cache() -> PageCache:
    return current_app.extensions.setdefault("transparency_cache", PageCache())


def stamp() -> tuple:
    seconds = float(current_app.config.get("CRM_TRANSPARENCY_STAMP_SECONDS", STAMP_SECONDS))
    return _cache().current_stamp(seconds)


def cached(key: tuple, build: Callable[[], object]):
    """The value cached under `key` (which should hold `stamp()`), built now if missing or too old."""
    max_age = float(current_app.config.get("CRM_TRANSPARENCY_MAX_AGE", MAX_AGE))
    return _cache().get(key, build, max_age)
