"""Agreements' operations: every change of state dated and attributed, milestones counted under their lines,
the rules held by the database too, what ends soon, and a merge of organizations that keeps every link."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.events.agreements import services
from crm.events.agreements.counting import milestones_between, milestones_by_line
from crm.events.agreements.models import Agreement, agreement_organization
from crm.events.agreements.organizations import count_links, merge_organization
from tests.factories import make_organization, make_user


def new_agreement(actor, folio="IECM/CONV/001/2025", counterparts="IETAM", since=date(2024, 12, 1),
                  **kwargs) -> Agreement:
    return services.save_agreement(None, folio=folio, title="Convenio de colaboración", counterparts=counterparts,
                                   type="convenio_general", since=since, actor=actor, **kwargs)


def test_a_coordinator_moves_an_agreement_to_signature_each_step_dated_and_attributed(program):
    coordinator = make_user(role="coordinator", email="coordinacion@example.org")
    agreement = new_agreement(coordinator)
    services.transition(agreement, "en_dictamen", date(2025, 1, 10), actor=coordinator)
    services.transition(agreement, "dictaminado", date(2025, 2, 1), actor=coordinator, line_code="ai1.7")
    services.transition(agreement, "firmado", date(2025, 3, 1), actor=coordinator, line_code="AI1.6")
    db.session.expire_all()
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.state == "firmado"
    assert [(t.from_state, t.to_state, t.on_date, t.actor_id, t.actor_label) for t in agreement.transitions] == [
        (None, "en_negociacion", date(2024, 12, 1), coordinator.id, "coordinacion@example.org"),
        ("en_negociacion", "en_dictamen", date(2025, 1, 10), coordinator.id, "coordinacion@example.org"),
        ("en_dictamen", "dictaminado", date(2025, 2, 1), coordinator.id, "coordinacion@example.org"),
        ("dictaminado", "firmado", date(2025, 3, 1), coordinator.id, "coordinacion@example.org"),
    ]
    assert all(t.at is not None for t in agreement.transitions)
    assert (agreement.opinion_on, agreement.opinion_line.code) == (date(2025, 2, 1), "AI1.7")
    assert (agreement.signed_on, agreement.signing_line.code) == (date(2025, 3, 1), "AI1.6")
    assert milestones_by_line(2025) == [("AI1.7", date(2025, 2, 1)), ("AI1.6", date(2025, 3, 1))]
    assert milestones_between(date(2025, 3, 1), date(2025, 3, 31)) == [("AI1.6", date(2025, 3, 1))]
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == coordinator.id)))
    assert actions == ["agreement.create"] + ["agreement.transition"] * 3


@pytest.mark.parametrize(("steps", "message"), [
    ([("firmado", date(2025, 3, 1))], "Un convenio en negociación solo puede pasar a «en dictamen», «cancelado»."),
    ([("en_dictamen", date(2025, 3, 1)), ("dictaminado", date(2025, 2, 1))],
     "La fecha no puede ser anterior al último cambio de estado (2025-03-01)."),
    ([("en_dictamen", local_today() + timedelta(days=1))], "La fecha no puede ser posterior a hoy"),
    ([("en_dictamen", date(2025, 1, 1)), ("dictaminado", date(2025, 2, 1), "AI9.9")],
     "«AI9.9» no es una línea de acción del programa 2025"),
    ([("en_dictamen", date(2024, 12, 1)), ("dictaminado", date(2024, 12, 2), "AI1.7")],
     "no hay un programa cargado para 2024"),
    ([("cancelado", date(2025, 1, 1)), ("en_dictamen", date(2025, 1, 2))],
     "Un convenio cancelado solo puede pasar a ningún otro estado."),
])
def test_a_transition_that_breaks_a_rule_changes_nothing(program, steps, message):
    staff = make_user(role="staff")
    agreement = new_agreement(staff)
    *good, bad = steps
    for to_state, on, *line in good:
        services.transition(agreement, to_state, on, actor=staff, line_code=(line or [""])[0])
    state, transitions = agreement.state, len(agreement.transitions)
    with pytest.raises(services.AgreementsError) as caught:
        services.transition(agreement, bad[0], bad[1], actor=staff, line_code=(bad[2:] or [""])[0])
    db.session.rollback()
    assert message in str(caught.value)
    db.session.expire_all()
    assert (agreement.state, len(agreement.transitions)) == (state, transitions)


def test_rules_of_the_forms_folio_unique_ignoring_case_validity_after_signing(program):
    staff = make_user(role="staff")
    new_agreement(staff)
    with pytest.raises(services.AgreementsError, match="Ya existe un convenio con el folio «IECM/CONV/001/2025»"):
        new_agreement(staff, folio="iecm/conv/001/2025")
    with pytest.raises(services.AgreementsError, match="anterior a la firma"):
        new_agreement(staff, folio="F-2", signed_on=date(2025, 3, 1), valid_until=date(2025, 2, 1))
    with pytest.raises(services.AgreementsError, match="Indique la fecha del firma|indique la fecha del firma"):
        new_agreement(staff, folio="F-3", signing_code="AI1.6")
    with pytest.raises(services.AgreementsError, match="al menos una organización"):
        new_agreement(staff, folio="F-4", counterparts=" ; ")
    assert db.session.scalar(select(Agreement).where(Agreement.folio == "F-2")) is None


@pytest.mark.parametrize(("values", "constraint"), [
    ({"state": "firmado"}, "signed_when_signed"),
    ({"signed_on": date(2025, 3, 1), "valid_until": date(2025, 2, 1)}, "valid_after_signing"),
    ({"state": "archivado"}, "state_known"),
    ({"type": "memorando"}, "type_known"),
])
def test_the_database_holds_the_rules_too(app, values, constraint):
    row = {"folio": "F", "folio_key": "f", "title": "T", "state": "en_negociacion", "responsible_area": "",
           "notes": "", "document_name": "", "created_at": local_today(), "updated_at": local_today(), **values}
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(insert(Agreement.__table__).values(**row))
        db.session.flush()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        assert constraint in str(caught.value)


def test_folio_keys_are_unique_in_the_database(app):
    row = {"folio": "F-1", "folio_key": "f-1", "title": "T", "state": "en_negociacion", "responsible_area": "",
           "notes": "", "document_name": "", "created_at": local_today(), "updated_at": local_today()}
    db.session.execute(insert(Agreement.__table__).values(**row))
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Agreement.__table__).values(**{**row, "folio": "f-1"}))
    db.session.rollback()


def test_ending_soon_lists_signed_agreements_ending_within_90_days(program):
    staff = make_user(role="staff")
    today = local_today()
    for folio, valid_until, state in (("A", today + timedelta(days=5), "firmado"),
                                      ("B", today + timedelta(days=90), "firmado"),
                                      ("C", today + timedelta(days=91), "firmado"),
                                      ("D", today - timedelta(days=1), "firmado"),
                                      ("E", today + timedelta(days=10), "cancelado")):
        agreement = new_agreement(staff, folio=folio, signed_on=today - timedelta(days=400))
        agreement.valid_until, agreement.state = valid_until, state
    db.session.commit()
    assert [a.folio for a in services.ending_soon()] == ["A", "B"]


def test_merging_organizations_keeps_every_agreement_link(program):
    staff = make_user(role="staff")
    survivor = make_organization("Instituto Electoral de Tamaulipas", acronym="IETAM")
    other = make_organization("Inst. Electoral Tamaulipas")
    both = new_agreement(staff, folio="F-1", counterparts="IETAM; Inst. Electoral Tamaulipas")
    only_other = new_agreement(staff, folio="F-2", counterparts="Inst. Electoral Tamaulipas; UNAM")
    assert count_links(other.id) == {"Convenios": 2}
    merge_organization(survivor.id, other.id)
    db.session.commit()
    db.session.expire_all()
    assert [o.id for o in db.session.get(Agreement, both.id).counterparts] == [survivor.id]
    assert survivor.id in [o.id for o in db.session.get(Agreement, only_other.id).counterparts]
    assert count_links(other.id) == {"Convenios": 0} and count_links(survivor.id) == {"Convenios": 2}
    links = db.session.execute(select(agreement_organization)).all()
    assert len(links) == 3  # F-1: survivor; F-2: survivor and UNAM


def test_the_merge_is_registered_with_the_organization_references(app):
    from crm.contacts.organizations.references import registered

    assert any(ref.merge is merge_organization for ref in registered())
