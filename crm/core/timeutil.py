"""Time helpers: timestamps are stored as naive UTC; periods are local (CRM_TIMEZONE)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TZ = "America/Mexico_City"


def utcnow() -> datetime:
    """Current time as naive UTC (the storage convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def tz_name() -> str:
    if has_app_context():
        return current_app.config.get("CRM_TIMEZONE") or DEFAULT_TZ
    return DEFAULT_TZ


def local_tz(name: str | None = None) -> ZoneInfo:
    try:
        return ZoneInfo(name or tz_name())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"zona horaria desconocida: {name or tz_name()}") from exc


def to_local(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """A stored naive-UTC datetime as an aware local datetime."""
    return value.replace(tzinfo=UTC).astimezone(tz or local_tz())


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment as the pages write it (local time; "" for none): the `local` template filter."""
    return "" if value is None else to_local(value).strftime(fmt)


def to_utc_naive(value: datetime, tz: ZoneInfo | None = None) -> datetime:
    """An aware datetime, or a naive one meaning local time, as naive UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or local_tz())
    return value.astimezone(UTC).replace(tzinfo=None)


def local_today(tz: ZoneInfo | None = None) -> date:
    return datetime.now(tz or local_tz()).date()


def local_midnight_utc(day: date, tz: ZoneInfo | None = None) -> datetime:
    """The UTC instant (naive) at which the local day `day` starts."""
    return to_utc_naive(datetime.combine(day, time.min), tz or local_tz())


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First day of the quarter and first day of the next one (local dates)."""
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def parse_iso_datetime(text: str, tz: ZoneInfo | None = None) -> datetime:
    """ISO 8601 to naive UTC; without an offset the time is local (CRM_TIMEZONE)."""
    raw = text.strip()
    if not raw:
        raise ValueError("fecha vacía")
    if raw.endswith(("z", "Z")):
        raw = raw[:-1] + "+00:00"
    if " " in raw and "T" not in raw:
        raw = raw.replace(" ", "T", 1)
    parsed = datetime.fromisoformat(raw)
    return to_utc_naive(parsed, tz)


def business_days_after(start: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """The date `days` business days after `start` (Monday to Friday, minus holidays)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current
