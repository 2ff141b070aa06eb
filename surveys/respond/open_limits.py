"""Open-link stuffing: how many responses a survey's open link takes from one browser and from one address.

A script once stored 200 open-link responses in 2.3 s. Each survey has its own limits (surveys.models.Survey:
`open_link_limited`, on by default, `open_link_per_browser`, 1 by default, `open_link_per_address_hour`,
300 by default): on election days hundreds of honest respondents answer within the hour, many behind one
office or carrier address, so the address limit is generous and the browser is what tells people apart.
Personal invitation links are one-use already and are not limited here. No CAPTCHA: it would shut out
people who use screen readers.

- The browser: a random id in a long-lived cookie (`BROWSER_COOKIE`) that the open link sets. A browser
  without it (cookies blocked, a script dropping them) is held to the address limit only.
- What is stored: never the raw address or browser id, but keyed hashes (HMAC-SHA256 with the application's
  SECRET_KEY) scoped to the survey: `response.address_key` and `response.browser_key`, so the same person's
  keys differ from survey to survey and nobody without the key can recover or compare them. They also let
  staff see bursts (surveys.responses.bursts).
- The check: one statement, two bounded index look-ups (`ix_response_browser_key`,
  `ix_response_survey_address`), counting at most up to each limit; on a POST it runs on the storing
  transaction's connection, just before the insert (surveys.respond.store). Nothing here reads the request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Literal

from huey import crontab
from sqlalchemy import bindparam, func, literal, select

from crm.core.extensions import db
from crm.core.tasks import app_context, huey
from crm.core.timeutil import utcnow
from surveys.models import Response

BROWSER_COOKIE = "vinculo_navegador"
BROWSER_COOKIE_DAYS = 400  # the longest lifetime browsers accept
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

Over = Literal["browser", "address"]


@dataclass(frozen=True, slots=True)
class OpenLinkKeys:
    """The keyed hashes stored with an open-link response (None: the browser sent no id)."""

    address_key: str
    browser_key: str | None


def new_browser_id() -> str:
    return secrets.token_urlsafe(18)


def clean_browser_id(value) -> str | None:
    return value if isinstance(value, str) and _BROWSER_ID.fullmatch(value) else None


@cache
def _hmac_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"vinculo open-link keys v1", hashlib.sha256).digest()  # not the secret itself


def _keyed(secret: str | bytes, kind: str, survey_id: int, value: str) -> str:
    return hmac.new(_hmac_key(secret), f"{kind}|{survey_id}|{value}".encode(), hashlib.sha256).hexdigest()


def keys_for(secret: str | bytes, survey_id: int, address: str, browser_id: str | None) -> OpenLinkKeys:
    """The survey-scoped keyed hashes of an address and a browser id."""
    return OpenLinkKeys(_keyed(secret, "address", survey_id, address or ""),
                        _keyed(secret, "browser", survey_id, browser_id) if browser_id else None)


@cache
def _sql() -> SimpleNamespace:
    r = Response.__table__.c
    by_browser = (select(literal(1)).where(r.browser_key == bindparam("browser"))
                  .limit(bindparam("browser_limit")).subquery())
    by_address = (select(literal(1)).where(r.survey_id == bindparam("survey"), r.address_key == bindparam("address"),
                                           r.submitted_at >= bindparam("since"))
                  .limit(bindparam("address_limit")).subquery())
    return SimpleNamespace(counts=select(select(func.count()).select_from(by_browser).scalar_subquery(),
                                         select(func.count()).select_from(by_address).scalar_subquery()))


def limited(survey, invitation) -> bool:
    """Whether the limits apply: the survey's open link (not a personal link) with its limit on."""
    return invitation is None and bool(survey.open_link_limited)


def over_limit(survey, keys: OpenLinkKeys, now: datetime | None = None) -> Over | None:
    """"browser" when this browser has answered the survey `open_link_per_browser` times, "address" when this
    address has sent `open_link_per_address_hour` responses in the last hour, else None.

    Anonymous surveys store times to the hour (surveys.respond.store), so for them the hour is the clock hour.
    """
    with db.engine.connect() as connection:
        return over_limit_on(connection, survey, keys, now or utcnow())


def over_limit_on(connection, survey, keys: OpenLinkKeys, now: datetime) -> Over | None:
    """over_limit() on the caller's connection (surveys.respond.store checks in the storing transaction)."""
    per_browser, per_address = int(survey.open_link_per_browser), int(survey.open_link_per_address_hour)
    browser_count, address_count = connection.execute(_sql().counts, {
        "browser": keys.browser_key, "browser_limit": per_browser, "survey": survey.id,
        "address": keys.address_key, "since": now - timedelta(hours=1), "address_limit": per_address,
    }).one()
    if keys.browser_key is not None and browser_count >= per_browser:
        return "browser"
    if address_count >= per_address:
        return "address"
    return None


ANONYMOUS_KEYS_HOURS = 24  # an anonymous survey's keys are kept this long: limits and a day's burst review


def forget_anonymous_keys(now: datetime | None = None) -> int:
    """Clear the keyed hashes of an anonymous survey's responses older than ANONYMOUS_KEYS_HOURS.

    Such a survey promises that an answer is linked to no one; with SECRET_KEY and a web server's access log
    (address and time) the hashes could link an answer to an address, so they go once the hour's limits and
    a day of burst review no longer need them (identified surveys keep them for CRM_RETAIN_RESPONSE_KEYS_MONTHS,
    crm.operations.retention). Returns how many responses were cleared; the caller commits."""
    from surveys.models import Survey

    cutoff = (now or utcnow()) - timedelta(hours=ANONYMOUS_KEYS_HOURS)
    anonymous = select(Survey.id).where(Survey.anonymous.is_(True))
    result = db.session.execute(
        Response.__table__.update()
        .where(Response.survey_id.in_(anonymous), Response.submitted_at < cutoff,
               (Response.address_key.is_not(None)) | (Response.browser_key.is_not(None)))
        .values(address_key=None, browser_key=None))
    return result.rowcount or 0


@huey.periodic_task(crontab(minute="41"), name="encuestas.olvidar_huellas_anonimas")
def forget_anonymous_keys_task() -> None:
    with app_context():
        forget_anonymous_keys()
        db.session.commit()
