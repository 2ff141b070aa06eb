"""Inviting people to answer a survey: who (a network, a contacts list, an activity, an observation program),
how (e-mail, or a file of personal links for WhatsApp and other channels), reminders and status.

Rules
- One invitation per person and survey; blocked and anonymized records are never invited.
- Every bulk action honours opposition (crm.contacts.privacy_rights.can_contact) and reports how many
  people were skipped and why; each run is audited with its counts.
- Idempotent: the e-mail step sends once per invitation (an invitation with `sent_at` is not sent again),
  a reminder is not repeated within REMINDER_INTERVAL, and a run cannot race another run of the same
  survey: the invitations to send are claimed (marked sent) in one short transaction that holds a lock
  on the survey row, and only then are the messages sent. A crash while sending can therefore lose a
  message (it is reported as sent), never send one twice. A mail failure marks that invitation
  `bounced` (it is retried by the next run) and the loop goes on.
- Sending is synchronous but preloaded: the people with their addresses and preferences and the
  survey's invitations are read once; the loop makes no query per person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import selectinload

from crm import audit, mail
from crm.contacts.models import Person
from crm.contacts.privacy_rights import can_contact
from crm.contacts.search import PeopleFilter, people_query
from crm.errors import DomainError
from crm.extensions import db
from crm.tabular import Verbatim, csv_bytes
from crm.timeutil import to_local, utcnow
from surveys import services
from surveys.models import Invitation, Survey

STATUSES = {"pending": "Pendiente", "sent": "Enviada", "opened": "Abierta", "answered": "Respondida",
            "bounced": "Rebotada"}
SOURCES = {"red": "Una red", "contactos": "Una lista filtrada de contactos", "actividad": "Asistentes a una actividad",
           "programa": "Participantes de un programa de observación"}
PROGRAM_ROLES = {"observer": "Personas observadoras", "visitor": "Personas visitantes extranjeras"}
ACCREDITATION = {"requested": "Solicitada", "in_review": "En revisión", "accredited": "Acreditada",
                 "rejected": "No procedente", "cancelled": "Cancelada"}
REMINDER_INTERVAL = timedelta(hours=24)
LINK_HEADER = ["nombre", "correo", "telefono", "idioma", "enlace", "nota"]

# Why a person was left out of a run (shown to staff with the counts).
REASONS = {
    "inactive": "registro bloqueado o anonimizado",
    "answered": "ya respondió la encuesta",
    "already_sent": "ya recibió la invitación por correo",
    "opposes_email": "se opone a recibir correos electrónicos",
    "no_email": "no tiene correo electrónico registrado",
    "opposes_whatsapp": "se opone a recibir mensajes por WhatsApp (aparece sin enlace)",
    "recently_reminded": f"ya recibió un recordatorio en las últimas {int(REMINDER_INTERVAL.total_seconds() // 3600)} "
                         "horas",
}
WHATSAPP_NOTE = "Se opone a recibir mensajes por WhatsApp: no le envíe el enlace por ese medio."


class InvitationError(DomainError):
    pass


# --------------------------------------------------------------------------- who

@dataclass
class Selection(PeopleFilter):
    """Whom to invite: the people filters of /contactos (q, red, pais, estado, alcaldia, estatus, etiqueta)
    plus `origen`, `actividad`, `programa`, `rol` and `acreditacion`."""

    source: str = "red"
    activity_id: int | None = None
    program_id: int | None = None
    role: str = ""
    accreditation: str = ""

    @classmethod
    def from_args(cls, args) -> Selection:
        def number(key: str) -> int | None:
            raw = (args.get(key) or "").strip()
            return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

        source = args.get("origen", "") or "red"
        return cls(**PeopleFilter.args_from(args), source=source if source in SOURCES else "red",
                   activity_id=number("actividad"), program_id=number("programa"),
                   role=(args.get("rol") or "")[:20], accreditation=(args.get("acreditacion") or "")[:20])

    def as_args(self) -> dict[str, str]:
        values = {"origen": self.source, "actividad": str(self.activity_id or ""),
                  "programa": str(self.program_id or ""), "rol": self.role, "acreditacion": self.accreditation}
        return {**super().as_args(), **{key: value for key, value in values.items() if value}}


def _not_invitable(person: Person, invitation: Invitation | None) -> str | None:
    """Why a person gets no invitation on any channel: an inactive record, or the survey already answered."""
    if person.status != "active":
        return "inactive"
    if invitation is not None and (invitation.answered_at is not None or invitation.status == "answered"):
        return "answered"
    return None


def _with_preferences(query):
    return query.options(selectinload(Person.emails), selectinload(Person.phones),
                         selectinload(Person.channel_preferences))


def select_people(selection: Selection) -> tuple[list[Person], str, str]:
    """The people of a selection (preloaded), the invitations' `source` tag, and a description for staff."""
    from crm.contacts.catalogs import NETWORKS
    from crm.events.models import Activity, Attendance, ObservationProgram, Participant

    if selection.source == "red":
        if selection.network not in NETWORKS:
            raise InvitationError("Elija la red cuyas personas integrantes quiere invitar.")
        status = selection.membership_status or "active"
        # blocked records stay in the selection so that the run reports them as skipped
        query = people_query(PeopleFilter(network=selection.network, membership_status=status))
        label = f"red:{selection.network}"
        description = f"{NETWORKS[selection.network]}, membresía {status_label(status)}"
    elif selection.source == "contactos":
        f = PeopleFilter(**{name: getattr(selection, name) for name in PeopleFilter.ARGS if name != "sort"})
        if not any((f.q.strip(), f.network, f.country, f.state, f.alcaldia, f.membership_status, f.tag)):
            raise InvitationError("Aplique al menos un filtro a la lista de contactos (búsqueda, red, país, "
                                  "alcaldía, estatus o etiqueta): no se invita a todo el directorio de una vez.")
        query = people_query(f)
        label = "contactos"
        description = "Lista filtrada de contactos"
    elif selection.source == "actividad":
        activity = db.session.get(Activity, selection.activity_id) if selection.activity_id else None
        if activity is None:
            raise InvitationError("Elija una actividad existente.")
        query = (select(Person).join(Attendance, Attendance.person_id == Person.id)
                 .where(Attendance.activity_id == activity.id).order_by(Person.name_key, Person.id))
        label = f"actividad:{activity.id}"
        description = f"Asistentes a «{activity.title}» ({activity.date.isoformat()})"
    elif selection.source == "programa":
        program = db.session.get(ObservationProgram, selection.program_id) if selection.program_id else None
        if program is None:
            raise InvitationError("Elija un programa de observación existente.")
        query = (select(Person).join(Participant, Participant.person_id == Person.id)
                 .where(Participant.program_id == program.id).order_by(Person.name_key, Person.id))
        description = f"Participantes de «{program.name}»"
        if selection.role in PROGRAM_ROLES:
            query = query.where(Participant.role == selection.role)
            description += f", {PROGRAM_ROLES[selection.role].lower()}"
        if selection.accreditation in ACCREDITATION:
            query = query.where(Participant.accreditation_status == selection.accreditation)
            description += f", acreditación {ACCREDITATION[selection.accreditation].lower()}"
        label = f"programa:{program.code}"
    else:  # pragma: no cover - from_args only builds known sources
        raise InvitationError("Origen desconocido.")
    people = list(db.session.scalars(_with_preferences(query)).unique())
    seen: set[int] = set()
    unique = [p for p in people if not (p.id in seen or seen.add(p.id))]
    return unique, label[:60], description


