"""The functions that take their arguments evaluated: name -> callable(args, env) -> value.

Functions that evaluate lazily (if, coalesce, once) or read every instance of a question (sum, count, min,
max, join, indexed-repeat...) are in surveys.logic.evaluate."""

from __future__ import annotations

import functools
import math
import random
import re
import secrets
import string
import uuid
from decimal import ROUND_HALF_UP, Context, Decimal

from surveys.logic import dates
from surveys.logic.conversions import INF, NAN, to_boolean, to_number, to_string, tokens

ALPHANUMERIC = string.ascii_letters + string.digits
MAX_UUID = 1000
ROUNDING = Context(prec=800, rounding=ROUND_HALF_UP)


@functools.lru_cache(maxsize=512)
def compiled_regex(pattern: str):
    """re.search's pattern, compiled once (ASCII classes as in JavaScript and Java); None when invalid."""
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


def regex(text, pattern) -> bool:
    compiled = compiled_regex(to_string(pattern))
    return compiled is not None and compiled.search(to_string(text)) is not None


def round_half_away(number: float, digits: float = 0.0) -> float:
    """JavaRosa's round(): half away from zero, on the shortest decimal form of the number (2.345 -> 2.35)."""
    if not math.isfinite(number) or digits != digits:
        return NAN if digits != digits else number
    places = int(max(-400.0, min(400.0, digits)))
    if places >= 330 or number == 0:
        return number
    return float(Decimal(repr(number)).quantize(Decimal(1).scaleb(-places), context=ROUNDING))


def truncate(number: float) -> float:
    return float(math.trunc(number)) if math.isfinite(number) else number


def _index(value) -> int:
    """A 0-based position from a number: truncated; NaN is 0."""
    number = to_number(value)
    if number != number:
        return 0
    return int(max(-1e15, min(1e15, number)))


def substr(text, start, end=None) -> str:
    """ODK substr(s, start[, end]): 0-based start, end excluded, clamped to the text."""
    chars = to_string(text)
    first = min(max(_index(start), 0), len(chars))
    last = len(chars) if end is None else min(max(_index(end), 0), len(chars))
    return chars[first:last] if last > first else ""


def _xpath_round(number: float) -> float:
    return float(math.floor(number + 0.5)) if math.isfinite(number) else number


def substring(text, start, length=None) -> str:
    """XPath 1.0 substring(s, start[, length]): 1-based, positions p with round(start) <= p < round(start)+round(length)."""
    chars = to_string(text)
    first = _xpath_round(to_number(start))
    last = INF if length is None else first + _xpath_round(to_number(length))
    if first != first or last != last:
        return ""
    low = max(first, 1.0)
    high = min(last, len(chars) + 1.0)
    return chars[int(low) - 1:int(high) - 1] if high > low else ""


def substring_before(text, part) -> str:
    text, part = to_string(text), to_string(part)
    found = text.find(part)
    return text[:found] if found >= 0 else ""


def substring_after(text, part) -> str:
    text, part = to_string(text), to_string(part)
    found = text.find(part)
    return text[found + len(part):] if found >= 0 else ""


def translate(text, source, target) -> str:
    text, source, target = to_string(text), to_string(source), to_string(target)
    table: dict[str, str] = {}
    for position, char in enumerate(source):
        table.setdefault(char, target[position] if position < len(target) else "")
    return "".join(table.get(char, char) for char in text)


def power(base: float, exponent: float) -> float:
    """pow() as Java's Math.pow and JavaScript's Math.pow (NaN and overflow as IEEE, never an exception)."""
    if exponent != exponent or (abs(base) == 1 and math.isinf(exponent)):
        return NAN
    try:
        return math.pow(base, exponent)
    except OverflowError:
        odd = exponent.is_integer() and exponent % 2 == 1
        return -INF if base < 0 and odd else INF
    except ValueError:  # 0 to a negative power, or a negative base to a fraction
        if base == 0:
            odd = exponent.is_integer() and exponent % 2 == 1
            return -INF if odd and math.copysign(1.0, base) < 0 else INF
        return NAN


def _math(function, *, low_limit=None):
    """A math function on to_number(x) that gives NaN (or -Infinity at log(0)) instead of raising."""
    def call(args, env):
        number = to_number(args[0])
        try:
            return float(function(number))
        except OverflowError:
            return INF
        except ValueError:
            return low_limit if (low_limit is not None and number == 0) else NAN
    return call


def _unit(function):
    return lambda args, env: function(*args)


