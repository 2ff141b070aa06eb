"""XLSForm's expression syntax (the XPath 1.0 subset ODK forms use) as a Lark LALR grammar, and the
translation of Lark's syntax errors into one Spanish line that says what is wrong and where."""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

MAX_SOURCE = 10_000


class ExpressionError(ValueError):
    """An expression the platform cannot evaluate; the message (Spanish) names the problem."""


# XPath precedence, lowest first: or < and < (=, !=) < (<, <=, >, >=) < (+, -) < (*, div, mod) < unary -.
# `div`, `mod`, `and`, `or` are keywords only where an operator may stand: the contextual lexer offers NAME
# where an operand may stand and the keyword terminals where an operator may, so a column called `div` in a
# choice filter is a NAME.
GRAMMAR = r"""
start: expr
?expr: or_expr
?or_expr: and_expr | or_expr OR and_expr -> binop
?and_expr: eq_expr | and_expr AND eq_expr -> binop
?eq_expr: rel_expr | eq_expr EQOP rel_expr -> binop
?rel_expr: add_expr | rel_expr RELOP add_expr -> binop
?add_expr: mul_expr | add_expr PLUS mul_expr -> binop | add_expr MINUS mul_expr -> binop
?mul_expr: unary | mul_expr (STAR | DIV | MOD) unary -> binop
?unary: primary | MINUS unary -> neg
?primary: NUMBER -> num
    | STRING -> string
    | REF -> ref
    | DOTDOT -> up
    | DOT -> cur
    | NAME -> col
    | NAME LPAR [expr (COMMA expr)*] RPAR -> call
    | LPAR expr RPAR -> group

OR: "or"
AND: "and"
DIV: "div"
MOD: "mod"
EQOP: "!=" | "="
RELOP: "<=" | ">=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
LPAR: "("
RPAR: ")"
COMMA: ","
DOT: "."
DOTDOT: ".."
NUMBER: /[0-9]+(\.[0-9]*)?|\.[0-9]+/
STRING: /'[^']*'|"[^"]*"/
REF: /\$\{[^}]*\}/
NAME: /[^\W\d][\w.\-]*(::?[^\W\d][\w.\-]*)?/

%ignore /\s+/
"""

@cache
def _parser() -> Lark:
    """The LALR parser, built on first use (a web worker that only answers forms never builds it)."""
    return Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=True)

# Characters of XPath the platform does not take, and why (the user wrote a path, a predicate...).
FOREIGN = {
    "/": "las rutas XPath («/») no están disponibles; use ${nombre}",
    "[": "los predicados XPath («[…]») no están disponibles",
    "]": "los predicados XPath («[…]») no están disponibles",
    "|": "las uniones XPath («|») no están disponibles",
    "@": "los atributos XPath («@») no están disponibles",
    "$": "una referencia se escribe ${nombre}",
    "#": "el carácter «#» no es válido en una expresión",
    "‘": "use comillas rectas ('…' o \"…\") en lugar de comillas tipográficas",
    "’": "use comillas rectas ('…' o \"…\") en lugar de comillas tipográficas",
    "“": "use comillas rectas ('…' o \"…\") en lugar de comillas tipográficas",
    "”": "use comillas rectas ('…' o \"…\") en lugar de comillas tipográficas",
}

TOKEN_NAMES = {"$END": "el final de la expresión"}


def _near(src: str, pos: int) -> str:
    """A short excerpt of the source around a position, for the error line."""
    start = max(0, pos - 15)
    excerpt = src[start:pos + 15].replace("\n", " ").strip()
    return ("…" if start else "") + excerpt + ("…" if pos + 15 < len(src) else "")


def _unexpected_characters(src: str, error: UnexpectedCharacters) -> str:
    pos = error.pos_in_stream
    char = src[pos]
    if char in FOREIGN:
        return f"{FOREIGN[char]} (cerca de «{_near(src, pos)}»)"
    if char in "'\"":
        return f"texto sin comilla de cierre cerca de «{_near(src, pos)}»"
    if char in "eE" and pos and src[pos - 1].isdigit():
        return f"la notación exponencial no existe en XPath; escriba el número completo (cerca de «{_near(src, pos)}»)"
    return f"carácter inesperado «{char}» cerca de «{_near(src, pos)}»"


def _unexpected_token(src: str, error: UnexpectedToken) -> str:
    token = error.token
    if token.type == "$END":
        return f"expresión incompleta cerca de «{_near(src, len(src))}»"
    pos = token.start_pos if token.start_pos is not None else len(src)
    text = str(token)
    if text[:1] in "eE" and pos and src[pos - 1].isdigit():
        return f"la notación exponencial no existe en XPath; escriba el número completo (cerca de «{_near(src, pos)}»)"
    if token.type == "NAME" and "::" in text:
        return f"los ejes XPath («{text}») no están disponibles"
    return f"«{text}» inesperado cerca de «{_near(src, pos)}»"


def parse(src: str) -> Tree:
    """Lark's tree of an expression, or ExpressionError naming what is wrong."""
    if not isinstance(src, str):
        raise ExpressionError("la expresión debe ser texto")
    if len(src) > MAX_SOURCE:
        raise ExpressionError(f"la expresión es demasiado larga (más de {MAX_SOURCE} caracteres)")
    if not src.strip():
        raise ExpressionError("la expresión está vacía")
    try:
        return _parser().parse(src)
    except UnexpectedCharacters as error:
        raise ExpressionError(_unexpected_characters(src, error)) from None
    except (UnexpectedToken, UnexpectedEOF) as error:
        if isinstance(error, UnexpectedEOF):
            raise ExpressionError(f"expresión incompleta cerca de «{_near(src, len(src))}»") from None
        raise ExpressionError(_unexpected_token(src, error)) from None
    except UnexpectedInput as error:  # any other syntax error Lark may raise
        raise ExpressionError(f"expresión no válida cerca de «{_near(src, getattr(error, 'pos_in_stream', 0) or 0)}»") from None


__all__ = ["ExpressionError", "Token", "Tree", "parse"]