def status_label(status: str) -> str:
    from crm.contacts.catalogs import MEMBERSHIP_STATUSES

    return MEMBERSHIP_STATUSES.get(status, status).lower()


# --------------------------------------------------------------------------- results

@dataclass
class Outcome:
    selected: int = 0
    created: int = 0
    sent: int = 0
    bounced: int = 0
    listed: int = 0
    skipped: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def reasons(self) -> list[tuple[str, int]]:
        return [(REASONS.get(key, key), count) for key, count in self.skipped.most_common()]

    def details(self) -> dict:
        return {"selected": self.selected, "created": self.created, "sent": self.sent, "bounced": self.bounced,
                "listed": self.listed, "skipped": dict(self.skipped)}


@dataclass
class Preview:
    selected: int
    inactive: int
    invited: int
    answered: int
    emailable: int  # would get an e-mail now
    opposes_email: int
    no_email: int
    opposes_whatsapp: int


def _invitations_by_person(survey: Survey) -> dict[int, Invitation]:
    rows = db.session.scalars(select(Invitation).where(Invitation.survey_id == survey.id)
                              .order_by(Invitation.id))
    found: dict[int, Invitation] = {}
    for invitation in rows:
        found.setdefault(invitation.person_id, invitation)
    return found


def preview(survey: Survey, people: list[Person]) -> Preview:
    existing = _invitations_by_person(survey)
    counts = Counter()
    for person in people:
        if person.status != "active":
            counts["inactive"] += 1
            continue
        invitation = existing.get(person.id)
        if invitation is not None:
            counts["invited"] += 1
            if invitation.answered_at is not None:
                counts["answered"] += 1
                continue
        if not can_contact(person, "whatsapp"):
            counts["opposes_whatsapp"] += 1
        if not can_contact(person, "email"):
            counts["opposes_email"] += 1
        elif person.primary_email is None:
            counts["no_email"] += 1
        elif invitation is None or invitation.sent_at is None:
            counts["emailable"] += 1
    return Preview(selected=len(people), **{key: counts[key] for key in (
        "inactive", "invited", "answered", "emailable", "opposes_email", "no_email", "opposes_whatsapp")})


