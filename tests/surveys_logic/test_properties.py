"""Property tests of the expression engine (hypothesis).

1. Any tree the grammar can produce is written back by to_source and compiled to the same tree.
2. Expressions over literals (arithmetic, comparisons, booleans, XPath 1.0's string and number functions) give
   what an independent XPath 1.0 implementation (elementpath's XPath1Parser) gives.
3. What the engine accepts, pyxform (the reference converter) converts in a form's logic columns.
"""

from __future__ import annotations

import math
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from surveys.logic.evaluate import evaluate
from surveys.logic.expressions import FUNCTIONS, NODESET_FUNCTIONS, compile_expression, references, to_source
from tests.surveys_logic.env import CaseEnv

try:
    from elementpath import XPath1Parser
except ImportError:  # pragma: no cover - a missing test dependency fails under CI (tests/conftest.py)
    XPath1Parser = None

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------- 1. round trip

KEYWORDS = ["div", "mod", "and", "or", "not", "if", "true"]
ncname = st.one_of(
    st.sampled_from(KEYWORDS),
    st.from_regex(r"[a-zA-ZñÁé_][a-zA-Z0-9_.ñ\-]{0,8}", fullmatch=True),
)
number = st.one_of(st.integers(0, 10**6).map(float),
                   st.decimals(0, 10**4, places=3, allow_nan=False, allow_infinity=False).map(float))
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8).filter(lambda s: not ("'" in s and '"' in s))
OPERATORS = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]
PLAIN_FUNCTIONS = sorted(name for name in FUNCTIONS
                         if name not in NODESET_FUNCTIONS | {"position", "indexed-repeat", "jr:choice-name",
                                                             "weighted-checklist"})


def leaves(context: str):
    options = [number.map(lambda n: ["num", n]), text.map(lambda s: ["str", s]),
               ncname.map(lambda n: ["ref", n]), st.just(["cur"])]
    if context == "choice_filter":
        options.append(ncname.map(lambda n: ["col", n]))
    return st.one_of(options)


def function_call(children):
    def build(draw_name):
        low, high = FUNCTIONS[draw_name]
        top = low + 2 if high is None else high
        return st.lists(children, min_size=low, max_size=top).map(lambda args: ["fn", draw_name, *args])
    special = st.one_of(
        st.just(["fn", "position", ["up"]]),
        ncname.map(lambda n: ["fn", "sum", ["ref", n]]),
        st.tuples(children, ncname).map(lambda t: ["fn", "jr:choice-name", t[0], ["str", t[1]]]),
        st.tuples(ncname, ncname, children).map(lambda t: ["fn", "indexed-repeat", ["ref", t[0]], ["ref", t[1]], t[2]]),
    )
    return st.one_of(st.sampled_from(PLAIN_FUNCTIONS).flatmap(build), special)


def trees(context: str):
    return st.recursive(
        leaves(context),
        lambda children: st.one_of(
            st.tuples(st.sampled_from(OPERATORS), children, children).map(lambda t: ["op", t[0], t[1], t[2]]),
            children.map(lambda c: ["neg", c]),
            function_call(children),
        ),
        max_leaves=12,
    )


def _no_bad_regex(tree) -> bool:
    """A literal regex() pattern must compile (the compiler checks it)."""
    if tree[0] == "fn" and tree[1] == "regex" and len(tree) > 3 and tree[3][0] == "str":
        import re
        try:
            re.compile(tree[3][1])
        except re.error:
            return False
    return all(_no_bad_regex(child) for child in tree[1:] if isinstance(child, list))


@SETTINGS
@given(st.sampled_from(["question", "choice_filter"]).flatmap(lambda c: st.tuples(st.just(c), trees(c))))
def test_to_source_compiles_back_to_the_same_tree(generated):
    context, tree = generated
    assume(_no_bad_regex(tree))
    source = to_source(tree)
    assert compile_expression(source, context=context) == tree, source
    assert references(tree) <= {n for n in source.replace("${", "\x00").split("\x00")[1:] for n in [n.split("}")[0]]}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_compiles_or_is_refused_with_a_message(source):
    from surveys.logic.expressions import ExpressionError

    for context in ("question", "choice_filter"):
        try:
            tree = compile_expression(source, context=context)
        except ExpressionError as error:
            assert str(error).strip()
        else:
            assert compile_expression(to_source(tree), context=context) == tree


