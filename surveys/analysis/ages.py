"""Age bands from the survey's own answers (people's records carry no birth date).

Two sources: a number question that asks the respondent's age (recognised by its name or label: «edad»,
«age», «años cumplidos», «¿cuántos años tiene?», folded, any case), whose answers are put in the bands of
Mexican electoral statistics (18 a 29, 30 a 39, 40 a 49, 50 a 59, 60 o más, and «Menos de 18» when someone
younger answered); or a single choice whose options already are age ranges («18-29», «18 a 29 años», «60 o
más»...), whose options are the bands as they are. Staff may pick the number question when none or several
are recognised.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from crm.core.text import fold
from surveys.models import Question, Survey
from surveys.responses.repeats import repeat_layout

NUMBER_TYPES = ("integer",)
OLDEST = 120  # a number above this (or below 0) is not an age: «Sin dato»

# (key, label, lowest age, highest age or None); the order shown
BANDS = (
    ("menos-18", "Menos de 18 años", 0, 17),
    ("18-29", "18 a 29 años", 18, 29),
    ("30-39", "30 a 39 años", 30, 39),
    ("40-49", "40 a 49 años", 40, 49),
    ("50-59", "50 a 59 años", 50, 59),
    ("60-mas", "60 años o más", 60, None),
)
BAND_LABELS = {key: label for key, label, _low, _high in BANDS}

_WORDS = re.compile(r"[a-z0-9]+")
_AGE_PHRASES = ("anos cumplidos", "cuantos anos tiene", "cuantos anos cumplidos", "how old")
_RANGE = re.compile(r"^(?:de\s+)?(\d{1,3})\s*(?:-|–|—|a|al|y|to)\s*(\d{1,3})(?:\s*anos)?$")
_OPEN_ABOVE = re.compile(r"^(?:(\d{1,3})\s*(?:anos\s*)?(?:o|y)\s*mas(?:\s*anos)?|(?:mas\s+de|mayor(?:es)?\s+de)\s+"
                         r"(\d{1,3})(?:\s*anos)?|(\d{1,3})\s*\+(?:\s*anos)?)$")
_OPEN_BELOW = re.compile(r"^(?:menos\s+de|menor(?:es)?\s+de)\s+(\d{1,3})(?:\s*anos)?$")


def band_of(value: str | None) -> str | None:
    """The band's key of an answer, None when it is not a number between 0 and OLDEST."""
    try:
        number = float((value or "").strip())
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number > OLDEST:
        return None
    age = math.floor(number)
    return next(key for key, _label, low, high in BANDS if low <= age and (high is None or age <= high))


def asks_age(question: Question) -> bool:
    """The question's name or one of its labels asks the respondent's age."""
    for text in [question.name or "", *(question.labels or {}).values()]:
        folded = fold(text.replace("_", " "))
        if {"edad", "age"} & set(_WORDS.findall(folded)) or any(p in folded for p in _AGE_PHRASES):
            return True
    return False


def _bounds(label: str) -> tuple[int, int] | None:
    """(lowest, highest) ages of an option's label when it is an age range («18-29», «60 o más»...)."""
    text = fold(label).strip(" .¿?")
    if match := _RANGE.match(text):
        low, high = int(match.group(1)), int(match.group(2))
        return (low, high) if low <= high else None
    if match := _OPEN_ABOVE.match(text):
        return int(next(g for g in match.groups() if g)), OLDEST
    if match := _OPEN_BELOW.match(text):
        return 0, int(match.group(1))
    return None


def has_age_ranges(question: Question) -> bool:
    """A single choice at least half of whose options (two or more) are age ranges reaching 30 years or more
    (so that a scale like «0-5», «6-10» is not taken for ages)."""
    if question.type != "select_one":
        return False
    bounds = [b for b in (_bounds(label) for c in question.choices for label in _option_labels(c)) if b]
    options = len(question.choices)
    ranged = sum(any(_bounds(label) for label in _option_labels(c)) for c in question.choices)
    return ranged >= 2 and 2 * ranged >= options and max(high for _low, high in bounds) >= 30


def _option_labels(choice) -> list[str]:
    return [*(choice.labels or {}).values(), choice.name or ""]


@dataclass
class AgeSources:
    """The questions that may hold the age: every integer question and every age-range single choice outside
    repeats (`candidates`), and those recognised as asking it (`recognised`, the first is the default)."""
    candidates: list[Question] = field(default_factory=list)
    recognised: list[Question] = field(default_factory=list)

    @property
    def default(self) -> Question | None:
        return self.recognised[0] if self.recognised else None

    def find(self, question_id: str | None) -> Question | None:
        return next((q for q in self.candidates if str(q.id) == (question_id or "")), None)


def age_sources(survey: Survey) -> AgeSources:
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    in_repeats = {id(q) for inner in repeat_layout(ordered).values() for q in inner}
    sources = AgeSources()
    for question in (q for q in ordered if id(q) not in in_repeats):
        if question.type in NUMBER_TYPES:
            sources.candidates.append(question)
            if asks_age(question):
                sources.recognised.append(question)
        elif has_age_ranges(question):
            sources.candidates.append(question)
            sources.recognised.append(question)
    # a number that asks the age before an age-range choice: a number gives the standard bands
    sources.recognised.sort(key=lambda q: q.type not in NUMBER_TYPES)
    return sources
