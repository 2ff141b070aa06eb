"""A survey's question definitions as the respondent pages need them, cached per worker process.

`load_questions(survey_id, version, identity=...)` returns the survey's questions with their choices (labels
decoded), in order. With a version (`survey.questions_version`) the result is cached per application (one per
worker process): the key is (survey id, questions_version, identity), and surveys.versioning bumps
`questions_version` in the same flush as any change to the survey's questions or choices, so the very next
request that reads the survey row sees the new version and misses the cache. `identity` (the survey's open
token) keeps a survey created with the id of a deleted one (SQLite reuses the highest rowid) from ever
meeting the deleted survey's entry.

The cached objects are shared by every request and thread of the worker: nothing may change them (the
form's render-model built from them is cached too, see `Questions.layouts`, and so is the form's logic,
`Questions.logic`: a surveys.logic.runtime.FormLogic built once per question set).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select

from crm.core.extensions import db
from surveys.logic.runtime import FormLogic
from surveys.models import Choice, Question

CACHE_SIZE = 256  # surveys per worker; an entry is a few kB (labels in two languages, its form layouts)


@dataclass(frozen=True, slots=True)
class ChoiceSpec:
    id: int
    name: str
    labels: dict
    extra: dict = field(default_factory=dict)  # the choices sheet's other columns (choice filters read them)


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """A question as the form and surveys.values.parse_answer need it (read without the ORM's cost)."""

    id: int
    position: int
    type: str
    name: str | None
    labels: dict
    hints: dict
    required: bool
    appearance: str
    logic: dict = field(default_factory=dict)  # surveys.models.Question.logic (compiled expressions, messages)
    choices: tuple[ChoiceSpec, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Questions(Sequence):
    """One survey's questions at one version: a read-only sequence of QuestionSpec, plus the form layouts
    built from it (per language), memoised by surveys.respond.form.build_form, and its logic."""

    specs: tuple[QuestionSpec, ...]
    layouts: dict = field(default_factory=dict, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def logic(self) -> FormLogic:
        """The form's logic (relevance, calculations, constraints, filters), built once per question set."""
        found = self._memo.get("logic")
        if found is None:  # two threads may both build it: equal values, either one is kept
            found = self._memo.setdefault("logic", FormLogic(self.specs))
        return found

    def __getitem__(self, index):
        return self.specs[index]

    def __len__(self) -> int:
        return len(self.specs)

    def __iter__(self) -> Iterator[QuestionSpec]:
        return iter(self.specs)


@cache
def _questions_sql():
    return (
        select(Question.id, Question.position, Question.type, Question.name, Question.labels, Question.hints,
               Question.required, Question.appearance, Question.logic, Choice.id, Choice.name, Choice.labels,
               Choice.extra)
        .outerjoin(Choice, Choice.question_id == Question.id)
        .where(Question.survey_id == bindparam("survey_id"))
        .order_by(Question.position, Question.id, Choice.position, Choice.id)
    )


def read_questions(survey_id: int) -> Questions:
    """The survey's questions with their choices, in order, in one query (no cache)."""
    rows = db.session.execute(_questions_sql(), {"survey_id": survey_id}).all()
    built: list[tuple[tuple, list[ChoiceSpec]]] = []
    for qid, position, qtype, name, labels, hints, required, appearance, logic, cid, cname, clabels, extra in rows:
        if not built or built[-1][0][0] != qid:
            built.append(((qid, position, qtype, name, labels or {}, hints or {}, bool(required), appearance or "",
                           logic or {}), []))
        if cid is not None:
            built[-1][1].append(ChoiceSpec(id=cid, name=cname, labels=clabels or {}, extra=extra or {}))
    return Questions(tuple(QuestionSpec(*values, choices=tuple(choices)) for values, choices in built))


class QuestionCache:
    """A bounded LRU of Questions by key, safe for threads (gthread workers): a lock around the dict."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key) -> Questions | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def put(self, key, questions: Questions) -> Questions:
        with self._lock:
            self._entries[key] = questions
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return questions

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_EXTENSION = "surveys.question_cache"


def question_cache() -> QuestionCache:
    """This application's cache (one per app, so one per worker process; tests get a new one per app)."""
    extensions = current_app.extensions
    found = extensions.get(_EXTENSION)
    if found is None:
        found = extensions.setdefault(_EXTENSION, QuestionCache())
    return found


def load_questions(survey_id: int, version: int | None = None, *, identity: str = "") -> Questions:
    """The survey's questions; cached when `version` (the survey row's questions_version) is given."""
    if version is None:
        return read_questions(survey_id)
    key = (survey_id, version, identity)
    store = question_cache()
    found = store.get(key)
    if found is None:
        found = store.put(key, read_questions(survey_id))
    return found
