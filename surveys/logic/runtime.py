"""A form's logic at run time: relevance, calculations, required rules, constraints, choice filters, labels.

`FormLogic(questions)` is built once per question set (the respondent pages cache it beside the question
definitions; the responses import builds one per file). `questions` is the form in document order, as any
objects with `type`, `name`, `required`, `logic` (the dict surveys.xlsform stores: compiled trees under
`{"src", "tree"}`, messages per language) and `choices` (objects with `name`, `labels`, `extra`).

`run(texts, now=...)` takes the answers as text, the way they are stored and written in the responses file
(a select_multiple's chosen names joined by a space; "" or absent: not answered) and returns a `State`:

- `relevant[name]`: the question and every group around it are relevant (a group's relevance is inherited);
- `values[name]`: the typed value each expression sees ("" when unanswered or not relevant): numbers as
  float, dates, date-times; a calculation's result for questions that have one;
- `calculated[name]`: the text to store for every question with a calculation;
- `allowed[name]`: for a select with a choice filter, the names of the choices it keeps;
- `errors[name]`: `(code, messages)`, code `required`, `constraint` or `filtered`, messages the form's own
  `required_message`/`constraint_message` per language (empty when the form has none).

Calculations and relevance can depend on each other: both are recomputed in document order until nothing
changes (at most `MAX_PASSES` times, enough for any chain a form author writes in order, and bounded for a
form whose calculations refer to each other in a cycle). A question that is not relevant is not required,
has no error and keeps no value: the caller stores nothing for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from surveys.logic import repeats
from surveys.logic.compiled import compile_tree
from surveys.logic.conversions import to_boolean
from surveys.logic.environment import Env as _Env
from surveys.logic.environment import State, typed_value, value_text
from surveys.logic.expressions import references

__all__ = ["FormLogic", "State", "typed_value", "value_text"]

MAX_PASSES = 5
OPENERS = ("begin_group", "begin_repeat")
CLOSERS = ("end_group", "end_repeat")
SELECTS = ("select_one", "select_multiple", "rank")
_REF = re.compile(r"\$\{([^}\s]+)\}")


@dataclass(slots=True)
class _Node:
    name: str
    type: str
    parent: str | None  # the innermost group or repeat around it
    required: bool
    logic: Mapping
    choices: Sequence
    trees: dict = field(default_factory=dict)  # {key: compiled tree}, looked up once (run reads them per answer)
    repeat: str | None = None  # the repeat around it (repeats do not nest)
    fns: dict = field(default_factory=dict)  # {key: the tree as a closure} (surveys.logic.compiled)

    def __post_init__(self):
        self.trees = {key: entry["tree"] for key, entry in self.logic.items()
                      if isinstance(entry, Mapping) and entry.get("tree") is not None}
        self.fns = {key: compile_tree(tree) for key, tree in self.trees.items()}

    def tree(self, key: str):
        return self.trees.get(key)

    def fn(self, key: str):
        return self.fns.get(key)


class FormLogic:
    def __init__(self, questions: Iterable):
        self.nodes: dict[str, _Node] = {}
        self.order: list[_Node] = []
        self.repeats: dict[str, list[_Node]] = {}  # each repeat's questions (and groups), in document order
        self.top: list[_Node] = []  # the nodes outside repeats (the repeats themselves included)
        stack: list[str] = []
        repeat: list[str] = []  # the repeat that is open, if any (a stack: a stray closer pops the right one)
        for question in questions:
            qtype = question.type
            if qtype in CLOSERS:
                if stack:
                    closed = stack.pop()
                    if repeat and repeat[-1] == closed:
                        repeat.pop()
                continue
            name = question.name
            if not name:
                continue
            node = _Node(name=name, type=qtype, parent=stack[-1] if stack else None,
                         required=bool(question.required), logic=question.logic or {},
                         choices=tuple(question.choices or ()), repeat=repeat[-1] if repeat else None)
            self.nodes[name] = node
            self.order.append(node)
            if node.repeat is None:
                self.top.append(node)
            else:
                self.repeats[node.repeat].append(node)
            if qtype in OPENERS:
                stack.append(name)
            if qtype == "begin_repeat" and not repeat:
                repeat.append(name)
                self.repeats[name] = []
        self.relevance = [n for n in self.order if n.tree("relevant") is not None]
        self.calculations = [n for n in self.order if n.tree("calculation") is not None]
        self.has_logic = any(n.logic for n in self.order)
        # every relevance and calculation reads only questions before it: one pass in document order is final
        seen: set[str] = set()
        self.in_order = True
        for node in self.order:
            for key in ("relevant", "calculation", "repeat_count"):
                tree = node.tree(key)
                if tree is not None and not references(tree) <= seen:
                    self.in_order = False
            seen.add(node.name)

    # --- the state of a set of answers ------------------------------------------------------------

    def run(self, texts: Mapping[str, str], *, now: datetime, lang: str = "es", check: bool = True,
            instances: Mapping[str, int] | None = None) -> State:
        """The state of a set of answers. In a form with repeats (surveys.logic.repeats) a question inside a
        repeat takes a list of texts, one per instance, `instances` may say how many each repeat has, and
        the State keys that question's results `(name, instance)`."""
        if self.repeats:
            return repeats.run(self, texts, now, lang, check, instances)
        values = {name: typed_value(node.type, texts.get(name) or "") for name, node in self.nodes.items()}
        relevant: dict[str, bool] = {}
        env = _Env(self, values, relevant, now, lang)
        calculated: dict[str, str] = {}
        for _ in range(MAX_PASSES):
            before = None if self.in_order else (dict(relevant), dict(calculated))
            self._sweep(env, relevant, calculated, values)
            if before is None or (relevant, calculated) == before:
                break
        for name, is_relevant in relevant.items():
            if not is_relevant:
                values[name] = ""
        state = State(relevant=relevant, values=values, calculated=calculated,
                      allowed=self._allowed(env, relevant))
        if check:
            state.errors = self._errors(env, state, texts)
        return state

    def _sweep(self, env: _Env, relevant: dict, calculated: dict, values: dict) -> None:
        """Relevance, then the calculation, of each question in document order."""
        for node in self.order:
            inherited = relevant.get(node.parent, True) if node.parent else True
            fns = node.fns
            fn = fns.get("relevant")
            is_relevant = relevant[node.name] = inherited and (fn is None or to_boolean(fn(env)))
            fn = fns.get("calculation")
            if fn is not None:
                result = fn(env) if is_relevant else ""
                text = value_text(result)
                calculated[node.name] = text
                values[node.name] = typed_value(node.type, text) if node.type != "calculate" else result

    def _allowed(self, env: _Env, relevant: dict) -> dict[str, list[str]]:
        allowed: dict[str, list[str]] = {}
        for node in self.order:
            fn = node.fn("choice_filter")
            if fn is None or not relevant.get(node.name):
                continue
            kept = []
            for choice in node.choices:
                env.choice = choice
                if to_boolean(fn(env)):
                    kept.append(choice.name)
            env.choice = None
            allowed[node.name] = kept
        return allowed

    def _errors(self, env: _Env, state: State, texts: Mapping[str, str]) -> dict[str, tuple[str, dict]]:
        errors: dict[str, tuple[str, dict]] = {}
        for node in self.order:
            if not state.relevant.get(node.name) or node.type in OPENERS or node.type == "calculate":
                continue
            # a question with a calculation holds the calculation's result, whatever was typed
            text = state.calculated[node.name] if node.name in state.calculated else texts.get(node.name) or ""
            if not text:
                if self.is_required(node, env):
                    errors[node.name] = ("required", dict(node.logic.get("required_message") or {}))
                continue
            kept = state.allowed.get(node.name)
            if kept is not None and any(token not in kept for token in text.split()):
                errors[node.name] = ("filtered", {})
                continue
            fn = node.fn("constraint")
            if fn is not None:
                env.current_value = state.values.get(node.name, "")
                ok = to_boolean(fn(env))
                env.current_value = ""
                if not ok:
                    errors[node.name] = ("constraint", dict(node.logic.get("constraint_message") or {}))
        return errors

    def is_required(self, node: _Node, env: _Env) -> bool:
        fn = node.fn("required")
        if fn is None:
            return node.required
        return to_boolean(fn(env))

    def read_only(self, state: State, *, now: datetime, lang: str = "es") -> set[str]:
        """The questions whose answer the respondent may not change: read_only yes, or its expression true."""
        if self.repeats:
            return repeats.read_only(self, state, now, lang)
        found: set[str] = set()
        env = None
        for node in self.order:
            if node.logic.get("read_only_flag"):
                found.add(node.name)
                continue
            fn = node.fn("read_only")
            if fn is not None:
                env = env or _Env(self, state.values, state.relevant, now, lang)
                if to_boolean(fn(env)):
                    found.add(node.name)
        return found

    # --- what the page shows --------------------------------------------------------------------

    def defaults(self, *, now: datetime, lang: str = "es") -> dict[str, str]:
        """The first value of each question with a `default` (a literal, or an expression on an empty form)."""
        found: dict[str, str] = {}
        env = _Env(self, {}, {}, now, lang)
        for node in self.order:
            literal = node.logic.get("default_value")
            if literal not in (None, ""):
                found[node.name] = str(literal)
                continue
            fn = node.fn("default")
            if fn is not None:
                found[node.name] = value_text(fn(env))
        return found

    def interpolate(self, template: str, state: State, lang: str = "es", instance: int = 1) -> str:
        """`${name}` in a label or hint replaced by the answer (a choice's label for selects); in a label
        inside a repeat, `${q}` of the same repeat is the answer of `instance`."""
        if "${" not in template:
            return template

        def one(match: re.Match) -> str:
            name = match.group(1)
            node = self.nodes.get(name)
            key = name if node is None or node.repeat is None else (name, instance)
            if node is None or not state.relevant.get(key, True):
                return ""
            value = state.values.get(key, "")
            if node.type in SELECTS and isinstance(value, str) and value:
                env = _Env(self, state.values, state.relevant, None, lang)
                return ", ".join(env.choice_label(name, token) or token for token in value.split())
            return value_text(value) if not isinstance(value, str) else value

        return _REF.sub(one, template)
