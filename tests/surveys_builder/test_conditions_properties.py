"""Property tests of the condition and restriction editors' source (surveys.builder.conditions): whatever the
rows, the source compiles with the import's compiler and reads back into the same rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from surveys.builder.conditions import (
    FAMILIES,
    Candidate,
    Restriction,
    Row,
    condition_source,
    read_condition,
    read_restriction,
    restriction_source,
)
from surveys.logic.expressions import compile_expression, to_source

CANDIDATES = {
    "uno": Candidate("uno", "select_one", "Uno", [("si", "Sí"), ("no", "No")]),
    "varios": Candidate("varios", "select_multiple", "Varios", [("a", "A"), ("b_2", "B")]),
    "numero": Candidate("numero", "decimal", "Número"),
    "fecha": Candidate("fecha", "date", "Fecha"),
    "texto": Candidate("texto", "text", "Texto"),
    "hora": Candidate("hora", "time", "Hora"),
}
KINDS = {"uno": "select_one", "varios": "select_multiple", "numero": "number", "fecha": "date", "texto": "text",
         "hora": "other"}
numbers = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False).map(
    lambda d: to_source(["num", float(d)]))
texts = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="'\""), min_size=1,
                max_size=20).filter(lambda t: t.strip() == t and t)
dates = st.dates().map(lambda d: d.isoformat()).filter(lambda t: len(t) == 10)


@st.composite
def rows(draw):
    name = draw(st.sampled_from(sorted(CANDIDATES)))
    op = draw(st.sampled_from(FAMILIES[KINDS[name]]))
    if op in ("answered", "empty"):
        return Row(name, op, "")
    candidate = CANDIDATES[name]
    if candidate.choices:
        value = draw(st.sampled_from([code for code, _label in candidate.choices]))
    else:
        value = draw({"number": numbers, "date": dates, "text": texts}[KINDS[name]])
    return Row(name, op, value)


@given(st.lists(rows(), min_size=1, max_size=5), st.sampled_from(["and", "or"]))
def test_condition_rows_compile_and_read_back(found, joiner):
    source = condition_source(found, joiner, CANDIDATES)
    tree = compile_expression(source)
    assert read_condition(tree) == (found, joiner if len(found) > 1 else "and")


@given(st.one_of(st.just(""), numbers), st.one_of(st.just(""), numbers))
def test_number_restrictions_read_back(low, high):
    data = Restriction(minimum=low, maximum=high)
    source = restriction_source(data, "integer")
    assert read_restriction(compile_expression(source) if source else None, "integer") == data


@given(st.one_of(st.just(""), st.integers(0, 999).map(str)), st.one_of(st.just(""), st.integers(0, 999).map(str)),
       st.one_of(st.just(""), texts.filter(lambda t: "\\" not in t)))
def test_text_restrictions_read_back(low, high, pattern):
    data = Restriction(min_length=low, max_length=high, pattern=pattern)
    try:
        source = restriction_source(data, "text")
        tree = compile_expression(source) if source else None
    except ValueError:  # a pattern that is not a valid regular expression is refused by the compiler
        return
    assert read_restriction(tree, "text") == data
