"""Forms answered page by page: XLSForm's `field-list` groups, with or without JavaScript.

A form has pages when at least one of its top-level groups has the appearance `field-list`. Then
(`split_pages`):

- each top-level `field-list` group is one page;
- the items between them (questions, notes, groups without `field-list`) form one page per run of
  consecutive items. ODK Collect shows each such question on a screen of its own; on the web a page
  scrolls, and every page is a round trip on a phone's slow connection, so a run shares one page. A form
  with no `field-list` group stays one page, as before.

Nothing is kept on the server between pages: each page posts its own fields and, as hidden inputs, the
answers of every other page (`Pager.carried`), plus `_pagina` (the page shown) and the button pressed
(`_ir`: «Anterior», «Siguiente» or «Enviar respuestas»). Every POST is checked as a whole by
surveys.respond.form.validate, with the form's logic evaluated on all the answers so far; `turn` then
decides what the person sees:

- «Anterior»: the previous page, nothing checked, every answer kept (wrong ones too);
- «Siguiente»: the same page again when one of its questions has an error (or the answers made one of its
  questions relevant that it had not shown, without JavaScript), else the next page;
- on the last page: the answers of every page are checked again (a hidden input can be changed); an error
  brings back the first page that has one; with none, the response is stored.

A page none of whose questions and notes is relevant with the answers so far is skipped both ways, and
not counted in the progress («Página 2 de 3»).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from surveys.models import UPLOADS
from surveys.respond.page_logic import field_texts

PAGE_FIELD = "_pagina"
MOVE_FIELD = "_ir"
BACK, NEXT, SEND = "anterior", "siguiente", "enviar"


@dataclass(frozen=True)
class Page:
    items: tuple  # top-level Items and Sections of surveys.respond.form
    names: frozenset[str]  # the names of its questions and notes (nested ones included)


def _names(items: Sequence) -> set[str]:
    found: set[str] = set()
    for item in items:
        if item.kind == "section":
            found |= _names(item.items)
        elif item.question.name:
            found.add(item.question.name)
    return found


def split_pages(form) -> tuple[Page, ...] | None:
    """The form's pages, or None when it has no top-level field-list group (one page)."""
    if not any(item.kind == "section" and "field-list" in item.appearance.split() for item in form.items):
        return None
    pages: list[Page] = []
    run: list = []
    for item in form.items:
        if item.kind == "section" and "field-list" in item.appearance.split():
            if run:
                pages.append(Page(tuple(run), frozenset(_names(run))))
                run = []
            pages.append(Page((item,), frozenset(_names([item]))))
        else:
            run.append(item)
    if run:
        pages.append(Page(tuple(run), frozenset(_names(run))))
    return tuple(pages)


@dataclass
class Pager:
    """The page shown, among the form's pages, and the pages the answers so far leave to show."""

    pages: tuple[Page, ...]
    current: int
    visible: list[int] = field(default_factory=list)

    @property
    def page(self) -> Page:
        return self.pages[self.current]

    @property
    def items(self) -> tuple:
        return self.page.items

    @property
    def number(self) -> int:
        """The page's number among the pages shown («Página 2 de 3»)."""
        return sum(1 for index in self.visible if index < self.current) + 1

    @property
    def total(self) -> int:
        return len(self.visible) + (0 if self.current in self.visible else 1)

    @property
    def is_first(self) -> bool:
        return not any(index < self.current for index in self.visible)

    @property
    def is_last(self) -> bool:
        return not any(index > self.current for index in self.visible)

    def moved(self, step: int) -> Pager:
        """The previous (-1) or next (+1) page to show; this one when there is none."""
        found = [i for i in self.visible if (i < self.current if step < 0 else i > self.current)]
        target = (found[-1] if step < 0 else found[0]) if found else self.current
        return Pager(self.pages, target, self.visible)

    def at(self, index: int) -> Pager:
        return Pager(self.pages, index, self.visible)

    def carried(self, questions: Sequence, values: Mapping) -> list[tuple[str, str]]:
        """(field name, value) of the answers on the other pages, to post again as hidden inputs (a stored
        file travels as a signed key instead: surveys.uploads.web)."""
        found: list[tuple[str, str]] = []
        for item in questions:
            if item.question.name in self.page.names or item.type in UPLOADS:
                continue
            value = values.get(item.name)
            for part in value if isinstance(value, list) else [value]:
                if isinstance(part, str) and (part or isinstance(value, list)):
                    found.append((item.name, part))
        return found

    def shown(self, tokens: str) -> str:
        """The page's part of surveys.respond.page_logic's shown list (a question on another page is never
        "added" to this one)."""
        return " ".join(t for t in tokens.split() if t.partition(":")[0] in self.page.names)


