"""The shared cases (cases.json): the Python engine compiles each source to the recorded tree and evaluates it
to the recorded value; the browser's evaluator (surveys/static/logic.js) runs the same file."""

import json
import math
from datetime import date, datetime
from pathlib import Path

import pytest

from surveys.logic.compiled import compile_tree
from surveys.logic.evaluate import OPERATORS, SPECIAL, evaluate
from surveys.logic.expressions import FUNCTIONS, compile_expression
from surveys.logic.library import EAGER
from tests.surveys_logic.env import CaseEnv, decode

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))


def same(actual, expected) -> bool:
    if type(actual) is not type(expected):
        return False
    if isinstance(actual, float):
        return (math.isnan(actual) and math.isnan(expected)) or actual == expected
    if isinstance(actual, datetime):
        return actual.isoformat(timespec="milliseconds") == expected.isoformat(timespec="milliseconds")
    return actual == expected


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['src'][:40]}" for i, c in enumerate(CASES)])
def test_case(case):
    tree = compile_expression(case["src"], context=case["context"])
    assert tree == case["tree"]
    assert json.loads(json.dumps(tree)) == tree  # JSON-able, as sent to the browser
    result = evaluate(tree, CaseEnv(case))
    assert same(result, decode(case["expect"])), (case["src"], result)


def test_cases_cover_every_function_and_operator():
    assert len(CASES) >= 120
    used_functions, used_operators = set(), set()

    def walk(node):
        if node[0] == "fn":
            used_functions.add(node[1])
        if node[0] == "op":
            used_operators.add(node[1])
        for child in node[1:]:
            if isinstance(child, list):
                walk(child)

    for case in CASES:
        walk(case["tree"])
    assert set(FUNCTIONS) - used_functions == set()
    assert set(OPERATORS) - used_operators == set()
    assert {case["context"] for case in CASES} == {"question", "choice_filter"}


def test_every_function_has_an_implementation():
    assert set(FUNCTIONS) == set(EAGER) | set(SPECIAL)
    assert not set(EAGER) & set(SPECIAL)


def test_case_values_round_trip():
    from tests.surveys_logic.env import encode

    for value in ["x", 1.5, True, date(2026, 1, 2), float("inf"), datetime.fromisoformat("2026-03-15T10:30:00.250-06:00")]:
        assert same(decode(encode(value)), value)


# ------------------------------------------------------------------ the closures FormLogic runs (compiled.py)

def _outcome(function):
    try:
        return "value", function()
    except Exception as error:  # noqa: BLE001 - the same refusal either way
        return "error", type(error).__name__


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['src'][:40]}" for i, c in enumerate(CASES)])
def test_case_compiled_to_closures(case):
    result = compile_tree(case["tree"])(CaseEnv(case))
    assert same(result, decode(case["expect"])), (case["src"], result)


def test_random_trees_give_the_same_value_compiled_and_interpreted():
    from hypothesis import given, settings

    from tests.surveys_logic.env import encode
    from tests.surveys_logic.test_logic_js import _strategies

    trees, cases = _strategies()

    @settings(max_examples=400, deadline=None, database=None)
    @given(trees, cases)
    def agree(tree, raw):
        case = {"values": {k: encode(v) for k, v in raw["values"].items()}, "current": encode(raw["current"]),
                "now": raw["now"]}
        expected = _outcome(lambda: evaluate(tree, CaseEnv(case)))
        got = _outcome(lambda: compile_tree(tree)(CaseEnv(case)))
        assert got[0] == expected[0], (tree, got, expected)
        assert got[1] == expected[1] if got[0] == "error" else same(got[1], expected[1]), (tree, got, expected)

    agree()
