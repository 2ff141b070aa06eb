"""The privacy notice in force: the latest PrivacyNotice, created from the data file when there is none.

The legal texts, the responsible body, its address and the regulator's name live in
`privacy_notice.yaml` (data, not code: the law changed in 2025 and is changing again). A new version is a
new PrivacyNotice row; consent records keep the version they accepted.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.contacts.models import PrivacyNotice
from crm.core.extensions import db

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
