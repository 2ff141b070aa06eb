"""Bulk actions on a filtered list of people (the same filters as the search page)."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from crm.contacts.catalogs import MEMBERSHIP_STATUSES
from crm.contacts.models import Membership, Network, Person, Tag, person_tag
from crm.contacts.search import PeopleFilter, filtered
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import utcnow


def selected_ids(f: PeopleFilter) -> list[int]:
    """Ids of the people the filter selects; bulk actions never touch blocked or anonymized records."""
    return list(db.session.scalars(filtered(select(Person.id), f).where(Person.status == "active")))


def add_tag(f: PeopleFilter, name: str, *, actor) -> int:
    name = clean(name)[:80]
    if not name:
        raise ContactsError("Escriba el nombre de la etiqueta.")
    tag = db.session.scalar(select(Tag).where(Tag.name_key == fold(name)))
    if tag is None:
        tag = Tag(name=name, name_key=fold(name))
        db.session.add(tag)
        db.session.flush()
    ids = selected_ids(f)
    tagged = set(db.session.scalars(select(person_tag.c.person_id).where(person_tag.c.tag_id == tag.id)))
    new = [{"person_id": i, "tag_id": tag.id} for i in ids if i not in tagged]
    if new:
        db.session.execute(insert(person_tag), new)
    audit.record(actor, "contacts.bulk_tag", None, {"tag": tag.name, "selected": len(ids), "added": len(new)})
    db.session.commit()
    return len(new)


def set_membership_status(f: PeopleFilter, network_code: str, status: str, *, actor) -> int:
    if status not in MEMBERSHIP_STATUSES:
        raise ContactsError("Estatus de membresía no válido.")
    network = db.session.scalar(select(Network).where(Network.code == network_code))
    if network is None:
        raise ContactsError("Elija una red.")
    ids = selected_ids(f)
    changed = 0
    for start in range(0, len(ids), 900):
        result = db.session.execute(update(Membership).where(
            Membership.network_id == network.id, Membership.person_id.in_(ids[start:start + 900]),
            Membership.status != status).values(status=status, status_changed_at=utcnow()))
        changed += result.rowcount or 0
    audit.record(actor, "contacts.bulk_status", None, {"network": network.code, "status": status,
                                                        "selected": len(ids), "changed": changed})
    db.session.commit()
    return changed
