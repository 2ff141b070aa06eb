"""Organization references: the rows of higher packages that point at an organization, which contacts does
not know (activities, requests and observation-program participants in crm.events; agreements).

Each registers itself at start-up (crm.app.wiring.connect_domains) with
`register_organization_reference(name, merge=fn, count=fn)`. Merging two organizations calls every `merge`
inside the merge's transaction, so nothing that points at the absorbed record is lost when it is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class OrganizationReference:
    """`merge(survivor_id, other_id)` moves (or merges) the rows that point at `other` to `survivor`, inside the
    caller's transaction (the caller commits). `count(org_id)` gives {Spanish label: rows} for the merge page."""

    name: str
    merge: Callable[[int, int], None]
    count: Callable[[int], dict[str, int]] | None = None


_registered: dict[str, OrganizationReference] = {}


def register_organization_reference(name: str, *, merge: Callable[[int, int], None],
                                    count: Callable[[int], dict[str, int]] | None = None) -> None:
    """Add a reference; registering the same name again replaces it in its place (idempotent)."""
    _registered[name] = OrganizationReference(name, merge, count)


def registered() -> tuple[OrganizationReference, ...]:
    return tuple(_registered.values())


def merge_references(survivor_id: int, other_id: int) -> None:
    """Every registered reference moves its rows. None registered means the app was built without its wiring:
    deleting the absorbed organization would then lose (by cascade) the rows above, so it stops instead."""
    references = registered()
    if not references:
        raise RuntimeError("no organization references are registered (crm.app.wiring.connect_domains was not called)")
    for reference in references:
        reference.merge(survivor_id, other_id)


def count_references(org_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reference in registered():
        if reference.count is not None:
            counts.update(reference.count(org_id))
    return counts
