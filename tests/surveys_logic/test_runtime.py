"""surveys.logic.runtime: relevance (inherited from groups), calculations in chains, required expressions,
constraints with their messages, choice filters, defaults and label references, on plain objects."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from surveys.logic.expressions import compile_expression
from surveys.logic.runtime import FormLogic, typed_value, value_text

NOW = datetime(2026, 3, 15, 10, 30, tzinfo=ZoneInfo("America/Mexico_City"))


def expr(src: str, context: str = "question") -> dict:
    return {"src": src, "tree": compile_expression(src, context=context)}


def choice(name: str, label: str = "", **extra) -> SimpleNamespace:
    return SimpleNamespace(name=name, labels={"es": label or name.title()}, extra=dict(extra))


def q(qtype: str, name: str | None, *, required: bool = False, choices=(), **logic) -> SimpleNamespace:
    stored = {}
    for key, value in logic.items():
        if key in ("constraint_message", "required_message", "default_value", "read_only_flag"):
            stored[key] = value
        elif key == "required_expr":
            stored["required"] = expr(value)
        else:
            stored[key] = expr(value, "choice_filter" if key == "choice_filter" else "question")
    return SimpleNamespace(type=qtype, name=name, required=required, logic=stored, choices=list(choices))


def test_skip_logic_hides_required_questions_and_their_values():
    form = FormLogic([
        q("select_one", "votes", required=True, choices=[choice("si"), choice("no")]),
        q("text", "why_not", required=True, relevant="${votes} = 'no'"),
    ])
    state = form.run({"votes": "si", "why_not": "stale answer"}, now=NOW)
    assert state.relevant == {"votes": True, "why_not": False}
    assert state.errors == {}
    assert state.values["why_not"] == ""
    state = form.run({"votes": "no"}, now=NOW)
    assert state.errors == {"why_not": ("required", {})}


def test_a_group_passes_its_relevance_to_everything_inside_it():
    form = FormLogic([
        q("integer", "age", required=True),
        q("begin_group", "adults", relevant="${age} >= 18"),
        q("text", "job", required=True),
        q("begin_group", "inner"),
        q("integer", "years", required=True),
        q("end_group", None),
        q("end_group", None),
        q("note", "bye"),
    ])
    state = form.run({"age": "10", "job": "x", "years": "3"}, now=NOW)
    assert [n for n, ok in state.relevant.items() if not ok] == ["adults", "job", "inner", "years"]
    assert state.relevant["bye"] is True and state.errors == {}
    assert form.run({"age": "30"}, now=NOW).errors.keys() == {"job", "years"}


def test_constraints_use_the_current_value_and_carry_their_messages():
    form = FormLogic([
        q("integer", "age", constraint=". >= 18 and . < 120",
          constraint_message={"es": "Debe tener 18 años o más", "en": "You must be 18 or older"}),
        q("text", "email", constraint="regex(., '^[^@ ]+@[^@ ]+\\.[a-z]+$')"),
    ])
    state = form.run({"age": "10", "email": "not-an-email"}, now=NOW)
    assert state.errors["age"][0] == "constraint" and state.errors["email"] == ("constraint", {})
    assert state.message("age", "en") == "You must be 18 or older"
    assert state.message("age", "fr") == "Debe tener 18 años o más"
    assert form.run({"age": "40", "email": "a@b.mx"}, now=NOW).errors == {}
    assert form.run({}, now=NOW).errors == {}  # an unanswered question is not checked against its constraint


def test_required_as_an_expression_with_its_message():
    form = FormLogic([
        q("select_one", "abroad", choices=[choice("yes"), choice("no")]),
        q("text", "country", required_message={"es": "Indique el país"},
          required_expr="${abroad} = 'yes'"),
    ])
    assert form.run({"abroad": "no"}, now=NOW).errors == {}
    state = form.run({"abroad": "yes"}, now=NOW)
    assert state.errors == {"country": ("required", {"es": "Indique el país"})}


def test_cascading_choices_keep_only_the_filtered_ones():
    cities = [choice("seattle", state="washington"), choice("austin", state="texas"),
              choice("houston", state="texas")]
    form = FormLogic([
        q("select_one", "state", choices=[choice("texas"), choice("washington")]),
        q("select_one", "city", choices=cities, choice_filter="state = ${state}"),
    ])
    state = form.run({"state": "texas", "city": "seattle"}, now=NOW)
    assert state.allowed == {"city": ["austin", "houston"]}
    assert state.errors == {"city": ("filtered", {})}
    assert form.run({"state": "texas", "city": "austin"}, now=NOW).errors == {}


def test_calculations_in_a_chain_written_out_of_order_settle():
    form = FormLogic([
        q("calculate", "total", calculation="${double} + 1"),
        q("calculate", "double", calculation="${n} * 2"),
        q("integer", "n"),
        q("text", "big", relevant="${total} > 10"),
    ])
    state = form.run({"n": "30"}, now=NOW)
    assert state.calculated == {"total": "61", "double": "60"}
    assert state.relevant["big"] is True
    state = form.run({}, now=NOW)
    assert state.calculated == {"total": "", "double": ""}  # NaN: no value
    assert state.relevant["big"] is False


def test_a_cycle_of_calculations_stops():
    form = FormLogic([q("calculate", "a", calculation="${b} + 1"), q("calculate", "b", calculation="${a} + 1")])
    state = form.run({}, now=NOW)
    assert set(state.calculated) == {"a", "b"}


def test_defaults_literal_and_expression():
    form = FormLogic([q("text", "country", default_value="México"), q("date", "day", default="today()"),
                      q("text", "plain")])
    assert form.defaults(now=NOW) == {"country": "México", "day": "2026-03-15"}


def test_label_references_show_answers_and_choice_labels():
    form = FormLogic([
        q("text", "name"),
        q("select_multiple", "langs", choices=[choice("es", "Español"), choice("en", "Inglés")]),
        q("text", "secret", relevant="false()"),
    ])
    state = form.run({"name": "Ana", "langs": "es en", "secret": "x"}, now=NOW)
    assert form.interpolate("Gracias, ${name}: ${langs}. ${secret}${missing}", state) == \
        "Gracias, Ana: Español, Inglés. "


@pytest.mark.parametrize(("qtype", "text", "expected"), [
    ("integer", "12", 12.0), ("decimal", "1.5", 1.5), ("date", "2025-06-01", date(2025, 6, 1)),
    ("text", "12", "12"), ("integer", "", ""), ("integer", "abc", "abc"),
])
def test_typed_values(qtype, text, expected):
    assert typed_value(qtype, text) == expected


def test_value_text_writes_numbers_as_xpath_does():
    assert value_text(60.0) == "60" and value_text(1.5) == "1.5" and value_text(float("nan")) == ""
    assert value_text(True) == "true" and value_text(date(2025, 1, 2)) == "2025-01-02"
