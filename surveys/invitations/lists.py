"""Who can be invited to a survey: the selections (a network, a filtered contacts list, an activity's
attendees, an observation program's participants), who is left out and why, the preview and the statuses.
The sending itself is in surveys/invitations/sending.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.contacts.catalogs import MEMBERSHIP_STATUSES, NETWORKS
from crm.contacts.models import Person
from crm.contacts.privacy.consent import bouncing_keys, consented_ids, email_block
from crm.contacts.privacy.rights import can_contact
from crm.contacts.search import PeopleFilter, people_query
from crm.core.display import short_date
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.events.models import Activity, Attendance, ObservationProgram, Participant
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
# The links file leaves out the contact data of a channel the person opposed (ARCO opposition), and says so.
WITHHELD_NOTES = {
    "email": "Se opone a recibir correos electrónicos: su correo no se incluye.",
    "phone": "Se opone a recibir llamadas: su teléfono no se incluye.",
}


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


def not_invitable(person: Person, invitation: Invitation | None) -> str | None:
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
        description = f"Asistentes a «{activity.title}» ({short_date(activity.date)})"
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
    withheld: Counter = field(default_factory=Counter)  # links file: contact data left out, per opposed channel
    failures: list[str] = field(default_factory=list)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def reasons(self) -> list[tuple[str, int]]:
        return [(REASONS.get(key, key), count) for key, count in self.skipped.most_common()]

    def details(self) -> dict:
        return {"selected": self.selected, "created": self.created, "sent": self.sent, "bounced": self.bounced,
                "listed": self.listed, "skipped": dict(self.skipped), "withheld": dict(self.withheld)}


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
    opposes_phone: int = 0  # their phone is left out of the links file
    no_consent: int = 0  # no recorded consent: no e-mail (crm.contacts.privacy.consent.email_block)
    bouncing: int = 0  # their address bounces: no e-mail


def invitations_by_person(survey: Survey) -> dict[int, Invitation]:
    rows = db.session.scalars(select(Invitation).where(Invitation.survey_id == survey.id)
                              .order_by(Invitation.id))
    found: dict[int, Invitation] = {}
    for invitation in rows:
        found.setdefault(invitation.person_id, invitation)
    return found


def preview(survey: Survey, people: list[Person]) -> Preview:
    """What inviting `people` would do now; who gets an e-mail follows the one rule every sending path uses."""
    existing = invitations_by_person(survey)
    bouncing = bouncing_keys([p.primary_email.address_key for p in people if p.primary_email is not None])
    consented = consented_ids(p.id for p in people)
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
        if not can_contact(person, "phone"):
            counts["opposes_phone"] += 1
        blocked = email_block(person, bouncing, consented)
        if blocked in PREVIEW_KEYS:
            counts[PREVIEW_KEYS[blocked]] += 1
        elif invitation is None or invitation.sent_at is None:
            counts["emailable"] += 1
    return Preview(selected=len(people), **{key: counts[key] for key in (
        "inactive", "invited", "answered", "emailable", "opposes_email", "no_email", "opposes_whatsapp",
        "opposes_phone", "no_consent", "bouncing")})


PREVIEW_KEYS = {"opposed": "opposes_email", "no_address": "no_email", "no_consent": "no_consent",
                "bouncing": "bouncing"}


def status_counts(survey: Survey) -> dict[str, int]:
    rows = dict(db.session.execute(select(Invitation.status, func.count(Invitation.id))
                                   .where(Invitation.survey_id == survey.id).group_by(Invitation.status)).all())
    return {status: int(rows.get(status, 0)) for status in STATUSES}


# --------------------------------------------------------------------------- messages
