"""The kinds of background export, registered by the domains that own them (the composition root calls
their registrations), as import kinds are: crm.exports knows no domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crm.auth.models import User

# (params, fmt, path, actor, progress(rows)) -> rows written. The kind writes the whole file at `path`, records
# its audit entry (who exported what, how many rows) and commits; it raises DomainError for a clear failure.
Write = Callable[[dict, str, Path, User, Callable[[int], None]], int]


@dataclass(frozen=True)
class ExportKind:
    title: str  # Spanish, e.g. "Personas (lista filtrada)"
    write: Write


_kinds: dict[str, ExportKind] = {}


def register_export(name: str, kind: ExportKind) -> None:
    """The export named `name` (registering a name again replaces it)."""
    _kinds[name] = kind


def export_kind(name: str) -> ExportKind | None:
    return _kinds.get(name)
