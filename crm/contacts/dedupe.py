"""Probable duplicate people, and merging two records field by field without losing data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from crm.contacts.models import ArcoRequest, Person, PersonPhone, person_tag
from crm.contacts.references import merge_references
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import fold

MERGE_FIELDS = ("given_name", "first_surname", "second_surname", "sex", "country", "state", "city", "alcaldia",
                "origin_alcaldia", "nationality", "language")
MEMBERSHIP_RANK = {"active": 3, "applicant": 2, "inactive": 1, "withdrawn": 0}


@dataclass
class DuplicatePair:
    first: Person
    second: Person
    reason: str


def find_duplicates(limit: int = 200) -> list[DuplicatePair]:
    """Pairs of active records sharing a phone, or the same name (accents and case ignored) in the same country.

    Blocked and anonymised records are left out: they cannot be merged (`merge_refusal`)."""
    live = Person.status == "active"
    pairs: dict[tuple[int, int], str] = {}
    shared_phones = select(PersonPhone.e164).group_by(PersonPhone.e164).having(
        func.count(func.distinct(PersonPhone.person_id)) > 1)
    rows = db.session.execute(select(PersonPhone.e164, PersonPhone.person_id).join(Person).where(
        live, PersonPhone.e164.in_(shared_phones)).order_by(PersonPhone.e164, PersonPhone.person_id)).all()
    _pairs_from_groups(rows, pairs, "mismo teléfono")
    same_names = select(Person.name_key, Person.country).where(live, Person.name_key != "").group_by(
        Person.name_key, Person.country).having(func.count(Person.id) > 1).subquery()
    rows = db.session.execute(select(Person.name_key + "|" + Person.country, Person.id).join(
        same_names, (same_names.c.name_key == Person.name_key) & (same_names.c.country == Person.country))
        .where(live).order_by(Person.name_key, Person.id)).all()
    _pairs_from_groups(rows, pairs, "mismo nombre y país")
    ids = {i for pair in pairs for i in pair}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    result = [DuplicatePair(people[a], people[b], reason) for (a, b), reason in sorted(pairs.items())]
    return result[:limit]


def _pairs_from_groups(rows, pairs: dict, reason: str) -> None:
    groups: dict[str, list[int]] = {}
    for key, person_id in rows:
        groups.setdefault(key, []).append(person_id)
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                key = (min(a, b), max(a, b))
                pairs[key] = f"{pairs[key]}; {reason}" if key in pairs else reason


def snapshot(person: Person) -> dict:
    """Everything about a person as plain data (ARCO access, merge records)."""
    return {
        "id": person.id,
        **{name: getattr(person, name) for name in MERGE_FIELDS},
        "status": person.status,
        "emails": [{"address": e.address, "primary": e.is_primary} for e in person.emails],
        "phones": [{"e164": p.e164, "primary": p.is_primary, "whatsapp": p.whatsapp} for p in person.phones],
        "memberships": [{"network": m.network.code, "status": m.status, "joined_at": m.joined_at.isoformat(),
                         "source": m.source} for m in person.memberships],
        "affiliations": [{"organization": a.organization.name, "position": a.position} for a in person.affiliations],
        "tags": [t.name for t in person.tags],
        "consents": [{"notice_version": c.notice_version, "accepted_at": c.accepted_at.isoformat(),
                      "channel": c.channel, "purpose": c.purpose} for c in person.consents],
        "channel_preferences": [{"channel": c.channel, "opted_out": c.opted_out} for c in person.channel_preferences],
        "notes": [{"body": n.body, "created_at": n.created_at.isoformat()} for n in person.notes],
        "created_at": person.created_at.isoformat(),
    }


def merge_refusal(first: Person, second: Person) -> str | None:
    """Why these two records cannot be merged (a Spanish message), or None.

    A blocked record (first step of an ARCO cancellation) is excluded from every use, and an anonymised one
    has no identity left: merging either would bring its data back into use, so both are refused."""
    if first.id == second.id:
        return "No se puede fusionar un registro consigo mismo."
    for person in (first, second):
        if person.is_anonymized:
            return (f"El registro núm. {person.id} fue anonimizado por una solicitud de cancelación (ARCO) y no "
                    "puede fusionarse con otro.")
        if person.status == "blocked":
            return (f"El registro núm. {person.id} está bloqueado por una solicitud de cancelación (ARCO): sus datos "
                    "no pueden volver a usarse, por lo que no puede fusionarse con otro registro.")
    return None


def merge(survivor: Person, other: Person, choices: dict[str, str] | None = None, *, actor) -> Person:
    """Merge `other` into `survivor`. `choices[field] == "other"` takes that field from `other`.

    Channels, memberships, affiliations, tags, consents, notes, preferences, ARCO requests and every
    registered person reference (attendance, program participation, invitations, responses:
    crm.contacts.references) move to the survivor; the removed record's full snapshot is kept in the
    audit log.
    """
    refusal = merge_refusal(survivor, other)
    if refusal:
        raise ContactsError(refusal)
    choices = choices or {}
    unknown = set(choices) - set(MERGE_FIELDS)
    if unknown:
        raise ContactsError(f"Campos desconocidos: {', '.join(sorted(unknown))}.")
    before = {"survivor": snapshot(survivor), "removed": snapshot(other)}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(survivor, name), getattr(other, name)
        if choices.get(name) == "other" or (choices.get(name) is None and not mine and theirs):
            setattr(survivor, name, theirs)
    survivor.name_key = fold(survivor.full_name)

    had_primary_email = survivor.primary_email is not None
    for email in list(other.emails):
        email.person = survivor
        email.is_primary = email.is_primary and not had_primary_email
    known_phones = {p.e164 for p in survivor.phones}
    had_primary_phone = survivor.primary_phone is not None
    for phone in list(other.phones):
        if phone.e164 in known_phones:
            db.session.delete(phone)
        else:
            phone.person = survivor
            phone.is_primary = phone.is_primary and not had_primary_phone
    mine_networks = {m.network_id: m for m in survivor.memberships}
    for membership in list(other.memberships):
        kept = mine_networks.get(membership.network_id)
        if kept is None:
            membership.person = survivor
        else:
            if MEMBERSHIP_RANK[membership.status] > MEMBERSHIP_RANK[kept.status]:
                kept.status = membership.status
            kept.joined_at = min(kept.joined_at, membership.joined_at)
            db.session.delete(membership)
    mine_affiliations = {(a.organization_id, a.position) for a in survivor.affiliations}
    for affiliation in list(other.affiliations):
        if (affiliation.organization_id, affiliation.position) in mine_affiliations:
            db.session.delete(affiliation)
        else:
            affiliation.person = survivor
    for tag in other.tags:
        if tag not in survivor.tags:
            survivor.tags.append(tag)
    for consent in list(other.consents):
        consent.person = survivor
    for note in list(other.notes):
        note.person = survivor
    mine_prefs = {p.channel: p for p in survivor.channel_preferences}
    for pref in list(other.channel_preferences):
        kept = mine_prefs.get(pref.channel)
        if kept is None:
            pref.person = survivor
        else:
            kept.opted_out = kept.opted_out or pref.opted_out  # an opposition is never lost
            db.session.delete(pref)
    db.session.flush()
    merge_references(survivor.id, other.id)
    db.session.execute(update(ArcoRequest).where(ArcoRequest.person_id == other.id).values(person_id=survivor.id))
    db.session.execute(person_tag.delete().where(person_tag.c.person_id == other.id))
    db.session.flush()
    db.session.expire(other)
    db.session.delete(other)
    audit.record(actor, "person.merge", survivor, {"removed_id": before["removed"]["id"], "choices": choices,
                                                   "before": before})
    db.session.commit()
    return survivor
