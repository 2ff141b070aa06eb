"""One-click unsubscribe (RFC 8058): a random token per person (no personal data in the link); using it records
the person's opposition to e-mail (audited). Lifting it is the person's own request (ARCO), never a link."""

from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import insert, select

from crm.contacts.models import Person
from crm.contacts.privacy.rights import set_opposition
from crm.core.extensions import db
from crm.mailings.models import UnsubscribeToken

PATH = "/correo/baja/"
ACTOR = "la propia persona (enlace para darse de baja)"


def tokens_for(person_ids: list[int]) -> dict[int, str]:
    """person id -> token, creating the missing ones in one statement (the caller commits)."""
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start:start + 500]
        found.update(db.session.execute(select(UnsubscribeToken.person_id, UnsubscribeToken.token)
                                        .where(UnsubscribeToken.person_id.in_(chunk))).all())
    missing = [{"person_id": pid, "token": secrets.token_urlsafe(24)} for pid in dict.fromkeys(person_ids)
               if pid not in found]
    if missing:
        db.session.execute(insert(UnsubscribeToken.__table__), missing)
        found.update({row["person_id"]: row["token"] for row in missing})
    return found


def link(token: str) -> str:
    base = (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}{PATH}{token}"


def person_link(person_id: int) -> str:
    """The person's own unsubscribe link (absolute), creating the token when needed (the caller commits)."""
    return link(tokens_for([person_id])[person_id])


def person_for(token: str) -> Person | None:
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(UnsubscribeToken).where(UnsubscribeToken.token == token))
    return row.person if row is not None and row.person.status != "anonymized" else None


def unsubscribe(person: Person) -> bool:
    """Records the opposition to e-mail (audited, committed); False when it was already recorded."""
    if person.opposes("email"):
        return False
    set_opposition(person, "email", True, actor=ACTOR)
    return True