# --------------------------------------------------------------------------------- 2. against XPath 1.0

# Typed generators of XPath 1.0 source over literals. Numbers go through number('...') so that elementpath
# computes with doubles as XPath 1.0 does (its bare literals are XPath 2 decimals). Left out where elementpath
# follows XPath 2 rather than 1.0: `mod` of a negative dividend, comparing mixed types, chained comparisons,
# numbers written with an exponent, round() of negative halves (JavaRosa rounds them away from zero), division
# by zero (elementpath gives -INF for NaN div 0), repeated characters in translate()'s second argument.
decimal_text = st.one_of(st.integers(-1000, 1000).map(str),
                         st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False).map(str))
plain_text = st.text(alphabet=string.ascii_letters[:6] + " -/", max_size=6)


def quoted(value: str) -> str:
    return f"'{value}'"


def _distinct(chars: str) -> str:
    return "".join(dict.fromkeys(chars))  # elementpath lets a repeated character's last use win; XPath the first


STR_BASE = st.one_of(
    plain_text.map(quoted),
    st.tuples(plain_text, plain_text).map(lambda t: f"concat({quoted(t[0])}, {quoted(t[1])})"),
    st.tuples(plain_text, plain_text).map(lambda t: f"substring-before({quoted(t[0])}, {quoted(t[1])})"),
    st.tuples(plain_text, plain_text).map(lambda t: f"substring-after({quoted(t[0])}, {quoted(t[1])})"),
    plain_text.map(lambda s: f"normalize-space({quoted(s)})"),
    st.tuples(plain_text, plain_text.map(_distinct), plain_text).map(
        lambda t: f"translate({', '.join(map(quoted, t))})"),
    st.tuples(plain_text, decimal_text).map(lambda t: f"substring({quoted(t[0])}, number({quoted(t[1])}))"),
    st.tuples(plain_text, st.integers(-2, 8), st.integers(-2, 8)).map(
        lambda t: f"substring({quoted(t[0])}, {t[1]}, {t[2]})"),
)
NUM = st.deferred(lambda: st.one_of(
    decimal_text.map(lambda d: f"number({quoted(d)})"),
    plain_text.map(lambda s: f"number({quoted(s)})"),
    STR_BASE.map(lambda s: f"number(string-length({s}))"),  # elementpath counts in integers (no -0)
    st.tuples(NUM, st.sampled_from(["+", "-", "*"]), NUM).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    # elementpath divides NaN by 0 into -INF: divisors here are non-zero (division by zero: cases.json)
    st.tuples(NUM, decimal_text.filter(lambda d: float(d) != 0)).map(lambda t: f"({t[0]} div number('{t[1]}'))"),
    NUM.map(lambda k: f"(-{k})"),
    st.tuples(st.sampled_from(["floor", "ceiling"]), NUM).map(lambda t: f"{t[0]}({t[1]})"),
))
BOOL_BASE = st.one_of(
    st.tuples(NUM, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), NUM).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    st.tuples(STR_BASE, st.sampled_from(["=", "!="]), STR_BASE).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    st.tuples(st.sampled_from(["contains", "starts-with"]), STR_BASE, STR_BASE).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
    NUM.map(lambda n: f"boolean({n})"),
    STR_BASE.map(lambda s: f"boolean({s})"),
    st.sampled_from(["true()", "false()"]),
)
BOOL = st.deferred(lambda: st.one_of(
    BOOL_BASE,
    st.tuples(BOOL, st.sampled_from(["and", "or", "=", "!="]), BOOL).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    BOOL.map(lambda k: f"not({k})"),
))
STR = st.one_of(STR_BASE, NUM.map(lambda n: f"string({n})"), BOOL.map(lambda b: f"string({b})"))


