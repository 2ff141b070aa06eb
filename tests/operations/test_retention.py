"""Retention: on the demo data, a run removes or anonymises exactly what its dry run listed, keeps every
indicator's value, leaves the audit entries of retention runs, and is audited; the configured periods
match the privacy notice; the command prints the same lists in both modes; the daily run is scheduled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from crm.app.demo import load_demo
from crm.contacts.models import Consent, Membership, Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from crm.indicators.compute import compute_report
from crm.operations import retention
from surveys.models import Invitation, Response, Survey

SHORT = {setting: "12" for setting, _fact in retention.KINDS.values()}


def _demo_with_history(app):
    """The demo, with its surveys closed, three people who left every network long ago, and a newer consent
    of one person (the older one is then "replaced")."""
    load_demo()
    db.session.execute(update(Survey).values(state="closed"))
    members = select(Membership.person_id).distinct()
    people = list(db.session.scalars(select(Person).where(Person.status == "active", Person.id.in_(members))
                                     .order_by(Person.id).limit(3)))
    for person in people:
        for membership in person.memberships:
            membership.status = "withdrawn"
    db.session.flush()
    long_ago = utcnow() - timedelta(days=3 * 365)
    db.session.execute(update(Membership).where(Membership.person_id.in_([p.id for p in people]))
                       .values(status_changed_at=long_ago))
    someone = db.session.scalar(select(Consent.person_id).order_by(Consent.id).limit(1))
    db.session.add(Consent(person_id=someone, notice_version="2026-12", channel="web", accepted_at=utcnow()))
    db.session.commit()
    return [p.id for p in people]


def _values(report: dict) -> list:
    return report["indicators"]  # every level, kind and period, with its numerator, denominator and value


def test_a_run_on_demo_data_does_exactly_what_its_dry_run_listed(app):
    app.config.update(SHORT)
    left = _demo_with_history(app)
    later = utcnow() + timedelta(days=2 * 365)  # two years on: everything of the demo is past 12 months
    year = db.session.scalar(select(func.min(Response.submitted_at))).year
    before = _values(compute_report(year))

    listed = retention.apply(dry_run=True, now=later)
    assert all(listed.ids[kind] for kind in retention.KINDS if kind not in ("huellas", "sin_confirmar", "borradores")), listed.counts()
    assert set(listed.ids["ex_integrantes"]) == set(left)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) > 0  # the dry run changed nothing

    done = retention.apply(dry_run=False, now=later)
    assert done.ids == listed.ids

    assert not db.session.scalars(select(AuditEntry.id).where(AuditEntry.id.in_(listed.ids["auditoria"]))).all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action.in_(retention.RUN_ACTIONS))) == 2
    assert not db.session.scalars(select(Invitation.id).where(Invitation.id.in_(listed.ids["invitaciones"]))).all()
    assert not db.session.scalars(select(Consent.id).where(Consent.id.in_(listed.ids["consentimientos"]))).all()
    responses = db.session.scalars(select(Response).where(Response.id.in_(listed.ids["respuestas"]))).all()
    assert len(responses) == len(listed.ids["respuestas"])  # kept, for the aggregates
    assert all(r.person_id is None and r.invitation_id is None for r in responses)
    for person_id in left:
        person = db.session.get(Person, person_id)
        assert person.status == "anonymized" and not person.emails and person.given_name == "Persona"
    assert _values(compute_report(year)) == before  # every indicator keeps its value

    again = retention.plan(now=later)  # (the run's own audit entries are new: "auditoria" lists them)
    for kind in ("respuestas", "invitaciones", "ex_integrantes"):
        assert again.ids[kind] == [], kind


def test_nothing_goes_before_its_period_or_when_a_kind_is_kept_for_good(app):
    app.config.update({setting: "120" for setting in SHORT})
    _demo_with_history(app)
    assert retention.plan().counts() == dict.fromkeys(retention.KINDS, 0)  # nothing is ten years old
    app.config.update({setting: "" for setting in SHORT})
    assert retention.plan(now=utcnow() + timedelta(days=3650)).counts() == dict.fromkeys(retention.KINDS, 0)


def test_people_still_in_a_network_are_never_anonymised(app):
    app.config.update(SHORT)
    load_demo()
    db.session.execute(update(Membership).values(status_changed_at=utcnow() - timedelta(days=3650)))
    db.session.commit()
    assert retention.plan(now=utcnow() + timedelta(days=3650)).ids["ex_integrantes"] == []


def test_configured_periods_match_the_privacy_notice(app):
    assert retention.mismatches() == []
    assert all(months for months in retention.notice_periods().values())
    app.config["CRM_RETAIN_RESPONSES_MONTHS"] = "6"
    assert retention.mismatches() == ["respuestas: configurado 6, el aviso dice 36"]


def test_the_notice_states_the_periods():
    from crm.contacts.privacy.consent import notice_data

    notice_data.cache_clear()
    texts = notice_data()
    assert "36 meses después de enviarse" in texts["es"]["full"]
    assert "36 months after they were sent" in texts["en"]["full"]


def test_command_prints_the_same_lists_dry_and_real(app):
    app.config.update({setting: "1" for setting in SHORT})
    _demo_with_history(app)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "apply", "--dry-run", "--all-ids"])
    assert dry.exit_code == 0, dry.output
    assert "simulación: no se cambió nada" in dry.output
    real = runner.invoke(args=["retention", "apply", "--all-ids"])
    assert real.exit_code == 0, real.output

    def lists(output: str) -> dict[str, tuple[str, str]]:
        found = {}
        for line in output.splitlines():
            kind = line.split(" ", 1)[0]
            if kind in retention.KINDS:
                count = line.split("): ", 1)[1].split(" ", 1)[0]
                found[kind] = (count, line.rsplit(": ", 1)[-1] if line.count(": ") > 1 else "")
        return found

    assert lists(dry.output) == lists(real.output) and set(lists(dry.output)) == set(retention.KINDS)
    assert lists(dry.output)["respuestas"][0] != "0"  # the demo's 2025 answers are past one month


def test_people_who_still_take_part_are_kept_and_consents_per_purpose(app):
    app.config.update(SHORT)
    left = _demo_with_history(app)
    later = utcnow() + timedelta(days=2 * 365)
    person = db.session.get(Person, left[0])
    db.session.add(Consent(person_id=person.id, notice_version="2026-12", channel="web", purpose="red:rvc",
                           accepted_at=later - timedelta(days=30)))  # a fresh consent: taking part again
    old = Consent(person_id=left[1], notice_version="2025-01", channel="web", purpose="red:observacion",
                  accepted_at=utcnow() - timedelta(days=5 * 365))
    newer_other_purpose = Consent(person_id=left[1], notice_version="2026-12", channel="web", purpose="red:rvc",
                                  accepted_at=later - timedelta(days=10))
    db.session.add_all([old, newer_other_purpose])
    db.session.commit()
    planned = retention.plan(now=later)
    assert left[0] not in planned.ids["ex_integrantes"] and left[1] not in planned.ids["ex_integrantes"]
    assert old.id not in planned.ids["consentimientos"]  # the only consent for that purpose stays


@pytest.mark.parametrize("hour", ["4"])
def test_the_daily_run_is_scheduled_on_the_task_queue(app, hour):
    from datetime import datetime

    from crm.core.tasks import huey

    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 4, 10, 0))}
    assert "conservacion.diaria" in due
    assert app.config["CRM_RETENTION_HOUR"] == hour


def test_keyed_hashes_of_open_link_responses_are_cleared_after_their_period(app):
    app.config.update({setting: "" for setting in SHORT}, CRM_RETAIN_RESPONSE_KEYS_MONTHS="2")
    load_demo()
    web = list(db.session.scalars(select(Response.id).where(Response.channel == "web").order_by(Response.id).limit(4)))
    db.session.execute(update(Response).where(Response.id.in_(web)).values(address_key="a" * 64, browser_key="b" * 64))
    db.session.commit()
    later = utcnow() + timedelta(days=70)
    assert retention.plan(now=later).ids["huellas"] == web
    retention.apply(dry_run=False, now=later)
    kept = db.session.execute(select(Response.address_key, Response.browser_key, Response.person_id)
                              .where(Response.id.in_(web))).all()
    assert len(kept) == 4 and all(a is None and b is None for a, b, _ in kept)


def test_sign_ups_never_confirmed_are_anonymised_after_their_period(app):
    from tests.factories import make_network, make_person

    app.config.update({setting: "" for setting in SHORT}, CRM_RETAIN_UNCONFIRMED_MONTHS="3")
    network = make_network("rvc")
    old = utcnow() - timedelta(days=200)
    never, confirmed, recent = (make_person(name, email=f"{name.lower()}@example.org")
                                for name in ("Nunca", "Confirmada", "Reciente"))
    db.session.add_all([
        Membership(person_id=never.id, network_id=network.id, status="applicant", confirm_token="t1", joined_at=old),
        Membership(person_id=confirmed.id, network_id=network.id, status="applicant", confirm_token=None,
                   joined_at=old),
        Membership(person_id=recent.id, network_id=network.id, status="applicant", confirm_token="t3"),
    ])
    db.session.commit()
    planned = retention.plan()
    assert planned.ids["sin_confirmar"] == [never.id]
    retention.apply(dry_run=False)
    assert db.session.get(Person, never.id).status == "anonymized"
    assert db.session.get(Person, confirmed.id).status == db.session.get(Person, recent.id).status == "active"
