"""What expressions read at run time (surveys.logic.runtime): typed answers, the state of a form, the
environments surveys.logic.evaluate calls back.

`Env` serves a form without repeats: every question has one value, keyed by its name. `RepeatEnv` serves a form
with repeats: a question inside a repeat has one value per instance, keyed `(name, instance)` (1-based), and the
environment knows which instance an expression is evaluated in (`repeat`, `index`):

- `${q}` of the same repeat is the current instance's value; `${q}` of a repeat read from outside it (or from
  another repeat) is its first instance's value, as XPath reads a node-set as a single value;
- `values(q)` (sum, count, min, max, join) gives every instance's value from outside the repeat, the current
  one from inside it; `values(repeat)` one item per instance (`count(${repeat})`);
- `repeat_value(q, repeat, n)` is indexed-repeat(); `position()` the current instance (1 outside repeats).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from surveys.logic.conversions import to_string

MAX_INSTANCES = 500  # instances of a repeat in one response (surveys.models.MAX_INSTANCES, the database's bound)
NUMERIC = ("integer", "decimal", "range")


def typed_value(qtype: str, text: str | None) -> Any:
    """The value an expression sees for an answer stored as `text` ("" when there is none)."""
    if not text:
        return ""
    try:
        if qtype in NUMERIC:
            return float(text)
        if qtype in ("date", "today"):
            return date.fromisoformat(text[:10])
        if qtype in ("datetime", "start", "end"):
            return datetime.fromisoformat(text)
    except ValueError:
        return text
    return text


def value_text(value: Any) -> str:
    """A calculation's result as stored and exported: XPath's string() ("" for NaN, which means no value)."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return to_string(value)


@dataclass
class State:
    """The logic's verdict on a set of answers. Keys are question names; in a form with repeats a question
    inside a repeat is keyed `(name, instance)` instead, and `counts` holds each repeat's number of instances."""

    relevant: dict[Any, bool]
    values: dict[Any, Any]
    calculated: dict[Any, str]
    allowed: dict[Any, list[str]]
    errors: dict[Any, tuple[str, dict]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def message(self, name, lang: str, default: str = "es") -> str:
        """The form's own message for the question's error in `lang` (or the default language), or ""."""
        found = self.errors.get(name)
        if not found:
            return ""
        messages = found[1] or {}
        return messages.get(lang) or messages.get(default) or next(iter(messages.values()), "")


class Env:
    """What expressions read: the typed values, the current value, a choice's columns, the clock."""

    # no attribute named `values`: surveys.logic.evaluate looks for a `values(name)` method (repeats)
    __slots__ = ("logic", "answers", "relevant", "now_value", "current_value", "choice", "lang")

    def __init__(self, logic, answers: dict, relevant: dict, now: datetime | None, lang: str):
        self.logic, self.answers, self.relevant, self.now_value, self.lang = logic, answers, relevant, now, lang
        self.current_value: Any = ""
        self.choice = None

    def value(self, name: str) -> Any:
        if not self.relevant.get(name, True):
            return ""
        return self.answers.get(name, "")

    def current(self) -> Any:
        return self.current_value

    def column(self, name: str) -> Any:
        choice = self.choice
        if choice is None:
            return ""
        if name == "name":
            return choice.name
        extra = getattr(choice, "extra", None) or {}
        if name in extra:
            return extra[name]
        if name == "label" or name.startswith("label:"):
            labels = choice.labels or {}
            return labels.get(name.partition("::")[2] or self.lang) or next(iter(labels.values()), "")
        return ""

    def now(self) -> datetime:
        return self.now_value

    def choice_label(self, question: str, choice_name: str) -> str:
        node = self.logic.nodes.get(question)
        for choice in node.choices if node else ():
            if choice.name == choice_name:
                labels = choice.labels or {}
                return labels.get(self.lang) or next(iter(labels.values()), "") or choice.name
        return ""

    def position(self) -> int:
        return 1


class RepeatEnv(Env):
    """Env for a form with repeats: answers and relevance keyed per instance (module docstring)."""

    __slots__ = ("counts", "repeat", "index")

    def __init__(self, logic, answers: dict, relevant: dict, now: datetime | None, lang: str, counts: dict):
        super().__init__(logic, answers, relevant, now, lang)
        self.counts = counts
        self.repeat: str | None = None  # the repeat being evaluated, and its instance
        self.index = 0

    def at(self, repeat: str | None, index: int = 0) -> None:
        self.repeat, self.index = repeat, index

    def key(self, name: str):
        node = self.logic.nodes.get(name)
        repeat = node.repeat if node is not None else None
        if repeat is None:
            return name
        return (name, self.index) if repeat == self.repeat else (name, 1)

    def _read(self, key) -> Any:
        if not self.relevant.get(key, True):
            return ""
        return self.answers.get(key, "")

    def value(self, name: str) -> Any:
        return self._read(self.key(name))

    def values(self, name: str) -> list:
        node = self.logic.nodes.get(name)
        if node is None:
            return [self.value(name)]
        if node.type == "begin_repeat":
            return [""] * self.counts.get(name, 0)
        if node.repeat is None or node.repeat == self.repeat:
            return [self.value(name)]
        return [self._read((name, index)) for index in range(1, self.counts.get(node.repeat, 0) + 1)]

    def repeat_value(self, name: str, repeat: str, index: int) -> Any:
        node = self.logic.nodes.get(name)
        if node is None or node.repeat != repeat or index > self.counts.get(repeat, 0):
            return ""
        return self._read((name, index))

    def position(self) -> int:
        return self.index if self.repeat is not None else 1


def instance_text(texts: Mapping, name: str, index: int) -> str:
    """The answer text of a question inside a repeat, instance `index`: `texts[name]` is a list (one text per
    instance), or a single text (the first instance)."""
    found = texts.get(name)
    if isinstance(found, list | tuple):
        return (found[index - 1] or "") if 0 < index <= len(found) else ""
    return (found or "") if index == 1 else ""
