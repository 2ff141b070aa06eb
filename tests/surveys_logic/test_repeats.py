"""surveys.logic.runtime with repeats: per-instance relevance, calculations, required rules, constraints and
filters; position(..), indexed-repeat(), sums and counts over instances; repeat_count."""

from __future__ import annotations

import pytest

from surveys.logic.environment import MAX_INSTANCES
from surveys.logic.runtime import FormLogic
from surveys.models import MAX_INSTANCES as STORED_MAX
from tests.surveys_logic.test_runtime import NOW, choice, q


def household(*inner, before=(), after=(), **repeat_logic):
    return FormLogic([*before, q("begin_repeat", "miembro", **repeat_logic), *inner, q("end_repeat", None),
                      *after])


def test_relevance_and_required_apply_to_each_instance():
    form = household(q("integer", "edad", required=True),
                     q("text", "escuela", required=True, relevant="${edad} < 18"))
    state = form.run({"edad": ["40", "10"], "escuela": ["", ""]}, now=NOW)
    assert state.counts == {"miembro": 2}
    assert state.relevant[("escuela", 1)] is False and state.relevant[("escuela", 2)] is True
    assert state.errors == {("escuela", 2): ("required", {})}
    state = form.run({"edad": ["40", ""], "escuela": ["stale", ""]}, now=NOW)
    assert state.errors == {("edad", 2): ("required", {})}
    assert state.values[("escuela", 1)] == ""  # not relevant: no value


def test_calculations_positions_sums_and_indexed_repeat():
    form = household(
        q("integer", "edad"),
        q("calculate", "doble", calculation="${edad} * 2"),
        q("calculate", "numero", calculation="position(..)"),
        after=[q("calculate", "total", calculation="sum(${edad})"),
               q("calculate", "personas", calculation="count(${miembro})"),
               q("calculate", "segunda", calculation="indexed-repeat(${edad}, ${miembro}, 2)"),
               q("calculate", "tercera", calculation="indexed-repeat(${edad}, ${miembro}, 3)"),
               q("calculate", "primera", calculation="${edad}"),
               q("calculate", "nombres", calculation="join('-', ${doble})")])
    state = form.run({"edad": ["30", "7"]}, now=NOW)
    assert state.calculated[("doble", 1)] == "60" and state.calculated[("doble", 2)] == "14"
    assert state.calculated[("numero", 1)] == "1" and state.calculated[("numero", 2)] == "2"
    assert state.calculated["total"] == "37"
    assert state.calculated["personas"] == "2"
    assert state.calculated["segunda"] == "7" and state.calculated["tercera"] == ""
    assert state.calculated["primera"] == "30"  # a node-set read as one value: the first instance
    assert state.calculated["nombres"] == "60-14"


def test_a_question_inside_the_repeat_reads_its_own_instance_and_the_questions_outside():
    form = household(q("integer", "edad", constraint=". <= ${limite}", constraint_message={"es": "Muy alto"}),
                     before=[q("integer", "limite")])
    state = form.run({"limite": "50", "edad": ["20", "60", "50"]}, now=NOW)
    assert state.errors == {("edad", 2): ("constraint", {"es": "Muy alto"})}
    assert state.message(("edad", 2), "es") == "Muy alto"


def test_choice_filters_per_instance():
    cities = [choice("cdmx", estado="mx"), choice("gdl", estado="jal"), choice("tlq", estado="jal")]
    form = household(q("select_one", "estado", choices=[choice("mx"), choice("jal")]),
                     q("select_one", "ciudad", choices=cities, choice_filter="estado = ${estado}"))
    state = form.run({"estado": ["mx", "jal"], "ciudad": ["gdl", "gdl"]}, now=NOW)
    assert state.allowed[("ciudad", 1)] == ["cdmx"] and state.allowed[("ciudad", 2)] == ["gdl", "tlq"]
    assert state.errors == {("ciudad", 1): ("filtered", {})}