def reference_value(source: str):
    result = XPath1Parser().parse(source).evaluate()
    if isinstance(result, bool | str):
        # elementpath writes XPath 2's INF and -0; XPath 1.0 writes Infinity and 0
        return {"INF": "Infinity", "-INF": "-Infinity", "-0": "0"}.get(result, result) if isinstance(result, str) else result
    return float(result)


def agree(ours, theirs) -> bool:
    if isinstance(theirs, float):
        return isinstance(ours, float) and ((math.isnan(ours) and math.isnan(theirs)) or ours == theirs)
    return ours == theirs


@pytest.fixture(scope="module")
def xpath():
    if XPath1Parser is None:
        from tests.conftest import missing_dependency
        missing_dependency("elementpath is missing (pip install -e '.[test]')")
    return reference_value


@SETTINGS
@given(st.one_of(NUM, STR, BOOL))
def test_literal_expressions_agree_with_xpath_1(xpath, source):
    theirs = xpath(source)
    assume(not (isinstance(theirs, str) and "E" in theirs and source.startswith("string(")))  # XPath 2 notation
    ours = evaluate(compile_expression(source), CaseEnv({}))
    assert agree(ours, theirs), (source, ours, theirs)


@SETTINGS
@given(decimal_text)
def test_round_agrees_with_xpath_1_except_negative_halves(xpath, decimal):
    value = float(decimal)
    assume(not (value < 0 and value - math.floor(value) == 0.5))
    source = f"round(number('{decimal}'))"
    assert agree(evaluate(compile_expression(source), CaseEnv({})), xpath(source))


@SETTINGS
@given(st.integers(0, 10**6), st.integers(1, 10**4))
def test_mod_agrees_with_xpath_1_for_positive_operands(xpath, dividend, divisor):
    source = f"number('{dividend}') mod number('{divisor}')"
    assert agree(evaluate(compile_expression(source), CaseEnv({})), xpath(source))
    negative = f"number('-{dividend}') mod number('{divisor}')"  # XPath 1.0: the dividend's sign (not Python's %)
    assert evaluate(compile_expression(negative), CaseEnv({})) == math.fmod(-dividend, divisor)


# ----------------------------------------------------------------------------------------------- 3. pyxform

def pyxform_converts(expression: str, column: str) -> str:
    import tempfile
    from pathlib import Path

    from openpyxl import Workbook
    from pyxform.xls2xform import convert

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", column])
    for name in ("a", "b", "c"):
        survey.append(["text", name, name.upper(), ""])
    survey.append(["integer", "n", "N", ""])
    survey.append(["select_multiple opts", "m", "M", ""])
    survey.append(["text" if column != "calculation" else "calculate", "target", "T", expression])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["opts", "x", "X"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        book.save(path)
        return convert(xlsform=str(path), validate=False).xform


SAMPLE = [
    ("relevant", "${a} = 'yes' and not(selected(${m}, 'x'))"),
    ("relevant", "string-length(${b}) > 3 or ${n} >= 18"),
    ("constraint", ". >= 18 and . <= 120"),
    ("constraint", "regex(., '^[0-9]{5}$')"),
    ("calculation", "if(${n} > 10, concat(${a}, '-', ${b}), coalesce(${c}, 'none'))"),
    ("calculation", "round(${n} div 3, 2) + int(-1.5) - (2 * -3) mod 4"),
    ("calculation", "format-date(today(), '%Y-%m-%d')"),
    ("calculation", "jr:choice-name(${m}, '${m}')"),
    ("calculation", "count-selected(${m}) + number(boolean-from-string('1'))"),
    ("relevant", "selected-at(${m}, 0) != '' and contains(${a}, 'x')"),
]


@pytest.mark.parametrize(("column", "expression"), SAMPLE)
def test_pyxform_converts_what_we_accept(column, expression):
    tree = compile_expression(expression)
    for source in (expression, to_source(tree)):
        xform = pyxform_converts(source, column)
        assert "/data/target" in xform or "target" in xform
        for name in references(tree):
            assert f"/{name}" in xform  # pyxform resolved each ${name} to its path