def _uuid(args, env) -> str:
    if not args:
        return str(uuid.uuid4())
    size = _index(args[0])
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(max(0, min(size, MAX_UUID))))


def _selected(args, env) -> bool:
    return to_string(args[1]).strip(" \t\n\r") in tokens(args[0])


def _selected_at(args, env) -> str:
    names, position = tokens(args[0]), to_number(args[1])
    if position != position or not 0 <= position < len(names):
        return ""
    return names[int(position)]


def _choice_name(args, env) -> str:
    value = to_string(args[0])
    return env.choice_label(args[1], value) if value else ""


def _checklist(args, env) -> bool:
    count = sum(1 for value in args[2:] if to_boolean(value))
    return _within(count, to_number(args[0]), to_number(args[1]))


def _weighted_checklist(args, env) -> bool:
    pairs = args[2:]
    total = sum(to_number(pairs[i + 1]) for i in range(0, len(pairs) - 1, 2) if to_boolean(pairs[i]))
    return _within(total, to_number(args[0]), to_number(args[1]))


def _within(count: float, low: float, high: float) -> bool:
    return (low == -1 or count >= low) and (high == -1 or count <= high)


def _round(args, env) -> float:
    return round_half_away(to_number(args[0]), to_number(args[1]) if len(args) > 1 else 0.0)


def _floor(number: float) -> float:
    return float(math.floor(number)) if math.isfinite(number) else number


def _ceiling(number: float) -> float:
    return float(math.ceil(number)) if math.isfinite(number) else number


def _numeric(function):
    return lambda args, env: function(to_number(args[0]))


EAGER = {
    "selected": _selected,
    "count-selected": lambda args, env: float(len(tokens(args[0]))),
    "selected-at": _selected_at,
    "jr:choice-name": _choice_name,
    "not": lambda args, env: not to_boolean(args[0]),
    "true": lambda args, env: True,
    "false": lambda args, env: False,
    "boolean": lambda args, env: to_boolean(args[0]),
    "boolean-from-string": lambda args, env: to_string(args[0]) in ("true", "1"),
    "checklist": _checklist,
    "weighted-checklist": _weighted_checklist,
    "string": lambda args, env: to_string(args[0]),
    "concat": lambda args, env: "".join(to_string(value) for value in args),
    "string-length": lambda args, env: float(len(to_string(args[0]))),
    "regex": _unit(regex),
    "contains": lambda args, env: to_string(args[1]) in to_string(args[0]),
    "starts-with": lambda args, env: to_string(args[0]).startswith(to_string(args[1])),
    "ends-with": lambda args, env: to_string(args[0]).endswith(to_string(args[1])),
    "substr": _unit(substr),
    "substring": _unit(substring),
    "substring-before": _unit(substring_before),
    "substring-after": _unit(substring_after),
    "normalize-space": lambda args, env: " ".join(tokens(args[0])),
    "translate": _unit(translate),
    "uuid": _uuid,
    "number": lambda args, env: to_number(args[0]),
    "int": _numeric(truncate),
    "round": _round,
    "floor": _numeric(_floor),
    "ceiling": _numeric(_ceiling),
    "abs": _numeric(abs),
    "pow": lambda args, env: power(to_number(args[0]), to_number(args[1])),
    "sqrt": _math(math.sqrt),
    "exp": _math(math.exp),
    "exp10": lambda args, env: power(10.0, to_number(args[0])),
    "log": _math(math.log, low_limit=-INF),
    "log10": _math(math.log10, low_limit=-INF),
    "pi": lambda args, env: math.pi,
    "sin": _math(math.sin),
    "cos": _math(math.cos),
    "tan": _math(math.tan),
    "asin": _math(math.asin),
    "acos": _math(math.acos),
    "atan": _math(math.atan),
    "atan2": lambda args, env: math.atan2(to_number(args[0]), to_number(args[1])),
    "random": lambda args, env: random.random(),
    "today": lambda args, env: dates.today(env),
    "now": lambda args, env: env.now(),
    "date": lambda args, env: dates.as_date(args[0]),
    "date-time": lambda args, env: dates.as_datetime(args[0]),
    "decimal-date-time": lambda args, env: dates.decimal_date_time(args[0]),
    "decimal-time": lambda args, env: dates.decimal_time(args[0]),
    "format-date": lambda args, env: dates.format_date(args[0], to_string(args[1]), with_time=False),
    "format-date-time": lambda args, env: dates.format_date(args[0], to_string(args[1]), with_time=True),
}
