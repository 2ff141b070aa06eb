"""The relation history of an organization: periods (alta, baja), the latest one current, the earlier kept.

`plan_period` decides, without touching the database, what a pair (alta, baja) written in a file or a form
does to the recorded periods, so the import checks every row before it writes any, and the form and the file
follow one rule:

- no period yet: a period begins on `alta` (or the given default, the day of the import);
- the current period has ended and `alta` falls on or after its `baja`: a new period (the relation resumed);
- otherwise the row describes the current period: its `alta` and `baja` are set (an empty cell of a file keeps
  the stored value; a form sends both, so an empty `baja` there reopens the period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from crm.contacts.models import Organization, OrganizationRelation


@dataclass(frozen=True)
class PeriodChange:
    new: bool  # True: a new period; False: the current one changes
    began_on: date
    ended_on: date | None


def plan_period(periods: list[tuple[date, date | None]], began: date | None, ended: date | None, *,
                default_began: date | None = None, keep_end: bool = True) -> tuple[PeriodChange | None, tuple[str, str] | None]:
    """(the change or None, (column, problem) or None); `periods` in order, the latest last."""
    if not periods:
        start = began or default_began
        if start is None:
            return None, None
        if ended is not None and ended <= start:
            return None, ("baja", f"la baja ({ended.isoformat()}) debe ser posterior al alta ({start.isoformat()})")
        return PeriodChange(True, start, ended), None
    last_began, last_ended = periods[-1]
    if began is None and ended is None and keep_end:
        return None, None
    if began is not None and last_ended is not None and began >= last_ended and began != last_began:
        if ended is not None and ended <= began:
            return None, ("baja", f"la baja ({ended.isoformat()}) debe ser posterior al alta ({began.isoformat()})")
        return PeriodChange(True, began, ended), None
    start = began or last_began
    end = ended if (ended is not None or not keep_end) else last_ended
    previous_end = periods[-2][1] if len(periods) > 1 else None
    if previous_end is not None and start < previous_end:
        return None, ("alta", f"el alta ({start.isoformat()}) es anterior a la baja del periodo anterior "
                              f"({previous_end.isoformat()})")
    if end is not None and end <= start:
        return None, ("baja", f"la baja ({end.isoformat()}) debe ser posterior al alta ({start.isoformat()})")
    if (start, end) == (last_began, last_ended):
        return None, None
    return PeriodChange(False, start, end), None


def periods_of(org: Organization) -> list[tuple[date, date | None]]:
    return [(r.began_on, r.ended_on) for r in org.relations]


def apply_period(org: Organization, change: PeriodChange | None) -> None:
    if change is None:
        return
    if change.new or not org.relations:
        org.relations.append(OrganizationRelation(began_on=change.began_on, ended_on=change.ended_on))
    else:
        current = org.relations[-1]
        current.began_on, current.ended_on = change.began_on, change.ended_on


def merged_periods(periods: list[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """The union of two organizations' periods: overlapping or touching periods become one."""
    result: list[tuple[date, date | None]] = []
    for began, ended in sorted(periods, key=lambda p: p[0]):
        if result and (result[-1][1] is None or began <= result[-1][1]):
            last_began, last_ended = result[-1]
            result[-1] = (last_began, None if last_ended is None or ended is None else max(last_ended, ended))
        else:
            result.append((began, ended))
    return result
