"""Creating a mailing and delivering it so that faults never send anyone a second copy.

- `create_mailing` resolves the segment by the rule of who may be e-mailed, and stores the mailing with one
  `pending` row per recipient (and the skipped counts per reason), in one transaction.
- `deliver` sends the pending rows. Each recipient is claimed (`pending` -> `sending`) in its own committed
  transaction before its message is handed to the SMTP server, and marked `sent` after. After a crash
  (kill -9) the mailing resumes with `deliver` again: rows still `sending` are NOT sent again (the server
  may have accepted the message), and are shown as unconfirmed in the report.
- A send rate per minute (MAIL_RATE_PER_MINUTE, default 60); temporary refusals (4xx) retried with backoff
  (MAIL_RETRY_ATTEMPTS, default 3 retries; MAIL_RETRY_BACKOFF seconds, default 5, doubled each time);
  permanent refusals mark that recipient `failed` with the server's reply.
- A server that cannot be reached fails the mailing with a Spanish message; the rows not yet handed to the
  server stay `pending` (nothing marked sent), so the mailing can be resumed.
- The rule is asked again for each recipient right before sending: whoever opposed meanwhile is `skipped`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, insert, select, update

from crm.contacts.models import Person
from crm.contacts.privacy.consent import email_block
from crm.core import audit, mail
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import local_today, utcnow
from crm.mailings import unsubscribe
from crm.mailings.compose import compose, language_of
from crm.mailings.models import Mailing, MailingRecipient
from crm.mailings.segments import parse_segment, segment_reach
from crm.program.services import action_line_by_code


class MailingError(DomainError):
    pass


@dataclass
class Draft:
    segment: str
    subject: str
    body: str
    subject_en: str = ""
    body_en: str = ""
    action: str = ""


def check_draft(draft: Draft) -> list[str]:
    """Every problem of a draft (one Spanish line each); the segment and action line are resolved too."""
    problems = []
    try:
        parse_segment(draft.segment)
    except DomainError as exc:
        problems.append(str(exc))
    if not draft.subject.strip():
        problems.append("falta el asunto")
    if not draft.body.strip():
        problems.append("el cuerpo del mensaje está vacío")
    if bool(draft.subject_en.strip()) != bool(draft.body_en.strip()):
        problems.append("la versión en inglés necesita asunto y cuerpo (--subject-en y --body-en)")
    if draft.action.strip() and action_line_by_code(local_today().year, draft.action) is None:
        problems.append(f"línea de acción desconocida «{draft.action.strip()}» en el programa de "
                        f"{local_today().year}")
    return problems


def create_mailing(draft: Draft, *, actor=None) -> Mailing:
    """Stores the mailing and its recipients (`pending`); raises MailingError with every problem."""
    if problems := check_draft(draft):
        raise MailingError("; ".join(problems))
    segment = parse_segment(draft.segment)
    reach = segment_reach(segment)
    line = action_line_by_code(local_today().year, draft.action) if draft.action.strip() else None
    mailing = Mailing(segment=segment.code, subject=draft.subject.strip()[:250], body=draft.body,
                      subject_en=draft.subject_en.strip()[:250], body_en=draft.body_en,
                      action_line_id=line.id if line else None, skipped=dict(reach.skipped),
                      created_by_id=getattr(actor, "id", None) if hasattr(actor, "email") else None)
    db.session.add(mailing)
    db.session.flush()
    now = utcnow()
    rows = [{"mailing_id": mailing.id, "person_id": person.id, "address": address[:254],
             "address_key": address.strip().lower()[:254], "language": language_of(person), "state": "pending",
             "attempts": 0, "reply": "", "updated_at": now} for person, address in reach.recipients]
    if rows:
        db.session.execute(insert(MailingRecipient.__table__), rows)
    unsubscribe.tokens_for([person.id for person, _ in reach.recipients])
    audit.record(actor, "mailings.create", mailing, {"segment": segment.code, "recipients": len(rows),
                                                     "skipped": dict(reach.skipped)})
    db.session.commit()
    return mailing


def _set(recipient_id: int, **values) -> int:
    where = [MailingRecipient.id == recipient_id]
    if "expect" in values:
        where.append(MailingRecipient.state == values.pop("expect"))
    result = db.session.execute(update(MailingRecipient).where(*where).values(updated_at=utcnow(), **values)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _fail_mailing(mailing_id: int, message: str) -> None:
    db.session.rollback()
    db.session.execute(update(Mailing).where(Mailing.id == mailing_id).values(status="failed", error=message[:2000])
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _next_pending(mailing_id: int) -> MailingRecipient | None:
    return db.session.scalar(select(MailingRecipient).where(MailingRecipient.mailing_id == mailing_id,
                                                            MailingRecipient.state == "pending")
                             .order_by(MailingRecipient.id).limit(1))


def _deliver_one(mailing: Mailing, recipient: MailingRecipient, session: mail.Session, sleep,
                 limit: mail.RateLimit) -> None:
    person = db.session.get(Person, recipient.person_id) if recipient.person_id else None
    reason = "blocked" if person is None else email_block(person)
    if reason is not None or person.primary_email is None or person.primary_email.address != recipient.address:
        _set(recipient.id, expect="pending", state="skipped", reply=reason or "address_changed")
        return
    message = compose(mailing, person, recipient.address, unsubscribe.person_link(person.id))
    db.session.commit()  # the token, if it was missing
    limit.wait()
    if session.smtp is None and current_app.config.get("MAIL_SERVER"):
        session.open()  # unreachable: raises with this recipient still pending
    if not _set(recipient.id, expect="pending", state="sending"):
        return  # claimed by another worker
    attempts, error = mail.send_with_retries(session, message, sleep)
    if error is None:
        _set(recipient.id, state="sent", attempts=attempts, sent_at=utcnow())
        if mailing.sent_on is None:
            db.session.execute(update(Mailing).where(Mailing.id == mailing.id, Mailing.sent_on.is_(None))
                               .values(sent_on=local_today()).execution_options(synchronize_session=False))
            db.session.commit()
        return
    reply = f"{error.code} {error.reply}".strip() if error.code else str(error)
    _set(recipient.id, state="failed", attempts=attempts, reply=reply[:2000])
    if error.unreachable:
        raise error


def deliver(mailing_id: int, *, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic, actor=None) -> Mailing:
    """Sends the mailing's pending recipients (also resumes an interrupted one); raises MailingError when the
    mail server cannot be reached (the mailing is then `failed`, the rest still pending)."""
    mailing = db.session.get(Mailing, mailing_id)
    if mailing is None:
        raise MailingError(f"no existe el envío {mailing_id}")
    if mailing.status == "done":
        return mailing
    mailing.status, mailing.error = "sending", ""
    db.session.commit()
    limit = mail.RateLimit(mail.setting("MAIL_RATE_PER_MINUTE", 60), clock, sleep)
    session = mail.Session()
    try:
        if current_app.config.get("MAIL_SERVER"):
            session.open()  # a server that is down fails the mailing before anything is claimed
        while (recipient := _next_pending(mailing_id)) is not None:
            _deliver_one(mailing, recipient, session, sleep, limit)
    except mail.MailError as exc:
        _fail_mailing(mailing_id, f"El envío se detuvo: {exc}. Los destinatarios pendientes no recibieron nada; "
                                  "revise el servidor de correo (MAIL_SERVER) y reanude el envío.")
        raise MailingError(str(exc)) from exc
    finally:
        session.close()
    mailing = db.session.get(Mailing, mailing_id)
    mailing.status, mailing.finished_at = "done", utcnow()
    audit.record(actor, "mailings.send", mailing, {"segment": mailing.segment, **state_counts(mailing_id)})
    db.session.commit()
    return mailing


def state_counts(mailing_id: int) -> dict[str, int]:
    rows = db.session.execute(select(MailingRecipient.state, func.count()).where(MailingRecipient.mailing_id == mailing_id)
                              .group_by(MailingRecipient.state))
    return {state: int(count) for state, count in rows}


def failures(mailing_id: int, limit: int = 50) -> list[MailingRecipient]:
    return list(db.session.scalars(select(MailingRecipient).where(MailingRecipient.mailing_id == mailing_id,
                                                                  MailingRecipient.state == "failed")
                                   .order_by(MailingRecipient.id).limit(limit)))