def test_repeat_count_fixes_the_number_of_instances():
    form = household(q("text", "nombre", required=True), before=[q("integer", "personas")],
                     repeat_count="${personas}")
    state = form.run({"personas": "3", "nombre": ["Ana", "Luis"]}, now=NOW)
    assert state.counts == {"miembro": 3}
    assert state.errors == {("nombre", 3): ("required", {})}
    state = form.run({"personas": "1", "nombre": ["Ana", "Luis"]}, now=NOW, instances={"miembro": 2})
    assert state.counts == {"miembro": 1} and ("nombre", 2) not in state.relevant
    for text, expected in (("", 0), ("-2", 0), ("2.9", 2), ("100000", MAX_INSTANCES)):
        assert form.run({"personas": text}, now=NOW, check=False).counts == {"miembro": expected}


def test_a_repeat_count_read_after_the_repeat_settles_in_later_passes():
    form = household(q("text", "nombre"), repeat_count="${personas}", after=[q("integer", "personas")])
    assert form.run({"personas": "2"}, now=NOW).counts == {"miembro": 2}


def test_instances_given_by_the_caller_and_inferred_from_the_texts():
    form = household(q("text", "nombre", required=True))
    assert form.run({"nombre": ["Ana"]}, now=NOW).counts == {"miembro": 1}
    assert form.run({}, now=NOW, instances={}).counts == {"miembro": 0}
    state = form.run({"nombre": ["Ana"]}, now=NOW, instances={"miembro": 2})
    assert state.errors == {("nombre", 2): ("required", {})}


def test_a_repeat_that_is_not_relevant_hides_every_instance():
    form = household(q("text", "nombre", required=True), q("begin_group", "g"), q("text", "x", required=True),
                     q("end_group", None), before=[q("select_one", "vive_solo", choices=[choice("si")])],
                     relevant="${vive_solo} != 'si'")
    state = form.run({"vive_solo": "si", "nombre": ["", ""]}, now=NOW)
    assert state.relevant["miembro"] is False
    assert not any(state.relevant[(name, i)] for name in ("nombre", "g", "x") for i in (1, 2))
    assert state.errors == {}
    state = form.run({"vive_solo": "", "nombre": ["Ana"]}, now=NOW)
    assert state.errors == {("x", 1): ("required", {})}


def test_labels_and_read_only_per_instance():
    form = household(q("text", "nombre"), q("integer", "edad", read_only="${nombre} = 'Ana'"))
    state = form.run({"nombre": ["Ana", "Luis"]}, now=NOW)
    assert form.interpolate("Edad de ${nombre}", state, instance=2) == "Edad de Luis"
    assert form.interpolate("Edad de ${nombre}", state) == "Edad de Ana"
    assert form.read_only(state, now=NOW) == {("edad", 1)}


def test_a_form_without_repeats_keeps_names_as_keys():
    form = FormLogic([q("integer", "edad", required=True)])
    state = form.run({"edad": ""}, now=NOW)
    assert state.errors == {"edad": ("required", {})} and state.counts == {}
    assert not form.repeats


@pytest.mark.parametrize("texts", [{"nombre": "Ana"}, {"nombre": ["Ana"]}])
def test_a_single_text_is_the_first_instance(texts):
    form = household(q("text", "nombre"))
    assert form.run(texts, now=NOW).values[("nombre", 1)] == "Ana"


def test_the_runtime_bound_is_the_databases():
    assert MAX_INSTANCES == STORED_MAX


def test_a_caller_that_knows_no_instances_gets_one_under_the_plain_names():
    form = household(q("integer", "edad", required=True, read_only="true()"),
                     q("text", "escuela", required=True, relevant="${edad} < 18"))
    state = form.run({"edad": "10"}, now=NOW)
    assert state.counts == {"miembro": 1}
    assert state.relevant["escuela"] is True and state.errors == {"escuela": ("required", {}),
                                                                  ("escuela", 1): ("required", {})}
    assert form.read_only(state, now=NOW) == {"edad", ("edad", 1)}
    assert form.run({}, now=NOW).errors["edad"] == ("required", {})
