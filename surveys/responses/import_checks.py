"""What the responses import (surveys.responses.imports) and its repeat files (surveys.responses.repeat_import)
say about a cell the form's logic refuses, and how a calculated cell of the file is weighed against the
platform's result. A key is a question's name, or `(name, instance)` for a question inside a repeat."""

from __future__ import annotations

import math
from dataclasses import dataclass

from crm.core.errors import Problem
from surveys.logic.runtime import FormLogic, State

REQUIRED = "la pregunta es obligatoria y la celda está vacía"
VOLATILE = {"now", "today", "random", "uuid", "once"}  # a calculation using them differs from one moment to the next


@dataclass(frozen=True)
class PlacedProblem(Problem):
    """A problem of a repeat's file or sheet: `FILE row R: COLUMN: message` (or `FILE: message`)."""

    where: str = ""

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.where}: {self.message}"
        return f"{self.where} row {self.row}: {self.column}: {self.message}"


def problem_order(problem: Problem) -> tuple:
    """The main file's problems first, then each repeat file's, by row."""
    return (getattr(problem, "where", ""), problem.row or 0)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tree(question, key: str):
    entry = (question.logic or {}).get(key)
    return entry.get("tree") if isinstance(entry, dict) else None


def same(mine: str, theirs: str) -> bool:
    if mine == theirs:
        return True
    try:
        a, b = float(mine), float(theirs)
    except ValueError:
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _key(logic: FormLogic, name: str, instance: int):
    node = logic.nodes.get(name)
    return (name, instance) if instance and node is not None and node.repeat is not None else name


def not_relevant(logic: FormLogic, name: str, state: State, instance: int = 0) -> str:
    """Names the condition that hides the question: its own `relevant`, or the one of a group (or repeat)
    around it."""
    node = logic.nodes.get(name)
    while node is not None:
        src = (node.logic.get("relevant") or {}).get("src") if isinstance(node.logic.get("relevant"), dict) else None
        if src and not state.relevant.get(_key(logic, node.name, instance), True):
            where = "" if node.name == name else f"el grupo «{node.name}» "
            return (f"la pregunta no aplica con las respuestas de esta fila ({where}relevant: {short(src, 80)}); "
                    "la celda debe quedar vacía")
        node = logic.nodes.get(node.parent) if node.parent else None
    return "la pregunta no aplica con las respuestas de esta fila; la celda debe quedar vacía"


def error_message(question, found: tuple, text: str, state: State, key, default_lang: str) -> str:
    """The problem's message for the logic's error `found` ((code, messages)) on a cell holding `text`."""
    own = state.message(key, "es", default_lang)
    if found[0] == "required":
        return f"{own} ({REQUIRED})" if own else REQUIRED
    if found[0] == "constraint":
        src = (question.logic.get("constraint") or {}).get("src", "")
        return (f"«{short(text)}» no cumple la restricción: {own}" if own else
                f"«{short(text)}» no cumple la restricción de la pregunta ({short(src, 80)})")
    src = (question.logic.get("choice_filter") or {}).get("src", "")
    return (f"«{short(text)}» no es una opción permitida con las respuestas de esta fila "
            f"(filtro: {short(src, 80)}; permitidas: {short(', '.join(state.allowed.get(key, [])), 80)})")


def computed_text(mine: str, theirs: str, volatile: bool, has_tree: bool) -> tuple[str, str | None]:
    """(the text to store, a problem's message or None) for a calculated question whose platform result is
    `mine` and whose file cell is `theirs` ("" when the file has none)."""
    if theirs and (volatile or not has_tree):
        return theirs, None  # computed when the response was collected: that moment's value is the one to keep
    if theirs and not same(mine, theirs):
        return mine, (f"el archivo dice «{short(theirs)}» y la plataforma calcula «{short(mine)}» con las "
                      "respuestas de esta fila; deje la celda vacía o quite la columna para que se calcule")
    return mine, None


def _walk(tree, calls: set, refs: set) -> None:
    if not isinstance(tree, list) or not tree:
        return
    if tree[0] == "fn" and len(tree) > 1:
        calls.add(str(tree[1]).rpartition(":")[2])
    elif tree[0] == "ref" and len(tree) > 1:
        refs.add(tree[1])
    for item in tree[1:]:
        _walk(item, calls, refs)


def volatile_calculations(computed: list) -> set[str]:
    """The calculations whose result depends on the moment or on chance, directly or through another one."""
    uses: dict[str, tuple[set, set]] = {}
    for question in computed:
        calls: set[str] = set()
        refs: set[str] = set()
        _walk(tree(question, "calculation"), calls, refs)
        uses[question.name] = (calls, refs)
    volatile = {name for name, (calls, _) in uses.items() if calls & VOLATILE}
    changed = True
    while changed:
        grown = {name for name, (_, refs) in uses.items() if refs & volatile} - volatile
        volatile |= grown
        changed = bool(grown)
    return volatile
