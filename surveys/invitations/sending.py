"""Inviting people to answer a survey: who (a network, a contacts list, an activity, an observation program),
how (e-mail, or a file of personal links for WhatsApp and other channels), reminders and status.

Rules
- One invitation per person and survey; blocked and anonymized records are never invited.
- Every bulk action honours opposition (crm.contacts.privacy.rights.can_contact) and reports how many
  people were skipped and why; each run is audited with its counts. E-mail follows the one rule of who may
  be e-mailed (crm.contacts.privacy.consent.email_block: address, consent, no opposition, not bouncing),
  and every message carries the person's one-click unsubscribe link (RFC 8058 headers and a footer).
- Idempotent: the e-mail step sends once per invitation (an invitation with `sent_at` is not sent again),
  a reminder is not repeated within REMINDER_INTERVAL, and a run cannot race another run of the same
  survey: the invitations to send are claimed (marked sent) in one short transaction that holds a lock
  on the survey row, and only then are the messages sent. A crash while sending can therefore lose a
  message (it is reported as sent), never send one twice. Messages go over one connection at the provider's
  pace with temporary refusals retried (crm.core.mail, as mailings). An address refused for good marks
  that invitation `bounced`; a temporary failure (retries used up, the server unreachable) leaves it to the
  next run (an invitation `pending` again, a reminder not counted); either way the loop goes on.
- Sending is synchronous but preloaded: the people with their addresses and preferences and the
  survey's invitations are read once; the loop makes no query per person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import selectinload

from crm.contacts.models import Person
from crm.contacts.privacy.consent import EMAIL_SKIP_REASONS, bouncing_keys, consented_ids, email_block
from crm.contacts.privacy.rights import can_contact
from crm.core import audit, mail
from crm.core.extensions import db
from crm.core.tabular import Verbatim, csv_bytes
from crm.core.timeutil import to_local, utcnow
from crm.mailings.compose import FOOTER, unsubscribe_headers
from crm.mailings.unsubscribe import link as unsubscribe_link
from crm.mailings.unsubscribe import tokens_for
from surveys import services
from surveys.invitations.lists import (
    LINK_HEADER,
    REASONS,
    REMINDER_INTERVAL,
    WHATSAPP_NOTE,
    WITHHELD_NOTES,
    Outcome,
    invitations_by_person,
    not_invitable,
)
from surveys.models import Invitation, Survey


def base_url() -> str:
    return (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def message_language(person: Person) -> str:
    return "en" if (person.language or "").lower().startswith("en") else "es"


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


@dataclass
class Message:
    to: str
    subject: str
    body: str


def compose(survey: Survey, *, name: str, lang: str, token: str, reminder: bool = False, note: str = "") -> Message:
    """The plain-text invitation (or reminder) in `lang`: title, personal link, privacy-notice link.

    Plain text only: what staff and respondents wrote (titles, names, the optional note) is never markup.
    """
    lang = "en" if lang == "en" else "es"
    title = _one_line((survey.titles or {}).get(lang) or survey.title)
    closes = ""
    if survey.closes_at is not None:
        local = to_local(survey.closes_at)
        closes = local.strftime("%Y-%m-%d %H:%M") if lang == "en" else local.strftime("%d/%m/%Y a las %H:%M")
    link = base_url() + services.respondent_path(token)
    privacy = f"{base_url()}/aviso-de-privacidad?lang={lang}"
    body = render_template(f"surveys/invitations/email.{lang}.txt", title=title, name=_one_line(name), link=link,
                           privacy=privacy, closes=closes, anonymous=bool(survey.anonymous), reminder=reminder,
                           note=(note or "").strip())
    if lang == "en":
        subject = ("Reminder: " if reminder else "Invitation: ") + title
    else:
        subject = ("Recordatorio: " if reminder else "Invitación: ") + title
    return Message(to="", subject=subject[:250], body=body)


def _lock(survey: Survey) -> None:
    """Serializes invitation runs of one survey: a row lock (PostgreSQL) or the write lock (SQLite)."""
    db.session.execute(update(Survey).where(Survey.id == survey.id).values(state=Survey.state)
                       .execution_options(synchronize_session=False))


def _new_invitation(survey_id: int, person: Person, *, source: str, channel: str, now: datetime,
                    sent: bool = False) -> dict:
    """A row for a bulk insert (one statement for every new invitation of a run)."""
    return {"survey_id": survey_id, "person_id": person.id, "token": services.new_token(),
            "status": "sent" if sent else "pending", "channel": channel, "source": source[:60], "created_at": now,
            "sent_at": now if sent else None}


def _insert(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(Invitation.__table__), rows)


@dataclass
class _Seen:
    """An invitation created in this run (inserted in bulk), as the loop needs to see it."""

    token: str
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    status: str = "pending"
    id: int | None = None


# The rule's reasons (crm.contacts.privacy.consent), as invitation runs name them.
RULE_REASONS = {"blocked": "inactive", "opposed": "opposes_email", "no_address": "no_email",
                "no_consent": "no_consent", "bouncing": "bouncing"}
REASONS.setdefault("no_consent", EMAIL_SKIP_REASONS["no_consent"])
REASONS.setdefault("bouncing", EMAIL_SKIP_REASONS["bouncing"])


class _EmailRule:
    """The rule of who may be e-mailed over preloaded people: two queries for the run, none per person."""

    def __init__(self, people: list[Person]) -> None:
        self.bouncing = bouncing_keys([p.primary_email.address_key for p in people if p.primary_email is not None])
        self.consented = consented_ids([p.id for p in people])

    def reason(self, person: Person) -> str | None:
        found = email_block(person, self.bouncing, self.consented)
        return RULE_REASONS[found] if found else None


@dataclass
class _Job:
    token: str
    address: str
    message: Message
    previous: datetime | None = None
    person_id: int | None = None
    lang: str = "es"


@dataclass
class _Failure:
    job: _Job
    error: str
    permanent: bool  # the server refused the address for good (5xx); otherwise worth trying again later


def _send_all(jobs: list[_Job], *, sleep: Callable[[float], None] | None = None,
              clock: Callable[[], float] | None = None) -> tuple[list[_Job], list[_Failure]]:
    """Sends the jobs over one SMTP connection at the provider's pace (MAIL_RATE_PER_MINUTE), temporary refusals
    retried (MAIL_RETRY_*), as mailings do (crm.core.mail). When the server cannot be reached, this job and
    the ones after it fail as temporary: nothing more is tried."""
    sent: list[_Job] = []
    failed: list[_Failure] = []
    tokens = tokens_for([job.person_id for job in jobs if job.person_id is not None])
    db.session.commit()  # the unsubscribe tokens
    base = base_url()
    sleep, clock = sleep or time.sleep, clock or time.monotonic
    limit = mail.RateLimit(mail.setting("MAIL_RATE_PER_MINUTE", 60), clock, sleep)
    with closing(mail.Session()) as session:
        for index, job in enumerate(jobs):
            link = unsubscribe_link(tokens[job.person_id])
            footer = FOOTER[job.lang].format(link=link, privacy=f"{base}/aviso-de-privacidad?lang={job.lang}")
            try:
                message = mail.build_message(job.address, job.message.subject, job.message.body.rstrip() + footer,
                                             headers=unsubscribe_headers(link))
            except ValueError as exc:  # a header the mail library refuses
                failed.append(_Failure(job, str(exc)[:200], permanent=True))
                continue
            limit.wait()
            _attempts, error = mail.send_with_retries(session, message, sleep)
            if error is None:
                sent.append(job)
            elif error.unreachable:
                failed.extend(_Failure(rest, str(error)[:200], permanent=False) for rest in jobs[index:])
                break
            else:
                failed.append(_Failure(job, str(error)[:200], permanent=not error.temporary))
    return sent, failed


# --------------------------------------------------------------------------- e-mail invitations

def send_email_invitations(survey: Survey, people: list[Person], *, source: str, actor=None,
                           note: str = "") -> Outcome:
    """Invites by e-mail everyone in `people` who can be e-mailed and has not been e-mailed for this survey."""
    outcome = Outcome(selected=len(people))
    note = (note or "").strip()[:2000]
    survey_id = survey.id
    _lock(survey)
    existing = invitations_by_person(survey)
    now = utcnow()
    new_rows: list[dict] = []
    claimed_ids: list[int] = []
    jobs: list[_Job] = []
    rule = _EmailRule(people)
    for person in people:
        invitation = existing.get(person.id)
        if reason := not_invitable(person, invitation):
            outcome.skipped[reason] += 1
            continue
        if invitation is not None and invitation.sent_at is not None:
            outcome.skipped["already_sent"] += 1
            continue
        if reason := rule.reason(person):
            outcome.skipped[reason] += 1
            continue
        if invitation is None:
            row = _new_invitation(survey_id, person, source=source, channel="email", now=now, sent=True)
            new_rows.append(row)
            token = row["token"]
        else:
            claimed_ids.append(invitation.id)
            token = invitation.token
        lang = message_language(person)
        message = compose(survey, name=person.full_name, lang=lang, token=token, note=note)
        jobs.append(_Job(token, person.primary_email.address, message, person_id=person.id, lang=lang))
        existing[person.id] = invitation or _Seen(token=token, sent_at=now)  # a repeat later in the list
    _insert(new_rows)
    if claimed_ids:  # claimed: no other run sends them
        db.session.execute(
            update(Invitation).where(Invitation.id.in_(claimed_ids))
            .values(sent_at=now, channel="email",
                    status=case((Invitation.status.in_(("pending", "bounced")), "sent"), else_=Invitation.status))
            .execution_options(synchronize_session=False))
    outcome.created = len(new_rows)
    db.session.commit()  # the claim; sending happens outside the lock
    sent, failed = _send_all(jobs)
    outcome.sent, outcome.bounced = len(sent), len(failed)
    for permanent in (True, False):  # refused for good: bounced; otherwise pending again (the next run sends it)
        tokens = [f.job.token for f in failed if f.permanent is permanent]
        if tokens:
            db.session.execute(update(Invitation).where(Invitation.token.in_(tokens))
                               .values(status="bounced" if permanent else "pending", sent_at=None)
                               .execution_options(synchronize_session=False))
    outcome.failures = [f.error for f in failed[:20]]
    audit.record(actor, "surveys.invite", ("Survey", survey_id),
                 {"channel": "email", "source": source, **outcome.details()})
    db.session.commit()
    return outcome


# --------------------------------------------------------------------------- reminders

def send_reminders(survey: Survey, *, actor=None, now: datetime | None = None,
                   interval: timedelta | None = None) -> Outcome:
    """Reminds by e-mail the invitations sent or opened but not answered (not twice within a day). With
    `interval` (`surveys remind --after-days N`): only whoever was invited or last reminded at least that
    long ago. A survey that is not open gets no reminder."""
    now = now or utcnow()
    if survey.state != "open":
        return Outcome()
    survey_id = survey.id
    _lock(survey)
    invitations = list(db.session.scalars(
        select(Invitation).where(Invitation.survey_id == survey_id, Invitation.status.in_(("sent", "opened")),
                                 Invitation.answered_at.is_(None))
        .options(selectinload(Invitation.person).selectinload(Person.emails),
                 selectinload(Invitation.person).selectinload(Person.channel_preferences))
        .order_by(Invitation.id)))
    outcome = Outcome(selected=len(invitations))
    jobs: list[_Job] = []
    claimed_ids: list[int] = []
    rule = _EmailRule([i.person for i in invitations if i.person is not None])
    for invitation in invitations:
        person = invitation.person
        if person is None or person.status != "active":
            outcome.skipped["inactive"] += 1
            continue
        last = invitation.reminded_at if interval is None else (invitation.reminded_at or invitation.sent_at)
        if last is not None and last > now - (interval or REMINDER_INTERVAL):
            outcome.skipped["recently_reminded"] += 1
            continue
        if reason := rule.reason(person):
            outcome.skipped[reason] += 1
            continue
        lang = message_language(person)
        message = compose(survey, name=person.full_name, lang=lang, token=invitation.token, reminder=True)
        jobs.append(_Job(invitation.token, person.primary_email.address, message, previous=invitation.reminded_at,
                         person_id=person.id, lang=lang))
        claimed_ids.append(invitation.id)
    if claimed_ids:  # claimed: another run finds them reminded
        db.session.execute(update(Invitation).where(Invitation.id.in_(claimed_ids)).values(reminded_at=now)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    sent, failed = _send_all(jobs)
    outcome.sent, outcome.bounced = len(sent), len(failed)
    for failure in failed:  # rare: one statement per failure; a temporary one leaves the invitation as it was
        values = {"status": "bounced"} if failure.permanent else {}
        db.session.execute(update(Invitation).where(Invitation.token == failure.job.token)
                           .values(reminded_at=failure.job.previous, **values)
                           .execution_options(synchronize_session=False))
    outcome.failures = [f.error for f in failed[:20]]
    audit.record(actor, "surveys.remind", ("Survey", survey_id), {"channel": "email", **outcome.details()})
    db.session.commit()
    return outcome


# --------------------------------------------------------------------------- links for other channels

def _whatsapp_phone(person: Person) -> str:
    phone = next((p for p in person.phones if p.whatsapp), None) or person.primary_phone
    return phone.e164 if phone is not None else ""


def _link_row(person: Person, token: str | None, outcome: Outcome) -> list:
    """One row of the links file: the channels the person opposed are left out, and the note says why."""
    email = person.primary_email.address if person.primary_email else ""
    phone = _whatsapp_phone(person)
    notes = [] if token else [WHATSAPP_NOTE]
    if email and not can_contact(person, "email"):
        email = ""
        outcome.withheld["email"] += 1
        notes.append(WITHHELD_NOTES["email"])
    if phone and not can_contact(person, "phone"):
        phone = ""
        outcome.withheld["phone"] += 1
        notes.append(WITHHELD_NOTES["phone"])
    link = base_url() + services.respondent_path(token) if token else ""
    return [person.full_name, email, Verbatim(phone), person.language or "es", Verbatim(link), " ".join(notes)]


def links_file(survey: Survey, people: list[Person], *, source: str, actor=None) -> tuple[bytes, Outcome]:
    """A CSV of personal links (nombre, correo, telefono, idioma, enlace, nota) for WhatsApp and other channels.

    People who oppose WhatsApp are listed with an empty link and a note; the e-mail of whoever opposes e-mail
    and the phone of whoever opposes calls are left out, with a note saying so (counted in
    `outcome.withheld`); blocked or anonymized people (ARCO) and those who already answered are left out.
    Existing invitations keep their link; audited as an export.
    """
    outcome = Outcome(selected=len(people))
    survey_id = survey.id
    _lock(survey)
    existing = invitations_by_person(survey)
    now = utcnow()
    new_rows: list[dict] = []
    rows: list[tuple[Person, str | None]] = []
    for person in people:
        invitation = existing.get(person.id)
        if reason := not_invitable(person, invitation):
            outcome.skipped[reason] += 1
            continue
        if not can_contact(person, "whatsapp"):
            outcome.skipped["opposes_whatsapp"] += 1
            rows.append((person, None))
            continue
        if invitation is None:
            row = _new_invitation(survey_id, person, source=source, channel="whatsapp", now=now)
            new_rows.append(row)
            invitation = existing[person.id] = _Seen(token=row["token"])
        rows.append((person, invitation.token))
    _insert(new_rows)
    outcome.created = len(new_rows)
    table = [_link_row(person, token, outcome) for person, token in rows]
    outcome.listed = len(table)
    body = csv_bytes(LINK_HEADER, table)
    audit.record(actor, "surveys.invite_links", ("Survey", survey_id),
                 {"format": "csv", "rows": len(table), "source": source, **outcome.details()})
    db.session.commit()
    return body, outcome
