"""XLSForm expressions compiled once (at import) into small JSON-able trees that the server
(surveys.logic.evaluate) and the browser (surveys/static/logic.js) evaluate; written back as XLSForm source.

Trees: ["num", 12.0], ["str", "abc"], ["ref", "name"], ["cur"], ["up"] (only as position(..)'s argument),
["col", "state"] (a choice's column, choice filters only), ["op", "+", A, B], ["neg", A], ["fn", "name", *args].
"""

from __future__ import annotations

import re
from decimal import Decimal

from surveys.logic.functions import FUNCTIONS, NODESET_FUNCTIONS, UNSUPPORTED
from surveys.logic.grammar import ExpressionError, Token, Tree, parse

CONTEXTS = ("question", "choice_filter")
MAX_DEPTH = 60
NCNAME = re.compile(r"[^\W\d][\w.\-]*")
REF_BODY = re.compile(r"\$\{(.*)\}", re.DOTALL)
CALLED = re.compile(r"(?<![\w.\-:$])([^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?)\s*\(")
STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
CHOICE_NAME_ARG = re.compile(r"\s*\$\{([^}]*)\}\s*")

# Operator precedence (higher binds tighter); unary minus is 7, atoms and calls 8.
PRECEDENCE = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5,
              "*": 6, "div": 6, "mod": 6}


def compile_expression(src: str, *, context: str = "question") -> list:
    """The tree of an XLSForm expression, or ExpressionError (Spanish) naming what cannot be evaluated."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}")
    try:
        parsed = parse(src)
    except ExpressionError:
        _refuse_named_functions(src)  # a syntax error after pulldata(...) names pulldata, the real problem
        raise
    return _Builder(context).build(parsed.children[0], 0)


def _refuse_named_functions(src: str) -> None:
    for name in CALLED.findall(STRINGS.sub("''", src)):
        name = name.lower()
        if name in UNSUPPORTED:
            raise ExpressionError(f"la función {name}() no está disponible en la plataforma: {UNSUPPORTED[name]}")
        if name not in FUNCTIONS and name not in ("and", "or", "div", "mod"):
            raise ExpressionError(f"la función {name}() no existe en XLSForm")


class _Builder:
    def __init__(self, context: str):
        self.context = context

    def build(self, node, depth: int) -> list:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"la expresión tiene más de {MAX_DEPTH} niveles de anidación")
        if isinstance(node, Token):  # a rule that kept a single token (cannot happen with the aliases; guard)
            raise ExpressionError(f"«{node}» inesperado")
        kind, kids = node.data, node.children
        if kind == "binop":
            left, op, right = kids
            return ["op", str(op), self.build(left, depth + 1), self.build(right, depth + 1)]
        if kind == "neg":
            return ["neg", self.build(kids[1], depth + 1)]
        if kind == "group":
            return self.build(kids[1], depth + 1)
        if kind == "call":
            return self._call(kids, depth)
        return self._atom(kind, kids[0])

    def _atom(self, kind: str, token: Token) -> list:
        text = str(token)
        if kind == "num":
            return ["num", float(text)]
        if kind == "string":
            return ["str", text[1:-1]]
        if kind == "ref":
            return ["ref", _ref_name(text)]
        if kind == "cur":
            return ["cur"]
        if kind == "up":
            raise ExpressionError("«..» solo puede usarse como argumento de position(..)")
        # a bare name: a column of the choices sheet, in choice filters only
        if self.context != "choice_filter":
            raise ExpressionError(f"«{text}» no es válido aquí: una pregunta se nombra ${{{text}}}")
        if ":" in text.replace("::", ""):
            raise ExpressionError(f"el nombre con prefijo «{text}» no es una columna de la hoja choices")
        return ["col", text]

    def _call(self, kids: list, depth: int) -> list:
        name = str(kids[0]).lower()
        args = [kid for kid in kids[2:-1] if kid is not None and not isinstance(kid, Token)]
        if name in UNSUPPORTED:
            raise ExpressionError(f"la función {name}() no está disponible en la plataforma: {UNSUPPORTED[name]}")
        if name not in FUNCTIONS:
            raise ExpressionError(f"la función {name}() no existe en XLSForm")
        low, high = FUNCTIONS[name]
        if name == "indexed-repeat" and len(args) > 3:
            raise ExpressionError("indexed-repeat() con repeticiones anidadas no está disponible en la plataforma")
        if len(args) < low or (high is not None and len(args) > high):
            raise ExpressionError(f"la función {name}() recibe {_arity(low, high)}; recibió {len(args)}")
        if name == "position":
            if not (isinstance(args[0], Tree) and args[0].data == "up"):
                raise ExpressionError("position() solo está disponible como position(..), dentro de una repetición")
            return ["fn", "position", ["up"]]
        built = [self.build(arg, depth + 1) for arg in args]
        _check_arguments(name, built)
        return ["fn", name, *built]


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"al menos {low} argumento" + ("s" if low != 1 else "")
    if low == high:
        return f"{low} argumento" + ("s" if low != 1 else "")
    return f"de {low} a {high} argumentos"


def _ref_name(text: str) -> str:
    body = REF_BODY.fullmatch(text).group(1)
    if body.startswith("last-saved#"):
        raise ExpressionError(f"la referencia {text} (último guardado) no está disponible en la plataforma")
    if not NCNAME.fullmatch(body):
        raise ExpressionError(f"la referencia {text} no nombra una pregunta (se escribe ${{nombre}})")
    return body


def _check_arguments(name: str, args: list) -> None:
    """Arguments some functions need in a given shape, checked once at import."""
    if name in NODESET_FUNCTIONS and args[0][0] != "ref":
        raise ExpressionError(f"la función {name}() recibe una pregunta: {name}(${{nombre}})")
    if name == "indexed-repeat" and (args[0][0] != "ref" or args[1][0] != "ref"):
        raise ExpressionError("indexed-repeat() se escribe indexed-repeat(${pregunta}, ${repetición}, número)")
    if name == "weighted-checklist" and len(args) % 2:
        raise ExpressionError("weighted-checklist() recibe mínimo, máximo y pares de valor y peso")
    if name == "jr:choice-name":
        second = args[1]
        match = CHOICE_NAME_ARG.fullmatch(second[1]) if second[0] == "str" else None
        if match is None or not NCNAME.fullmatch(match.group(1)):
            raise ExpressionError("jr:choice-name() se escribe jr:choice-name(valor, '${pregunta}')")
        args[1] = ["str", match.group(1)]
    if name == "regex" and args[1][0] == "str":
        try:
            re.compile(args[1][1])
        except re.error as error:
            raise ExpressionError(f"la expresión regular «{args[1][1]}» no es válida: {error}") from None


def references(tree: list) -> set[str]:
    """The question names an expression uses (${name}, and the question named in jr:choice-name)."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node[0]
        if kind == "ref":
            found.add(node[1])
        elif kind == "op":
            stack.extend(node[2:])
        elif kind == "neg":
            stack.append(node[1])
        elif kind == "fn":
            if node[1] == "jr:choice-name":
                found.add(node[3][1])
                stack.append(node[2])
            else:
                stack.extend(node[2:])
    return found


