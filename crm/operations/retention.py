"""Retention of personal data: how long each kind is kept, as the privacy notice states, and the run that
applies it (`flask retention apply [--dry-run]`, and daily on the task queue at CRM_RETENTION_HOUR).

Per kind, a period in months in the configuration (empty or 0: kept for good), counted back from now:

| kind | setting | what happens to what is older |
| --- | --- | --- |
| `auditoria` | CRM_RETAIN_AUDIT_MONTHS | audit entries deleted (never those recording retention runs) |
| `respuestas` | CRM_RETAIN_RESPONSES_MONTHS | survey responses anonymised: unlinked from the person and the invitation, their keyed hashes cleared; the answers stay, so every indicator keeps its value |
| `invitaciones` | CRM_RETAIN_INVITATIONS_MONTHS | invitations of closed surveys deleted (a token is a credential; who was invited is contact data); their responses stay, unlinked |
| `consentimientos` | CRM_RETAIN_CONSENTS_MONTHS | consent records deleted when a newer one of the same person replaced them, or when the person was anonymised |
| `ex_integrantes` | CRM_RETAIN_FORMER_MEMBERS_MONTHS | people whose every membership is withdrawn (`baja`) since longer than the period are anonymised, as an ARCO cancellation does |
| `sin_confirmar` | CRM_RETAIN_UNCONFIRMED_MONTHS | people who signed up on the public form and never opened the confirmation link (every membership an unconfirmed application) are anonymised |
| `huellas` | CRM_RETAIN_RESPONSE_KEYS_MONTHS | the keyed hashes of address and browser kept with open-link responses (for the limits and the burst review) cleared |
| `borradores` | CRM_RETAIN_DRAFTS_DAYS (in days) | answers a personal link saved to continue later and never sent (surveys.respond.drafts) deleted, counted from their last save |

A run first makes its plan (the ids per kind), then, unless it is a dry run, applies exactly that plan, so
a dry run followed by a run at the same moment lists the same records. Every run (dry or not) is in the
audit log with its counts; the audit entries of retention runs are never removed by retention.
Removing old audit entries is, with redaction (crm.core.audit.redact), the only rewrite of that log: a Core
statement, so the guards against changing entries still stop everything else.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import yaml
from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from crm.contacts.models import Consent, Membership, Person
from crm.contacts.privacy import rights
from crm.contacts.privacy.consent import NOTICE_FILE
from crm.core import audit
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.schedule import daily_task
from crm.core.timeutil import utcnow
from crm.events.models import Activity, Attendance, ObservationProgram, Participant
from surveys.models import Invitation, Response, ResponseDraft, Survey

KINDS = {  # kind -> (setting, the notice fact that states the same period)
    "auditoria": ("CRM_RETAIN_AUDIT_MONTHS", "conservacion_auditoria_meses"),
    "respuestas": ("CRM_RETAIN_RESPONSES_MONTHS", "conservacion_respuestas_meses"),
    "invitaciones": ("CRM_RETAIN_INVITATIONS_MONTHS", "conservacion_invitaciones_meses"),
    "consentimientos": ("CRM_RETAIN_CONSENTS_MONTHS", "conservacion_consentimientos_meses"),
    "ex_integrantes": ("CRM_RETAIN_FORMER_MEMBERS_MONTHS", "conservacion_ex_integrantes_meses"),
    "huellas": ("CRM_RETAIN_RESPONSE_KEYS_MONTHS", "conservacion_huellas_meses"),
    "sin_confirmar": ("CRM_RETAIN_UNCONFIRMED_MONTHS", "conservacion_sin_confirmar_meses"),
    "borradores": ("CRM_RETAIN_DRAFTS_DAYS", "conservacion_borradores_dias"),
}
IN_DAYS = frozenset({"borradores"})  # kinds whose period is in days (the others: months)
RUN_ACTIONS = ("retention.apply", "retention.dry_run")
ACTOR = "conservación de datos"
log = logging.getLogger(__name__)


@dataclass
class Plan:
    at: datetime
    periods: dict[str, int | None]
    ids: dict[str, list[int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {kind: len(self.ids.get(kind, [])) for kind in KINDS}


def periods(config=None) -> dict[str, int | None]:
    """The configured period per kind, in months (days for IN_DAYS; None: kept for good)."""
    config = config if config is not None else current_app.config
    result = {}
    for kind, (setting, _fact) in KINDS.items():
        value = str(config.get(setting) or "").strip()
        result[kind] = int(value) if value and int(value) > 0 else None
    return result


def notice_periods() -> dict[str, int | None]:
    """The periods the privacy notice states (its data file's facts), per kind."""
    facts = (yaml.safe_load(NOTICE_FILE.read_text(encoding="utf-8")) or {}).get("facts") or {}
    result = {}
    for kind, (_setting, fact) in KINDS.items():
        value = str(facts.get(fact) or "").strip()
        result[kind] = int(value) if value.isdigit() and int(value) > 0 else None
    return result


def mismatches(config=None) -> list[str]:
    """One line per kind whose configured period differs from the privacy notice's."""
    stated, configured = notice_periods(), periods(config)
    return [f"{kind}: configurado {configured[kind] or 'sin plazo'}, el aviso dice {stated[kind] or 'sin plazo'}"
            for kind in KINDS if stated[kind] != configured[kind]]


def _cutoff(now: datetime, months: int, kind: str = "") -> datetime:
    return now - timedelta(days=months if kind in IN_DAYS else round(months * 365.25 / 12))


def plan(now: datetime | None = None) -> Plan:
    """What a run at `now` removes or anonymises, per kind (ids in ascending order)."""
    now = now or utcnow()
    result = Plan(at=now, periods=periods())
    for kind, months in result.periods.items():
        result.ids[kind] = [] if months is None else list(db.session.scalars(
            _QUERIES[kind](_cutoff(now, months, kind), now).order_by(None).order_by(_ORDER[kind])))
    return result


def _audit_query(cutoff, _now):
    return select(AuditEntry.id).where(AuditEntry.at < cutoff, AuditEntry.action.not_in(RUN_ACTIONS))


def _responses_query(cutoff, _now):
    linked = or_(Response.person_id.is_not(None), Response.invitation_id.is_not(None))
    return select(Response.id).where(Response.submitted_at < cutoff, linked)


def _keys_query(cutoff, _now):
    keyed = or_(Response.address_key.is_not(None), Response.browser_key.is_not(None))
    return select(Response.id).where(Response.submitted_at < cutoff, keyed)


def _invitations_query(cutoff, now):
    closed = or_(Survey.state == "closed", and_(Survey.closes_at.is_not(None), Survey.closes_at < now))
    return select(Invitation.id).join(Survey, Survey.id == Invitation.survey_id).where(
        Invitation.created_at < cutoff, closed)


def _drafts_query(cutoff, _now):
    return select(ResponseDraft.id).where(ResponseDraft.updated_at < cutoff)


def _consents_query(cutoff, _now):
    newer = aliased(Consent)  # replaced: a newer consent of the same person for the same purpose
    replaced = exists().where(newer.person_id == Consent.person_id, newer.purpose == Consent.purpose,
                              newer.accepted_at > Consent.accepted_at)
    anonymised = exists().where(Person.id == Consent.person_id, Person.status == "anonymized")
    return select(Consent.id).where(Consent.accepted_at < cutoff, or_(replaced, anonymised))


def _former_members_query(cutoff, _now):
    """People who left every network longer ago than the period and have taken part in nothing since (no
    membership joined, consent given, activity attended, observation program or survey answered after the
    cutoff): the privacy notice keeps data "while you take part in any of the networks or programmes"."""
    still_member = exists().where(Membership.person_id == Person.id, Membership.status != "withdrawn")
    latest_change = (select(func.max(Membership.status_changed_at)).where(Membership.person_id == Person.id)
                     .scalar_subquery())
    has_membership = exists().where(Membership.person_id == Person.id)
    recent = or_(
        exists().where(Membership.person_id == Person.id, Membership.joined_at >= cutoff),
        exists().where(Consent.person_id == Person.id, Consent.accepted_at >= cutoff),
        exists().where(Attendance.person_id == Person.id, or_(
            Attendance.recorded_at >= cutoff,
            exists().where(Activity.id == Attendance.activity_id, Activity.date >= cutoff.date()))),
        exists().where(Participant.person_id == Person.id, exists().where(
            ObservationProgram.id == Participant.program_id,
            or_(ObservationProgram.election_date >= cutoff.date(), ObservationProgram.year >= cutoff.year,
                and_(ObservationProgram.election_date.is_(None), ObservationProgram.year.is_(None))))),
        exists().where(Response.person_id == Person.id, Response.submitted_at >= cutoff),
    )
    return select(Person.id).where(Person.status == "active", has_membership, ~still_member,
                                   latest_change < cutoff, ~recent)


def _unconfirmed_query(cutoff, _now):
    confirmed_or_other = exists().where(Membership.person_id == Person.id,
                                        or_(Membership.confirm_token.is_(None), Membership.joined_at >= cutoff))
    has_membership = exists().where(Membership.person_id == Person.id)
    return select(Person.id).where(Person.status == "active", has_membership, ~confirmed_or_other)


_QUERIES = {"auditoria": _audit_query, "respuestas": _responses_query, "invitaciones": _invitations_query,
            "consentimientos": _consents_query, "ex_integrantes": _former_members_query, "huellas": _keys_query,
            "sin_confirmar": _unconfirmed_query, "borradores": _drafts_query}
_ORDER = {"auditoria": AuditEntry.id, "respuestas": Response.id, "invitaciones": Invitation.id,
          "consentimientos": Consent.id, "ex_integrantes": Person.id, "huellas": Response.id, "sin_confirmar": Person.id,
          "borradores": ResponseDraft.id}
CHUNK = 500


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def apply(*, dry_run: bool, actor=None, now: datetime | None = None) -> Plan:
    """Make the plan and, unless `dry_run`, carry it out; audited either way. The records (audit entries,
    responses, invitations, consents) change in one transaction; each former member is then anonymised by
    the ARCO cancellation service, one person per transaction, as staff would."""
    result = plan(now)
    details = {"periodos_meses": result.periods, "cantidades": result.counts()}
    if dry_run:
        audit.record(actor or ACTOR, "retention.dry_run", None, details)
        db.session.commit()
        return result
    table = AuditEntry.__table__
    for ids in _chunks(result.ids["auditoria"]):
        db.session.execute(delete(table).where(table.c.id.in_(ids)))
    for ids in _chunks(result.ids["respuestas"]):
        db.session.execute(update(Response).where(Response.id.in_(ids)).values(person_id=None, invitation_id=None)
                           .execution_options(synchronize_session=False))
    for ids in _chunks(result.ids["huellas"]):
        db.session.execute(update(Response).where(Response.id.in_(ids)).values(address_key=None, browser_key=None)
                           .execution_options(synchronize_session=False))
    for ids in _chunks(result.ids["invitaciones"]):
        db.session.execute(update(Response).where(Response.invitation_id.in_(ids)).values(invitation_id=None)
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Invitation).where(Invitation.id.in_(ids))
                           .execution_options(synchronize_session=False))
    for ids in _chunks(result.ids["borradores"]):
        db.session.execute(delete(ResponseDraft).where(ResponseDraft.id.in_(ids))
                           .execution_options(synchronize_session=False))
    for ids in _chunks(result.ids["consentimientos"]):
        db.session.execute(delete(Consent).where(Consent.id.in_(ids)).execution_options(synchronize_session=False))
    audit.record(actor or ACTOR, "retention.apply", None, details)
    db.session.commit()
    db.session.expire_all()
    for person_id in result.ids["ex_integrantes"] + result.ids["sin_confirmar"]:
        person = db.session.get(Person, person_id)
        rights.block(person, actor=actor or ACTOR)
        rights.anonymize(person, actor=actor or ACTOR)
    return result


@daily_task("conservacion.diaria", "CRM_RETENTION_HOUR")
def daily_retention() -> None:
    """The scheduled run (in the task consumer, once a local day at CRM_RETENTION_HOUR)."""
    result = apply(dry_run=False)
    log.info("conservación de datos aplicada: %s", result.counts())
