"""Evaluation of compiled expression trees (surveys.logic.expressions) with XPath 1.0 / JavaRosa semantics.

`env` is any object with:
- value(name): the typed value of ${name} ("" when unanswered or not relevant; numbers as float, dates as
  date, datetimes aware, a select_multiple as its chosen names joined by one space, the rest str);
- current(): the value of `.`; column(name): a choice's column (choice filters); now(): aware datetime;
- choice_label(question_name, choice_name) -> str (jr:choice-name); position() -> int (position(..));
- optional, for repeats: values(name) -> list (every instance's value of ${name}; for a repeat, one item per
  instance; without it [value(name)]) and repeat_value(name, repeat_name, index) (1-based; "" when none).
"""

from __future__ import annotations

import math
from datetime import date, datetime

from surveys.logic.conversions import INF, NAN, to_boolean, to_number, to_string, to_temporal
from surveys.logic.library import EAGER

__all__ = ["evaluate", "to_boolean", "to_number", "to_string"]


def evaluate(tree: list, env):
    """The value of a compiled expression: str, float, bool, date or datetime."""
    return HANDLERS[tree[0]](tree, env)


# ----------------------------------------------------------------------------------------------- operators

def equal(left, right) -> bool:
    """XPath `=`: booleans if either is one; else numbers if either is a number, date or datetime; else text."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is bool or right_kind is bool:
        return to_boolean(left) == to_boolean(right)
    if left_kind is str and right_kind is str:
        return left == right
    left, right = _dates_from_text(left, right)
    return to_number(left) == to_number(right)


def _dates_from_text(left, right):
    """A date (or datetime) compared with text YYYY-MM-DD (or ISO 8601) compares as dates."""
    left_kind, right_kind = type(left), type(right)
    if left_kind is str and (right_kind is date or right_kind is datetime):
        left = to_temporal(left) or left
    elif right_kind is str and (left_kind is date or left_kind is datetime):
        right = to_temporal(right) or right
    return left, right


def _numbers(left, right) -> tuple[float, float]:
    left, right = _dates_from_text(left, right)
    return to_number(left), to_number(right)


def divide(dividend: float, divisor: float) -> float:
    if divisor == 0:
        if dividend == 0 or dividend != dividend:
            return NAN
        return math.copysign(INF, dividend) * math.copysign(1.0, divisor)
    try:
        return dividend / divisor
    except OverflowError:
        return math.copysign(INF, dividend) * math.copysign(1.0, divisor)


def modulo(dividend: float, divisor: float) -> float:
    """XPath mod: the remainder of truncating division, with the dividend's sign (JavaScript's %)."""
    if divisor == 0 or dividend != dividend or divisor != divisor or math.isinf(dividend):
        return NAN
    if math.isinf(divisor):
        return dividend
    return math.fmod(dividend, divisor)


def _or(left, right, env) -> bool:
    return to_boolean(evaluate(left, env)) or to_boolean(evaluate(right, env))


def _and(left, right, env) -> bool:
    return to_boolean(evaluate(left, env)) and to_boolean(evaluate(right, env))


def _compare(test):
    def operator(left, right, env) -> bool:
        return test(*_numbers(evaluate(left, env), evaluate(right, env)))
    return operator


def _arithmetic(function):
    def operator(left, right, env) -> float:
        return function(to_number(evaluate(left, env)), to_number(evaluate(right, env)))
    return operator


OPERATORS = {
    "or": _or,
    "and": _and,
    "=": lambda left, right, env: equal(evaluate(left, env), evaluate(right, env)),
    "!=": lambda left, right, env: not equal(evaluate(left, env), evaluate(right, env)),
    "<": _compare(lambda a, b: a < b),
    "<=": _compare(lambda a, b: a <= b),
    ">": _compare(lambda a, b: a > b),
    ">=": _compare(lambda a, b: a >= b),
    "+": _arithmetic(lambda a, b: a + b),
    "-": _arithmetic(lambda a, b: a - b),
    "*": _arithmetic(lambda a, b: a * b),
    "div": _arithmetic(divide),
    "mod": _arithmetic(modulo),
}


# ----------------------------------------------------------------- functions that see their argument trees

def node_values(tree: list, env) -> list:
    """Every value an argument stands for: all instances of a ${name} (repeats), or the one value."""
    if tree[0] == "ref":
        values = getattr(env, "values", None)
        return list(values(tree[1])) if values is not None else [env.value(tree[1])]
    return [evaluate(tree, env)]


def _expanded(args: list, env) -> list:
    return [value for arg in args for value in node_values(arg, env)]


def _extreme(pick):
    def function(args, env) -> float:
        numbers = [to_number(value) for value in _expanded(args, env)]
        if not numbers or any(number != number for number in numbers):
            return NAN
        return pick(numbers)
    return function


def _if(args, env):
    return evaluate(args[1] if to_boolean(evaluate(args[0], env)) else args[2], env)


def _coalesce(args, env):
    first = evaluate(args[0], env)
    return first if to_string(first) != "" else evaluate(args[1], env)


def _once(args, env):
    current = env.current()
    return current if to_string(current) != "" else evaluate(args[0], env)


def _join(args, env) -> str:
    return to_string(evaluate(args[0], env)).join(to_string(value) for value in _expanded(args[1:], env))


def _indexed_repeat(args, env):
    index = to_number(evaluate(args[2], env))
    lookup = getattr(env, "repeat_value", None)
    if lookup is None or index != index or not 1 <= index < 1e9:
        return ""
    return lookup(args[0][1], args[1][1], int(index))


SPECIAL = {
    "if": _if,
    "coalesce": _coalesce,
    "once": _once,
    "sum": lambda args, env: _plain_sum([to_number(value) for value in node_values(args[0], env)]),
    "count": lambda args, env: float(len(node_values(args[0], env))),
    "count-non-empty": lambda args, env: float(sum(1 for v in node_values(args[0], env) if to_string(v) != "")),
    "min": _extreme(min),
    "max": _extreme(max),
    "join": _join,
    "position": lambda args, env: float(env.position()),
    "indexed-repeat": _indexed_repeat,
}


def _plain_sum(numbers: list[float]) -> float:
    """Left-to-right addition, as XPath and JavaScript add (NaN and infinities propagate)."""
    total = 0.0
    for number in numbers:
        total += number
    return total


# ------------------------------------------------------------------------------------------------ dispatch

def _function(tree: list, env):
    name = tree[1]
    special = SPECIAL.get(name)
    if special is not None:
        return special(tree[2:], env)
    return EAGER[name]([evaluate(arg, env) for arg in tree[2:]], env)


def _up(tree: list, env):
    raise ValueError("['up'] is only position()'s argument")


HANDLERS = {
    "num": lambda tree, env: tree[1],
    "str": lambda tree, env: tree[1],
    "ref": lambda tree, env: env.value(tree[1]),
    "cur": lambda tree, env: env.current(),
    "col": lambda tree, env: env.column(tree[1]),
    "up": _up,
    "neg": lambda tree, env: -to_number(evaluate(tree[1], env)),
    "op": lambda tree, env: OPERATORS[tree[1]](tree[2], tree[3], env),
    "fn": _function,
}
