"""XPath 1.0 conversions between the engine's values: str, float, bool, date and (aware) datetime.

surveys/static/logic.js implements the same rules; tests/surveys_logic/cases.json holds the shared cases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

MEXICO_CITY = ZoneInfo("America/Mexico_City")
EPOCH = date(1970, 1, 1)
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
MS_PER_DAY = 86_400_000
NAN = float("nan")
INF = float("inf")

# XPath's Number after XML whitespace; no sign other than '-', no exponent, ASCII digits only.
NUMBER_TEXT = re.compile(r"[ \t\n\r]*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t\n\r]*")
DATE_TEXT = re.compile(r"[ \t\n\r]*([0-9]{4})-([0-9]{2})-([0-9]{2})[ \t\n\r]*")
DATETIME_TEXT = re.compile(
    r"[ \t\n\r]*([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?[ \t\n\r]*")
TIME_TEXT = re.compile(
    r"[ \t\n\r]*([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?(Z|[+-][0-9]{2}:?[0-9]{2})?[ \t\n\r]*")
WHITESPACE = re.compile(r"[ \t\n\r]+")


def to_number(value) -> float:
    """XPath number(): "" and text that is not a number -> NaN; bool -> 1/0; date -> days since 1970-01-01;
    datetime -> fractional days since the epoch (UTC)."""
    kind = type(value)
    if kind is float:
        return value
    if kind is str:
        match = NUMBER_TEXT.fullmatch(value)
        return float(match.group(1)) if match else NAN
    if kind is bool:
        return 1.0 if value else 0.0
    if kind is int:
        return float(value)
    if kind is datetime:
        return epoch_ms(value) / MS_PER_DAY
    if kind is date:
        return float((value - EPOCH).days)
    return NAN


def epoch_ms(moment: datetime) -> int:
    """Whole milliseconds since the epoch (a naive datetime is read in Mexico City)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MEXICO_CITY)
    return (moment - EPOCH_UTC) // timedelta(milliseconds=1)


def to_string(value) -> str:
    """XPath string(): numbers without exponent and integers without ".0" ("NaN", "Infinity"), booleans
    "true"/"false", dates YYYY-MM-DD, datetimes ISO 8601 with milliseconds and offset."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return number_to_string(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.isoformat(timespec="milliseconds")
    if kind is date:
        return value.isoformat()
    return ""


def number_to_string(value: float) -> str:
    """The shortest digits that read back as the same float (repr; JS String()), written without exponent."""
    if value != value:
        return "NaN"
    if value in (INF, -INF):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_boolean(value) -> bool:
    """XPath boolean(): text non-empty, number non-zero and not NaN; dates are true."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is str:
        return value != ""
    if kind is float or kind is int:
        return not (value == 0 or value != value)
    return value is not None


def to_temporal(value):
    """A date or datetime from a value (text YYYY-MM-DD or ISO 8601; naive times read in Mexico City), or None."""
    kind = type(value)
    if kind is date or kind is datetime:
        return value
    if kind is not str:
        return None
    match = DATE_TEXT.fullmatch(value)
    if match:
        return _date(*map(int, match.groups()))
    match = DATETIME_TEXT.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          int((fraction or "0")[:3].ljust(3, "0")) * 1000)
    except ValueError:
        return None
    return moment.replace(tzinfo=parse_offset(offset)) if offset else moment.replace(tzinfo=MEXICO_CITY)


def parse_offset(text: str):
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _date(year: int, month: int, day: int):
    try:
        return date(year, month, day)
    except ValueError:
        return None


def tokens(value) -> list[str]:
    """The space-separated names of a select_multiple value (XML whitespace)."""
    return [token for token in WHITESPACE.split(to_string(value)) if token]
