"""The kinds of web import, registered by the domains that own them (the composition root calls their
registrations): a fixed name ("contactos") or a family of names, one per record ("encuesta-<id>")."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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
class Column:
    """One column of an import file, described for people: the one source the upload page, the preview's
    headings and the downloadable template read. Written in Spanish, beside the kind's column definitions."""

    name: str  # exactly as the importer reads it, e.g. "primer_apellido"
    title: str  # the heading shown instead of the name, e.g. "Primer apellido"
    meaning: str  # what the column holds
    format: str  # how to write it, for people: "fecha, por ejemplo 2025-03-12"
    example: str  # the template's example value ("" leaves the cell empty)
    required: bool = False
    when: str = ""  # a condition that replaces "Obligatoria"/"Opcional", e.g. "Obligatoria si no hay teléfono"
    values: str = ""  # the accepted values, when they are a list

    @property
    def need(self) -> str:
        return self.when or ("Obligatoria" if self.required else "Opcional")


def describe(names: Sequence[str], columns: Sequence[Column]) -> tuple[Column, ...]:
    """The descriptions of the importer's columns `names`, in that order; a column without its description
    (or a description of no column) is a programming error, caught at import time and by the tests."""
    by_name = {column.name: column for column in columns}
    missing, extra = [n for n in names if n not in by_name], sorted(set(by_name) - set(names))
    if missing or extra:
        raise ValueError(f"import columns without a description: {missing}; descriptions of no column: {extra}")
    return tuple(by_name[name] for name in names)


@dataclass(frozen=True)
class Kind:
    title: str
    columns: str
    run: Run
    back: str  # the endpoint the finished import's page links to
    back_label: str
    back_args: dict = field(default_factory=dict)
    counts_rows: bool = False  # the validation reports its progress row by row
    fields: tuple[Column, ...] = ()  # every column described (what the template and the pages show)
    template_name: str = ""  # the template file's name without extension, e.g. "plantilla-personas"

    def title_of(self, name: str) -> str:
        """A column's Spanish heading (a name the kind does not describe is shown as written)."""
        return next((column.title for column in self.fields if column.name == name), name)


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


def kind_names() -> list[str]:
    """The fixed names registered (the families, such as "encuesta-<id>", are not listed)."""
    return sorted(_kinds)


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
