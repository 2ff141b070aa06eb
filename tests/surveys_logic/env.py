"""A test environment for surveys.logic.evaluate built from a case of cases.json (the browser's test builds
the same from the same file), and the JSON encoding of values both sides share."""

from __future__ import annotations

import math
from datetime import date, datetime

NOW = "2026-03-15T10:30:00-06:00"


def decode(value):
    """A case's JSON value as an engine value: numbers as float, {"date": ...}, {"datetime": ...},
    {"number": "NaN" | "Infinity" | "-Infinity"}."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        if "date" in value:
            return date.fromisoformat(value["date"])
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "number" in value:
            return float(value["number"].replace("Infinity", "inf"))
    raise ValueError(f"not a case value: {value!r}")


def encode(value):
    """An engine value as a case's JSON value (the inverse of decode)."""
    if isinstance(value, float):
        if math.isnan(value):
            return {"number": "NaN"}
        if math.isinf(value):
            return {"number": "Infinity" if value > 0 else "-Infinity"}
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime):
        return {"datetime": value.isoformat(timespec="milliseconds")}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


class CaseEnv:
    def __init__(self, case: dict):
        self.answers = {name: decode(value) for name, value in case.get("values", {}).items()}
        self.lists = {name: [decode(v) for v in items] for name, items in case.get("lists", {}).items()}
        self.current_value = decode(case.get("current", ""))
        self.columns = case.get("columns", {})
        self.labels = case.get("choice_labels", {})
        self.where = case.get("position", 1)
        self.moment = datetime.fromisoformat(case.get("now", NOW))

    def value(self, name):
        return self.answers.get(name, "")

    def current(self):
        return self.current_value

    def column(self, name):
        return self.columns.get(name, "")

    def now(self):
        return self.moment

    def choice_label(self, question, choice):
        return self.labels.get(question, {}).get(choice, "")

    def position(self):
        return self.where

    def values(self, name):
        return self.lists[name] if name in self.lists else [self.value(name)]

    def repeat_value(self, name, repeat, index):
        items = self.lists.get(name, [])
        return items[index - 1] if 1 <= index <= len(items) else ""
