"""The kinds of web import, registered by the domains that own them (the composition root calls their
registrations): a fixed name ("contactos") or a family of names, one per record ("encuesta-<id>")."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from crm.auth.models import User
from crm.core.tabular import Table

_FAMILY_NAME = re.compile(r"([a-z_]+)-(\d{1,12})")
UNKNOWN_KIND = "Este tipo de importación ya no existe; no se guardó nada."


class Progress(Protocol):
    """What a kind's run reports its progress to: n more rows (records) done, or (done, total)."""

    def __call__(self, count: int) -> None: ...

    def set(self, done: int, total: int) -> None: ...


@dataclass(frozen=True)
class Outcome:
    summary: str  # Spanish, e.g. "2 personas nuevas y 0 actualizadas"
    to_write: int | None  # what the write step counts in its progress (None: it reports none)


# (table, actor, dry_run, filename, progress or None) -> Outcome; raises ImportProblems or DomainError
Run = Callable[[Table, User, bool, str, Progress | None], Outcome]


@dataclass(frozen=True)
class Kind:
    title: str
    columns: str
    run: Run
    back: str  # the endpoint the finished import's page links to
    back_label: str
    back_args: dict = field(default_factory=dict)
    counts_rows: bool = False  # the validation reports its progress row by row


@dataclass(frozen=True)
class _Family:
    resolve: Callable[[int], Kind | None]
    gone: str


_kinds: dict[str, Kind] = {}
_families: dict[str, _Family] = {}


def register_kind(name: str, kind: Kind) -> None:
    """The import at /importar/<name> (registering a name again replaces it)."""
    _kinds[name] = kind


def register_kind_resolver(prefix: str, resolve: Callable[[int], Kind | None], gone: str) -> None:
    """The imports at /importar/<prefix>-<id>: `resolve(id)` gives the record's Kind, or None when the record
    does not exist; `gone` is the message of a job whose record was deleted before its task ran."""
    _families[prefix] = _Family(resolve, gone)


def resolve_kind(name: str) -> Kind | None:
    if name in _kinds:
        return _kinds[name]
    found = _family(name)
    return found[0].resolve(found[1]) if found else None


def gone_reason(name: str) -> str:
    """Why a job's kind no longer resolves: the record it imported into was deleted."""
    found = _family(name)
    return found[0].gone if found else UNKNOWN_KIND


def _family(name: str) -> tuple[_Family, int] | None:
    """The family of a name like "encuesta-12", with the record's id."""
    match = _FAMILY_NAME.fullmatch(name or "")
    family = _families.get(match.group(1)) if match else None
    return (family, int(match.group(2))) if family else None
