"""The privacy notice in force, and the one rule for who may be e-mailed (`email_block`, `sort_emailable`).

The privacy notice in force: the latest PrivacyNotice, created from the data file when there is none.

The legal texts, the responsible body, its address and the regulator's name live in
`privacy_notice.yaml` (data, not code: the law changed in 2025 and is changing again). A new version is a
new PrivacyNotice row; consent records keep the version they accepted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from crm.contacts.models import Consent, Person, PrivacyNotice
from crm.core.extensions import db
from crm.core.timeutil import utcnow

NOTICE_FILE = Path(__file__).with_name("privacy_notice.yaml")
TEXT_KEYS = ("short", "full")


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"el aviso de privacidad usa {{{key}}}, que no está en «facts»")


@lru_cache(maxsize=4)
def notice_data(path: str | None = None) -> dict:
    """The data file as {version, es: {short, full}, en: {short, full}}, with the facts filled in."""
    raw = yaml.safe_load(Path(path or NOTICE_FILE).read_text(encoding="utf-8"))
    facts = _Facts({k: str(v).strip() for k, v in (raw.get("facts") or {}).items()})
    data = {"version": str(raw["version"])}
    for lang in ("es", "en"):
        texts = raw.get(lang) or {}
        data[lang] = {key: str(texts.get(key) or "").strip().format_map(facts) for key in TEXT_KEYS}
    return data


def latest_notice() -> PrivacyNotice | None:
    return db.session.scalar(
        select(PrivacyNotice).order_by(PrivacyNotice.published_at.desc(), PrivacyNotice.id.desc()).limit(1)
    )


def current_notice() -> PrivacyNotice:
    """The notice in force; the first call on an empty database stores the data file's version."""
    notice = latest_notice()
    if notice is not None:
        return notice
    data = notice_data()
    notice = PrivacyNotice(
        version=data["version"],
        short_text=data["es"]["short"],
        full_text=data["es"]["full"],
        short_text_en=data["en"]["short"],
        full_text_en=data["en"]["full"],
    )
    db.session.add(notice)
    try:
        db.session.commit()
    except IntegrityError:  # another request stored it first
        db.session.rollback()
        notice = db.session.scalar(select(PrivacyNotice).where(PrivacyNotice.version == data["version"]))
    return notice


# --------------------------------------------------------------------------- who may be e-mailed

class EmailBounce(db.Model):
    """An address that bounced for good (a delivery status notification with `Action: failed` and a 5.x.x
    status). Keyed by the lower-case address, so a corrected address is no longer bouncing."""

    __tablename__ = "email_bounce"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_key: Mapped[str] = mapped_column(String(254), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="")
    diagnostic: Mapped[str] = mapped_column(Text, default="")
    bounced_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=1)


# Why a person of a segment is not e-mailed, in the order the rule checks (CONTRACTS.md, "Mailings").
EMAIL_SKIP_REASONS = {
    "blocked": "registro bloqueado o anonimizado",
    "opposed": "se opone a recibir correos electrónicos",
    "no_address": "sin correo electrónico",
    "no_consent": "sin consentimiento registrado",
    "bouncing": "su correo electrónico rebota",
}


def bouncing_keys(keys: Iterable[str] | None = None) -> set[str]:
    """The bouncing addresses (lower case) among `keys`, or all of them."""
    stmt = select(EmailBounce.address_key)
    if keys is not None:
        keys = list(keys)
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            found.update(db.session.scalars(stmt.where(EmailBounce.address_key.in_(keys[start:start + 500]))))
        return found
    return set(db.session.scalars(stmt))


def email_block(person: Person, bouncing: set[str] | None = None, consented: set[int] | None = None) -> str | None:
    """The one rule: why `person` may not be e-mailed (a key of EMAIL_SKIP_REASONS), or None when they may.

    A person may be e-mailed when the record is active, shows no opposition to e-mail, has an address, a
    recorded consent and an address not marked as bouncing. `bouncing`: preloaded bouncing keys and
    `consented`: preloaded ids of people with a consent (None: asked here)."""
    if person.status != "active":
        return "blocked"
    if person.opposes("email"):
        return "opposed"
    address = person.primary_email
    if address is None or not (address.address or "").strip():
        return "no_address"
    if not (person.id in consented if consented is not None else person.consents):
        return "no_consent"
    key = address.address_key or address.address.lower()
    if key in (bouncing if bouncing is not None else bouncing_keys([key])):
        return "bouncing"
    return None


def consented_ids(person_ids: Iterable[int]) -> set[int]:
    """The ids among `person_ids` of people with a recorded consent (one query per 500)."""
    ids, found = list(person_ids), set()
    for start in range(0, len(ids), 500):
        found.update(db.session.scalars(select(Consent.person_id).where(Consent.person_id.in_(ids[start:start + 500]))))
    return found


def may_email(person: Person) -> bool:
    return email_block(person) is None


@dataclass
class Reach:
    """People sorted by the rule: who may be e-mailed (with the address) and how many are skipped, per reason."""

    recipients: list[tuple[Person, str]] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def reasons(self) -> list[tuple[str, str, int]]:
        """(key, Spanish label, count) for every reason, zeros included, in the rule's order."""
        return [(key, label, self.skipped.get(key, 0)) for key, label in EMAIL_SKIP_REASONS.items()]


def sort_emailable(people: Iterable[Person]) -> Reach:
    """Applies the rule to people preloaded with emails, consents and channel preferences (one query for the
    bouncing addresses, none per person)."""
    people = list(people)
    keys = [p.primary_email.address_key for p in people if p.primary_email is not None]
    bouncing = bouncing_keys(keys)
    reach = Reach()
    for person in people:
        if reason := email_block(person, bouncing):
            reach.skipped[reason] += 1
        else:
            reach.recipients.append((person, person.primary_email.address))
    return reach


def mark_bouncing(address: str, status: str, diagnostic: str = "") -> bool:
    """Records a hard bounce of `address` (the caller commits); True when it was not bouncing before."""
    key = address.strip().lower()
    row = db.session.scalar(select(EmailBounce).where(EmailBounce.address_key == key))
    if row is not None:
        row.status, row.diagnostic, row.bounced_at = status[:16], diagnostic[:2000], utcnow()
        row.count += 1
        return False
    db.session.add(EmailBounce(address_key=key[:254], status=status[:16], diagnostic=diagnostic[:2000]))
    db.session.flush()
    return True