def to_source(tree: list) -> str:
    """The XLSForm source of a tree (compile_expression(to_source(tree)) == tree)."""
    kind = tree[0]
    if kind == "num":
        return _number_source(tree[1])
    if kind == "str":
        return _string_source(tree[1])
    if kind == "ref":
        return f"${{{tree[1]}}}"
    if kind == "col":
        return tree[1]
    if kind == "cur":
        return "."
    if kind == "up":
        return ".."
    if kind == "neg":
        inner = to_source(tree[1])
        return f"-{inner}" if _precedence(tree[1]) >= 7 else f"-({inner})"
    if kind == "op":
        op, left, right = tree[1], tree[2], tree[3]
        level = PRECEDENCE[op]
        left_src, right_src = to_source(left), to_source(right)
        if _precedence(left) < level:
            left_src = f"({left_src})"
        if _precedence(right) <= level:
            right_src = f"({right_src})"
        return f"{left_src} {op} {right_src}"
    if kind == "fn":
        args = tree[2:]
        if tree[1] == "jr:choice-name":
            args = [args[0], ["str", f"${{{args[1][1]}}}"]]
        return f"{tree[1]}({', '.join(to_source(arg) for arg in args)})"
    raise ValueError(f"not an expression tree: {tree!r}")


def _precedence(tree: list) -> int:
    if tree[0] == "op":
        return PRECEDENCE[tree[1]]
    return 7 if tree[0] == "neg" else 8


def _number_source(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"no XPath literal for {value!r}")
    text = format(Decimal(repr(abs(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text


def _string_source(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError("an XPath literal cannot hold both quotes")
