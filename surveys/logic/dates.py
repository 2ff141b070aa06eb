"""The date and time functions of XLSForm: date(), date-time(), decimal-date-time(), decimal-time(),
format-date(), format-date-time(). An argument that is not a date gives "" (like an unanswered question)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from surveys.logic.conversions import (
    EPOCH,
    EPOCH_UTC,
    MEXICO_CITY,
    MS_PER_DAY,
    NAN,
    TIME_TEXT,
    to_number,
    to_temporal,
)

MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")  # date.weekday(): Monday is 0
FORMAT_TOKEN = re.compile(r"%(.)", re.DOTALL)


def as_date(value):
    """date(): a date from a date, a datetime (its own calendar day), text or a number of days since 1970."""
    kind = type(value)
    if kind is date:
        return value
    if kind is datetime:
        return value.date()
    temporal = to_temporal(value)
    if temporal is not None:
        return temporal if type(temporal) is date else temporal.date()
    number = to_number(value)
    if value == "" or not math.isfinite(number):
        return ""
    try:
        return EPOCH + timedelta(days=math.floor(number))
    except OverflowError:
        return ""


def as_datetime(value):
    """date-time(): an aware datetime; a date is its midnight in Mexico City; a number counts days (UTC)."""
    kind = type(value)
    if kind is datetime:
        return value
    temporal = value if kind is date else to_temporal(value)
    if type(temporal) is datetime:
        return temporal
    if type(temporal) is date:
        return datetime(temporal.year, temporal.month, temporal.day, tzinfo=MEXICO_CITY)
    number = to_number(value)
    if value == "" or not math.isfinite(number):
        return ""
    try:
        moment = EPOCH_UTC + timedelta(milliseconds=math.floor(number * MS_PER_DAY + 0.5))
        return moment.astimezone(MEXICO_CITY)
    except OverflowError:
        return ""


def decimal_date_time(value) -> float:
    """decimal-date-time(): days since the epoch (a date counts whole days, a datetime fractional, UTC)."""
    if type(value) is float:
        return value
    temporal = to_temporal(value)
    return NAN if temporal is None else to_number(temporal)


def decimal_time(value) -> float:
    """decimal-time(): the fraction of the day a time (or a datetime) shows on the clock (its offset ignored)."""
    if type(value) is datetime:
        hour, minute, second, millis = value.hour, value.minute, value.second, value.microsecond // 1000
    else:
        match = TIME_TEXT.fullmatch(value) if type(value) is str else None
        if match is None:
            temporal = to_temporal(value)
            return decimal_time(temporal) if type(temporal) is datetime else NAN
        hour, minute = int(match.group(1)), int(match.group(2))
        second, millis = int(match.group(3) or 0), int((match.group(4) or "0")[:3].ljust(3, "0"))
        if hour > 23 or minute > 59 or second > 59:
            return NAN
    return (((hour * 60 + minute) * 60 + second) * 1000 + millis) / MS_PER_DAY


def format_date(value, pattern, *, with_time: bool) -> str:
    """format-date() / format-date-time() with ODK's %Y %y %m %n %b %d %e %a %H %h %M %S %3 (names in
    Spanish); another %x is kept as written."""
    moment = to_temporal(value)
    if moment is None:
        moment = as_datetime(value) if with_time else as_date(value)
    if moment == "":
        return ""
    if type(moment) is date:
        moment = datetime(moment.year, moment.month, moment.day)
    fields = {
        "Y": f"{moment.year:04d}", "y": f"{moment.year % 100:02d}", "m": f"{moment.month:02d}",
        "n": str(moment.month), "b": MONTHS[moment.month - 1], "d": f"{moment.day:02d}", "e": str(moment.day),
        "a": WEEKDAYS[moment.weekday()], "H": f"{moment.hour:02d}", "h": str(moment.hour),
        "M": f"{moment.minute:02d}", "S": f"{moment.second:02d}", "3": f"{moment.microsecond // 1000:03d}",
    }
    return FORMAT_TOKEN.sub(lambda match: fields.get(match.group(1), match.group(0)), pattern)


def today(env) -> date:
    return env.now().astimezone(MEXICO_CITY).date()
