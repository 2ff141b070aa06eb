"""Expression trees turned once into Python closures: the same values as surveys.logic.evaluate, faster.

`compile_tree(tree)` returns `function(env) -> value`. Each node becomes one closure that calls its children's
closures, so a form's 40 expressions are walked without a dictionary dispatch per node; the semantics are
evaluate's own: the same operator functions (`equal`, `_numbers`, `divide`, `modulo`), the same library of
functions (EAGER) and, for the functions that see their argument trees (if, coalesce, sum, position...),
the same SPECIAL handlers called with the trees. FormLogic (surveys.logic.runtime) compiles each question's
trees when a form's logic is built (once per worker and questions version); tests/surveys_logic runs every
shared case and random trees through both and requires the same value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from surveys.logic.conversions import to_boolean, to_number
from surveys.logic.evaluate import SPECIAL, _numbers, _up, divide, equal, modulo
from surveys.logic.library import EAGER

Compiled = Callable[[Any], Any]

_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": divide,
    "mod": modulo,
}


def compile_tree(tree: list) -> Compiled:
    """`function(env)` giving `evaluate(tree, env)`."""
    kind = tree[0]
    if kind in ("num", "str"):
        constant = tree[1]
        return lambda env: constant
    if kind == "ref":
        name = tree[1]
        return lambda env: env.value(name)
    if kind == "cur":
        return lambda env: env.current()
    if kind == "col":
        column = tree[1]
        return lambda env: env.column(column)
    if kind == "neg":
        inner = compile_tree(tree[1])
        return lambda env: -to_number(inner(env))
    if kind == "op":
        return _operator(tree[1], compile_tree(tree[2]), compile_tree(tree[3]))
    if kind == "fn":
        return _function(tree)
    if kind == "up":
        return lambda env: _up(tree, env)
    raise ValueError(f"unknown node {kind!r}")


def _operator(name: str, left: Compiled, right: Compiled) -> Compiled:
    if name == "or":
        return lambda env: to_boolean(left(env)) or to_boolean(right(env))
    if name == "and":
        return lambda env: to_boolean(left(env)) and to_boolean(right(env))
    if name == "=":
        return lambda env: equal(left(env), right(env))
    if name == "!=":
        return lambda env: not equal(left(env), right(env))
    if name in _COMPARE:
        test = _COMPARE[name]
        return lambda env: test(*_numbers(left(env), right(env)))
    function = _ARITHMETIC[name]
    return lambda env: function(to_number(left(env)), to_number(right(env)))


def _function(tree: list) -> Compiled:
    name, args = tree[1], tree[2:]
    special = SPECIAL.get(name)
    if special is not None:  # it reads its argument trees itself (lazy branches, every instance of a ${name})
        return lambda env: special(args, env)
    function = EAGER[name]
    arguments = [compile_tree(arg) for arg in args]
    if not arguments:
        return lambda env: function([], env)
    if len(arguments) == 1:
        (only,) = arguments
        return lambda env: function([only(env)], env)
    return lambda env: function([argument(env) for argument in arguments], env)