def visible_pages(form, pages: Sequence[Page], values: Mapping, now: datetime) -> list[int]:
    """The indexes of the pages with at least one relevant question or note (all when the form has no logic)."""
    if form.logic is None or not form.has_logic:
        return list(range(len(pages)))
    state = form.logic.run(field_texts(form.questions, values), now=now, lang=form.lang, check=False)
    return [index for index, page in enumerate(pages)
            if not page.names or any(state.relevant.get(name, True) is not False for name in page.names)]


def _index(raw, count: int) -> int | None:
    try:
        index = int(raw) if isinstance(raw, str) and raw.isdigit() else None
    except ValueError:
        return None
    return index if index is not None and 0 <= index < count else None


def posted_page(form, data: Mapping) -> Page | None:
    """The page a POST came from (None: a form of one page)."""
    pages = split_pages(form)
    if pages is None:
        return None
    return pages[_index(data.get(PAGE_FIELD), len(pages)) or 0]


def page_names(form, data: Mapping) -> set[str] | None:
    """The question names on the page a POST came from (validate's `scope`), None for a form of one page."""
    page = posted_page(form, data)
    return None if page is None else set(page.names)


def pager_for(form, values: Mapping, now: datetime, posted=None) -> Pager | None:
    """The page to render: the posted one (`_pagina`), else the first with a relevant question."""
    pages = split_pages(form)
    if pages is None:
        return None
    visible = visible_pages(form, pages, values, now)
    index = _index(posted, len(pages))
    if index is None:
        index = visible[0] if visible else 0
    return Pager(pages, index, visible)


@dataclass
class Turn:
    """What a POST of a paged form shows next (the response is stored when `turn` returns None)."""

    pager: Pager
    errors: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    added: bool = False


def turn(form, data: Mapping, result, now: datetime) -> Turn | None:
    """The page to show after a POST (`result` its surveys.respond.form.Validation), or None to store."""
    pages = split_pages(form)
    if pages is None:
        return None
    index = _index(data.get(PAGE_FIELD), len(pages)) or 0
    move = data.get(MOVE_FIELD)
    pager = Pager(pages, index, visible_pages(form, pages, result.values, now))
    if move == BACK:
        return Turn(pager.moved(-1))
    if _has_errors(pager.page, result) or result.added:  # `added` is this page's (validate's scope)
        return _with_errors(pager, result, added=bool(result.added))
    if move != SEND and not pager.is_last:
        return Turn(pager.moved(+1))
    if result.errors:  # every page checked again: the first one with an error
        first = next((i for i in pager.visible if _has_errors(pages[i], result)), None)
        if first is None:
            first = next(i for i, page in enumerate(pages) if _has_errors(page, result))
        return _with_errors(pager.at(first), result)
    return None


def _has_errors(page: Page, result) -> bool:
    return any(name in page.names for name in result.errors)


def _with_errors(pager: Pager, result, *, added: bool = False) -> Turn:
    names = pager.page.names
    return Turn(pager, errors={n: c for n, c in result.errors.items() if n in names},
                messages={n: m for n, m in result.messages.items() if n in names}, added=added)