def status_counts(survey: Survey) -> dict[str, int]:
    rows = dict(db.session.execute(select(Invitation.status, func.count(Invitation.id))
                                   .where(Invitation.survey_id == survey.id).group_by(Invitation.status)).all())
    return {status: int(rows.get(status, 0)) for status in STATUSES}


# --------------------------------------------------------------------------- messages

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


@dataclass
class _Job:
    token: str
    address: str
    message: Message
    previous: datetime | None = None


def _send_all(jobs: list[_Job]) -> tuple[list[_Job], list[tuple[_Job, str]]]:
    sent, failed = [], []
    for job in jobs:
        try:
            mail.send(job.address, job.message.subject, job.message.body)
        except (mail.MailError, ValueError, OSError) as exc:  # ValueError: a header the mail library refuses
            failed.append((job, str(exc)[:200]))
        else:
            sent.append(job)
    return sent, failed


# --------------------------------------------------------------------------- e-mail invitations

def send_email_invitations(survey: Survey, people: list[Person], *, source: str, actor=None,
                           note: str = "") -> Outcome:
    """Invites by e-mail everyone in `people` who can be e-mailed and has not been e-mailed for this survey."""
    outcome = Outcome(selected=len(people))
    note = (note or "").strip()[:2000]
    survey_id = survey.id
    _lock(survey)
    existing = _invitations_by_person(survey)
    now = utcnow()
    new_rows: list[dict] = []
    claimed_ids: list[int] = []
    jobs: list[_Job] = []
    for person in people:
        invitation = existing.get(person.id)
        if reason := _not_invitable(person, invitation):
            outcome.skipped[reason] += 1
            continue
        if invitation is not None and invitation.sent_at is not None:
            outcome.skipped["already_sent"] += 1
            continue
        if not can_contact(person, "email"):
            outcome.skipped["opposes_email"] += 1
            continue
        if person.primary_email is None:
            outcome.skipped["no_email"] += 1
            continue
        if invitation is None:
            row = _new_invitation(survey_id, person, source=source, channel="email", now=now, sent=True)
            new_rows.append(row)
            token = row["token"]
        else:
            claimed_ids.append(invitation.id)
            token = invitation.token
        message = compose(survey, name=person.full_name, lang=message_language(person), token=token, note=note)
        jobs.append(_Job(token, person.primary_email.address, message))
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
    if failed:
        db.session.execute(update(Invitation).where(Invitation.token.in_([job.token for job, _ in failed]))
                           .values(status="bounced", sent_at=None).execution_options(synchronize_session=False))
        outcome.failures = [error for _, error in failed[:20]]
    audit.record(actor, "surveys.invite", ("Survey", survey_id),
                 {"channel": "email", "source": source, **outcome.details()})
    db.session.commit()
    return outcome


