"""Person references: the rows of higher packages that point at a person, which contacts does not know.

Attendance, observation-program participation, survey invitations and responses live in packages
above contacts. Each registers a `PersonReference` at start-up (crm.app.wiring.connect_domains), and
contacts calls every registered reference, in registration order, when two people merge, when a
person is anonymised (ARCO cancellation), for the ARCO access export and for the person page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from crm.contacts.models import Person


@dataclass(frozen=True)
class PageSection:
    """A titled list in the person page's "Participación" card; `empty` is shown when it has no items."""

    title: str
    items: list[str]
    empty: str


@dataclass(frozen=True)
class Participation:
    """What a reference shows on the person page: card sections and history entries (when, text)."""

    sections: list[PageSection] = field(default_factory=list)
    timeline: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PersonReference:
    """The rows of one kind that point at a person, and what contacts needs done with them.

    `merge(survivor_id, other_id)` moves (or merges) the rows of `other` to `survivor` and `erase(person_id)`
    unlinks or clears them on anonymisation; both run inside the caller's transaction (the caller
    commits). `export(person)` gives the keys of the ARCO access export; `participation(person)` the
    person page's sections and history entries.
    """

    name: str
    merge: Callable[[int, int], None]
    erase: Callable[[int], None]
    export: Callable[[Person], dict]
    participation: Callable[[Person], Participation]


_registered: dict[str, PersonReference] = {}


def register(reference: PersonReference) -> None:
    """Add a reference; registering one with the same name again replaces it in its place (idempotent)."""
    _registered[reference.name] = reference


def registered() -> tuple[PersonReference, ...]:
    return tuple(_registered.values())


def _connected() -> tuple[PersonReference, ...]:
    """The references a merge or an anonymisation must act on. None registered means the app was built
    without its wiring: deleting or clearing a person then would silently lose (by cascade) the rows of
    the packages above, so it stops instead."""
    references = registered()
    if not references:
        raise RuntimeError("no person references are registered (crm.app.wiring.connect_domains was not called)")
    return references


def merge_references(survivor_id: int, other_id: int) -> None:
    for reference in _connected():
        reference.merge(survivor_id, other_id)


def erase_references(person_id: int) -> None:
    for reference in _connected():
        reference.erase(person_id)


def export_references(person: Person) -> dict:
    data: dict = {}
    for reference in registered():
        data.update(reference.export(person))
    return data


def participation(person: Person) -> Participation:
    """Every reference's sections and history entries, in registration order."""
    sections: list[PageSection] = []
    timeline: list[tuple[datetime, str]] = []
    for reference in registered():
        part = reference.participation(person)
        sections.extend(part.sections)
        timeline.extend(part.timeline)
    return Participation(sections, timeline)
