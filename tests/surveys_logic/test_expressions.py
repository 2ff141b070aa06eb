"""compile_expression: the trees of the grammar, and the Spanish line that names what cannot be evaluated."""

import pytest

from surveys.logic.evaluate import evaluate
from surveys.logic.expressions import ExpressionError, compile_expression, references, to_source
from surveys.logic.functions import UNSUPPORTED
from tests.surveys_logic.env import CaseEnv


def refused(src: str, context: str = "question") -> str:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(src, context=context)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


@pytest.mark.parametrize(("src", "tree"), [
    ("1 + 2 * 3", ["op", "+", ["num", 1.0], ["op", "*", ["num", 2.0], ["num", 3.0]]]),
    ("1 - 2 - 3", ["op", "-", ["op", "-", ["num", 1.0], ["num", 2.0]], ["num", 3.0]]),
    ("a or b and c = d", None),
    ("-2 * 3", ["op", "*", ["neg", ["num", 2.0]], ["num", 3.0]]),
    ("1 < 2 = 2 > 1", ["op", "=", ["op", "<", ["num", 1.0], ["num", 2.0]], ["op", ">", ["num", 2.0], ["num", 1.0]]]),
    (" \n${a}\t>=\n18 ", ["op", ">=", ["ref", "a"], ["num", 18.0]]),
    ("${año_1.x-y}", ["ref", "año_1.x-y"]),
    ("'it\"s' = \"it's\"", ["op", "=", ["str", 'it"s'], ["str", "it's"]]),
    (".5 + 5.", ["op", "+", ["num", 0.5], ["num", 5.0]]),
    ("TRUE()", ["fn", "true"]),
    ("selected (., 'x')", ["fn", "selected", ["cur"], ["str", "x"]]),
    ("position(..)", ["fn", "position", ["up"]]),
    ("jr:choice-name(${q}, ' ${q} ')", ["fn", "jr:choice-name", ["ref", "q"], ["str", "q"]]),
    ("${a} div 2 mod 3", ["op", "mod", ["op", "div", ["ref", "a"], ["num", 2.0]], ["num", 3.0]]),
    ("${a}-1", ["op", "-", ["ref", "a"], ["num", 1.0]]),
])
def test_trees(src, tree):
    if tree is None:  # bare names are refused outside choice filters
        refused(src)
        return
    assert compile_expression(src) == tree
    assert compile_expression(to_source(tree)) == tree


def test_keywords_are_operators_only_where_an_operator_stands():
    tree = compile_expression("div div mod and or or and", context="choice_filter")
    assert tree == ["op", "or", ["op", "and", ["op", "div", ["col", "div"], ["col", "mod"]], ["col", "or"]],
                    ["col", "and"]]
    assert compile_expression("state-1 = a.b", context="choice_filter") == ["op", "=", ["col", "state-1"], ["col", "a.b"]]
    assert compile_expression("label::English != ''", context="choice_filter")[2] == ["col", "label::English"]


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_functions_are_refused_by_name(name):
    message = refused(f"{name}('a', 'b') = 1")
    assert f"la función {name}() no está disponible en la plataforma" in message


@pytest.mark.parametrize(("src", "needle"), [
    ("foo(1)", "la función foo() no existe en XLSForm"),
    ("lower-case(${a})", "la función lower-case() no existe"),
    ("instance('x')/root/item[name=1]", "la función instance() no está disponible"),
    ("current()/../x", "la función current() no está disponible"),
    ("/data/x = 1", "las rutas XPath"),
    ("${a}[1]", "los predicados XPath"),
    ("${a} | ${b}", "las uniones XPath"),
    ("@x", "los atributos XPath"),
    ("${a} = ‘yes’", "comillas rectas"),
    ("1e3", "notación exponencial"),
    ("1 +", "expresión incompleta cerca de «1 +»"),
    ("(${a} = 1", "expresión incompleta"),
    ("'abc", "texto sin comilla de cierre"),
    ("1 2", "«2» inesperado"),
    ("", "está vacía"),
    ("   ", "está vacía"),
    ("$a", "una referencia se escribe ${nombre}"),
    ("${a b}", "no nombra una pregunta"),
    ("${last-saved#a}", "último guardado"),
    ("age > 1", "una pregunta se nombra ${age}"),
    ("x:y = 1", "no es válido aquí"),
    ("round()", "la función round() recibe de 1 a 2 argumentos; recibió 0"),
    ("if(1, 2)", "la función if() recibe 3 argumentos; recibió 2"),
    ("concat()", "al menos 1 argumento;"),
    ("position()", "position() recibe 1 argumento"),
    ("position(.)", "position(..)"),
    (".. = 1", "solo puede usarse como argumento de position(..)"),
    ("sum(1)", "sum() recibe una pregunta"),
    ("indexed-repeat(${a}, ${r}, 1, ${r2}, 1)", "repeticiones anidadas"),
    ("indexed-repeat('a', ${r}, 1)", "indexed-repeat(${pregunta}, ${repetición}, número)"),
    ("jr:choice-name(${q}, ${q})", "jr:choice-name(valor, '${pregunta}')"),
    ("weighted-checklist(1, 2, 'a')", "pares de valor y peso"),
    ("regex(., '[a-')", "la expresión regular «[a-» no es válida"),
    ("(" * 70 + "1" + ")" * 70, "niveles de anidación"),
    ("1 + " * 6000 + "1", "demasiado larga"),
])
def test_refusals_name_the_problem(src, needle):
    assert needle in refused(src)


def test_bare_names_need_the_choice_filter_context():
    assert "una pregunta se nombra ${state}" in refused("state = ${s}")
    assert compile_expression("state = ${s}", context="choice_filter") == ["op", "=", ["col", "state"], ["ref", "s"]]
    with pytest.raises(ValueError):
        compile_expression("1", context="survey")


def test_references():
    tree = compile_expression("if(selected(${a}, 'x'), jr:choice-name(${b}, '${c}'), sum(${d})) + . + position(..)")
    assert references(tree) == {"a", "b", "c", "d"}
    assert references(compile_expression("1 + 2")) == set()


def test_to_source_writes_xlsform():
    assert to_source(compile_expression("(1+2)*-(3)")) == "(1 + 2) * -3"
    assert to_source(compile_expression("1 - (2 - 3)")) == "1 - (2 - 3)"
    assert to_source(compile_expression("-(1 + 2)")) == "-(1 + 2)"
    assert to_source(["num", 1e21]) == "1000000000000000000000"
    assert to_source(["num", 1e-7]) == "0.0000001"
    assert to_source(compile_expression("jr:choice-name(${q}, '${q}')")) == "jr:choice-name(${q}, '${q}')"
    with pytest.raises(ValueError):
        to_source(["str", "both ' and \""])


def test_short_circuit_and_lazy_if():
    class Exploding(CaseEnv):
        def value(self, name):
            raise AssertionError(f"{name} must not be read")

    env = Exploding({})
    assert evaluate(compile_expression("false() and ${x}"), env) is False
    assert evaluate(compile_expression("true() or ${x}"), env) is True
    assert evaluate(compile_expression("if(true(), 1, ${x})"), env) == 1.0
    assert evaluate(compile_expression("coalesce('a', ${x})"), env) == "a"