# --------------------------------------------------------------------------- reminders

def send_reminders(survey: Survey, *, actor=None, now: datetime | None = None) -> Outcome:
    """Reminds by e-mail the invitations sent or opened but not answered (not twice within a day)."""
    now = now or utcnow()
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
    for invitation in invitations:
        person = invitation.person
        if person is None or person.status != "active":
            outcome.skipped["inactive"] += 1
            continue
        if invitation.reminded_at is not None and invitation.reminded_at > now - REMINDER_INTERVAL:
            outcome.skipped["recently_reminded"] += 1
            continue
        if not can_contact(person, "email"):
            outcome.skipped["opposes_email"] += 1
            continue
        if person.primary_email is None:
            outcome.skipped["no_email"] += 1
            continue
        message = compose(survey, name=person.full_name, lang=message_language(person), token=invitation.token,
                          reminder=True)
        jobs.append(_Job(invitation.token, person.primary_email.address, message, previous=invitation.reminded_at))
        claimed_ids.append(invitation.id)
    if claimed_ids:  # claimed: another run finds them reminded
        db.session.execute(update(Invitation).where(Invitation.id.in_(claimed_ids)).values(reminded_at=now)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    sent, failed = _send_all(jobs)
    outcome.sent, outcome.bounced = len(sent), len(failed)
    for job, _ in failed:  # rare: one statement per failure
        db.session.execute(update(Invitation).where(Invitation.token == job.token)
                           .values(status="bounced", reminded_at=job.previous)
                           .execution_options(synchronize_session=False))
    outcome.failures = [error for _, error in failed[:20]]
    audit.record(actor, "surveys.remind", ("Survey", survey_id), {"channel": "email", **outcome.details()})
    db.session.commit()
    return outcome


# --------------------------------------------------------------------------- links for other channels

def _whatsapp_phone(person: Person) -> str:
    phone = next((p for p in person.phones if p.whatsapp), None) or person.primary_phone
    return phone.e164 if phone is not None else ""


def links_file(survey: Survey, people: list[Person], *, source: str, actor=None) -> tuple[bytes, Outcome]:
    """A CSV of personal links (nombre, correo, telefono, idioma, enlace, nota) for WhatsApp and other channels.

    People who oppose WhatsApp are listed with an empty link and a note; blocked or anonymized people and
    those who already answered are left out. Existing invitations keep their link; audited as an export.
    """
    outcome = Outcome(selected=len(people))
    survey_id = survey.id
    _lock(survey)
    existing = _invitations_by_person(survey)
    now = utcnow()
    new_rows: list[dict] = []
    rows: list[tuple[Person, str | None]] = []
    for person in people:
        invitation = existing.get(person.id)
        if reason := _not_invitable(person, invitation):
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
    table = []
    for person, token in rows:
        email = person.primary_email
        link = base_url() + services.respondent_path(token) if token else ""
        table.append([person.full_name, email.address if email else "", Verbatim(_whatsapp_phone(person)),
                      person.language or "es", Verbatim(link), "" if token else WHATSAPP_NOTE])
    outcome.listed = len(table)
    body = csv_bytes(LINK_HEADER, table)
    audit.record(actor, "surveys.invite_links", ("Survey", survey_id),
                 {"format": "csv", "rows": len(table), "source": source, **outcome.details()})
    db.session.commit()
    return body, outcome
