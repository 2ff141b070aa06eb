"""Invitations: sources, opposition, counts, e-mail content, links file, reminders, idempotency."""

import csv
import io
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Membership, Tag
from crm.core import mail
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from crm.events.models import Attendance, ObservationProgram, Participant
from surveys.invitations.lists import InvitationError, Selection, select_people
from surveys.invitations.sending import links_file, send_email_invitations, send_reminders
from surveys.models import Invitation
from tests.factories import make_activity, make_network, make_survey
from tests.factories import make_person as _make_person
from tests.surveys_builder.helpers import oppose

# invitations and reminders go only to people with a recorded consent (tests/mailings checks the refusals)
make_person = partial(_make_person, consent=True)


def people_of(selection):
    people, source, _ = select_people(selection)
    return people, source


def invitations_of(survey):
    return list(db.session.scalars(select(Invitation).where(Invitation.survey_id == survey.id).order_by(Invitation.id)))


@pytest.fixture
def survey(app):
    return make_survey(state="open", titles={"es": "Satisfacción del taller", "en": "Workshop satisfaction"})


def test_network_invitations_by_email_honour_opposition_and_report_counts(survey):
    ana = make_person("Ana", networks=("rvc",))
    ben = make_person("Ben", networks=("rvc",), language="en")
    opposed = make_person("Olga", networks=("rvc",))
    oppose(opposed, "email")
    make_person("Nico", email=None, phone="+525512345678", networks=("rvc",))
    blocked = make_person("Blanca", networks=("rvc",), status="blocked")
    inactive_member = make_person("Irma")
    db.session.add(Membership(person_id=inactive_member.id, network_id=make_network("rvc").id, status="inactive"))
    make_person("Otra", networks=("observacion",))
    db.session.commit()

    people, source = people_of(Selection(source="red", network="rvc"))
    assert {p.given_name for p in people} == {"Ana", "Ben", "Olga", "Nico", "Blanca"}  # active members
    assert blocked in people
    outcome = send_email_invitations(survey, people, source=source)
    assert outcome.sent == 2 and outcome.created == 2 and outcome.bounced == 0
    assert outcome.skipped == {"opposes_email": 1, "no_email": 1, "inactive": 1}
    assert dict(outcome.reasons())["se opone a recibir correos electrónicos"] == 1
    sent = invitations_of(survey)
    assert {i.person_id for i in sent} == {ana.id, ben.id}
    assert all(i.status == "sent" and i.sent_at and i.source == "red:rvc" and i.channel == "email" for i in sent)
    assert {m["To"] for m in mail.outbox()} == {ana.primary_email.address, ben.primary_email.address}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.invite"))
    assert entry.details["sent"] == 2 and entry.details["skipped"]["opposes_email"] == 1
    assert entry.target_type == "Survey" and entry.target_id == str(survey.id)


def test_sending_twice_sends_nothing_new(survey):
    make_person("Ana", networks=("rvc",))
    people, source = people_of(Selection(source="red", network="rvc"))
    first = send_email_invitations(survey, people, source=source)
    people, source = people_of(Selection(source="red", network="rvc"))
    second = send_email_invitations(survey, people, source=source)
    assert first.sent == 1 and second.sent == 0 and second.created == 0
    assert second.skipped == {"already_sent": 1}
    assert len(mail.outbox()) == 1 and len(invitations_of(survey)) == 1


def test_email_is_in_the_persons_language_with_link_and_privacy_notice(app, survey):
    survey.title = "Taller <b>Jóvenes</b> & \"ciudadanía\""
    survey.titles = {"es": survey.title, "en": "Workshop satisfaction"}
    db.session.commit()
    es = make_person("Ana", networks=("rvc",), language="es")
    en = make_person("Ben", networks=("rvc",), language="en")
    people, source = people_of(Selection(source="red", network="rvc"))
    send_email_invitations(survey, people, source=source, note="<script>alert(1)</script> Gracias")
    tokens = {i.person_id: i.token for i in invitations_of(survey)}
    base = app.config["CRM_BASE_URL"]
    by_to = {m["To"]: m for m in mail.outbox()}
    spanish = by_to[es.primary_email.address]
    english = by_to[en.primary_email.address]
    for message in (spanish, english):
        assert message.get_content_type() == "text/plain" and not message.is_multipart()
    body_es = spanish.get_content()
    assert spanish["Subject"] == "Invitación: Taller <b>Jóvenes</b> & \"ciudadanía\""
    assert f"{base}/r/{tokens[es.id]}" in body_es
    assert f"{base}/aviso-de-privacidad?lang=es" in body_es
    assert "Apreciable Ana" in body_es and "«Taller <b>Jóvenes</b> & \"ciudadanía\"»" in body_es
    assert "&lt;" not in body_es and "&amp;" not in body_es and "&#34;" not in body_es
    assert "<script>alert(1)</script> Gracias" in body_es
    body_en = english.get_content()
    assert english["Subject"] == "Invitation: Workshop satisfaction"
    assert f"{base}/r/{tokens[en.id]}" in body_en and f"{base}/aviso-de-privacidad?lang=en" in body_en
    assert "Dear Ben" in body_en and "invites you" in body_en
    assert tokens[es.id] not in body_en


def test_a_mail_failure_marks_bounced_and_goes_on(survey, monkeypatch):
    bad = make_person("Mala", networks=("rvc",))
    good = make_person("Buena", networks=("rvc",))
    real_send = mail.Session.send

    def flaky(session, message):
        if str(message["To"]) == bad.primary_email.address:
            raise mail.MailError("buzón inexistente", code=550, reply="5.1.1 no such user")
        return real_send(session, message)

    monkeypatch.setattr(mail.Session, "send", flaky)
    people, source = people_of(Selection(source="red", network="rvc"))
    outcome = send_email_invitations(survey, people, source=source)
    assert outcome.sent == 1 and outcome.bounced == 1
    db.session.expire_all()
    status = {i.person_id: (i.status, i.sent_at is not None) for i in invitations_of(survey)}
    assert status == {bad.id: ("bounced", False), good.id: ("sent", True)}
    monkeypatch.setattr(mail.Session, "send", real_send)  # the next run retries the bounced one only
    people, source = people_of(Selection(source="red", network="rvc"))
    retry = send_email_invitations(survey, people, source=source)
    assert retry.sent == 1 and retry.created == 0 and retry.skipped == {"already_sent": 1}


def test_contacts_list_uses_the_contacts_filters(survey):
    tag = Tag(name="Jóvenes", name_key="jovenes")
    young = make_person("Yara", alcaldia="Coyoacán")
    young.tags.append(tag)
    make_person("Zoe", alcaldia="Coyoacán")
    make_person("Xime", alcaldia="Tlalpan")
    db.session.commit()
    people, source = people_of(Selection.from_args({"origen": "contactos", "alcaldia": "Coyoacán"}))
    assert {p.given_name for p in people} == {"Yara", "Zoe"} and source == "contactos"
    people, _ = people_of(Selection.from_args({"origen": "contactos", "etiqueta": "jovenes"}))
    assert [p.given_name for p in people] == ["Yara"]
    with pytest.raises(InvitationError, match="al menos un filtro"):
        people_of(Selection.from_args({"origen": "contactos"}))


def test_activity_attendees_and_program_participants(survey):
    activity = make_activity()
    came = make_person("Asistente")
    make_person("Ausente")
    db.session.add(Attendance(activity_id=activity.id, person_id=came.id))
    program = ObservationProgram(code="pp2025", name="Consulta de Presupuesto Participativo 2025")
    db.session.add(program)
    db.session.flush()
    observer = make_person("Observadora")
    visitor = make_person("Visitante", language="en")
    db.session.add_all([Participant(program_id=program.id, person_id=observer.id, role="observer",
                                    accreditation_status="accredited"),
                        Participant(program_id=program.id, person_id=visitor.id, role="visitor",
                                    accreditation_status="requested")])
    db.session.commit()
    people, source = people_of(Selection(source="actividad", activity_id=activity.id))
    assert [p.id for p in people] == [came.id] and source == f"actividad:{activity.id}"
    people, source = people_of(Selection(source="programa", program_id=program.id))
    assert {p.id for p in people} == {observer.id, visitor.id} and source == "programa:pp2025"
    people, _ = people_of(Selection(source="programa", program_id=program.id, role="visitor"))
    assert [p.id for p in people] == [visitor.id]
    people, _ = people_of(Selection(source="programa", program_id=program.id, accreditation="accredited"))
    assert [p.id for p in people] == [observer.id]
    outcome = send_email_invitations(survey, people_of(Selection(source="programa",
                                                                            program_id=program.id))[0],
                                                 source="programa:pp2025")
    assert outcome.sent == 2
    with pytest.raises(InvitationError):
        people_of(Selection(source="actividad", activity_id=999999))
    with pytest.raises(InvitationError):
        people_of(Selection(source="programa"))


def test_links_file_is_formula_safe_and_lists_whatsapp_opposition_without_link(app, survey):
    plain = make_person("Rosa", phone="+525512345678", networks=("rvc",))
    evil = make_person("=HYPERLINK(\"http://x\")", first_surname="@SUM(1)", networks=("rvc",), language="en")
    opposed = make_person("Olga", networks=("rvc",))
    oppose(opposed, "whatsapp")
    make_person("Bea", networks=("rvc",), status="blocked")
    people, source = people_of(Selection(source="red", network="rvc"))
    body, outcome = links_file(survey, people, source=source)
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == ["nombre", "correo", "telefono", "idioma", "enlace", "nota"]
    by_name = {r["nombre"]: r for r in rows}
    assert len(rows) == 3 and outcome.created == 2 and outcome.skipped == {"opposes_whatsapp": 1, "inactive": 1}
    tokens = {i.person_id: i.token for i in invitations_of(survey)}
    assert set(tokens) == {plain.id, evil.id}
    base = app.config["CRM_BASE_URL"]
    rosa = by_name[plain.full_name]
    assert rosa["telefono"] == "+525512345678" and rosa["enlace"] == f"{base}/r/{tokens[plain.id]}"
    assert rosa["idioma"] == "es" and rosa["nota"] == ""
    assert "'=HYPERLINK(\"http://x\") '@SUM(1)" not in text  # the whole cell is neutralised once
    assert any(name.startswith("'=HYPERLINK") for name in by_name)
    olga = by_name[opposed.full_name]
    assert olga["enlace"] == "" and "WhatsApp" in olga["nota"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.invite_links"))
    assert entry.details["rows"] == 3 and entry.details["skipped"] == {"opposes_whatsapp": 1, "inactive": 1}
    # a second file reuses the same links: still one invitation per person
    body2, again = links_file(survey, people_of(Selection(source="red", network="rvc"))[0], source=source)
    assert again.created == 0 and len(invitations_of(survey)) == 2
    assert tokens[plain.id] in body2.decode("utf-8")


def test_reminders_go_only_to_unanswered_sent_or_opened_invitations(survey):
    people = {name: make_person(name, networks=("rvc",)) for name in ("Ana", "Ben", "Caro", "Dani", "Eva")}
    selected, source = people_of(Selection(source="red", network="rvc"))
    send_email_invitations(survey, selected, source=source)
    invs = {i.person_id: i for i in invitations_of(survey)}
    invs[people["Ben"].id].status = "opened"
    invs[people["Caro"].id].status, invs[people["Caro"].id].answered_at = "answered", utcnow()
    invs[people["Dani"].id].status = "bounced"
    oppose(people["Eva"], "email")
    db.session.commit()
    mail.outbox().clear()
    outcome = send_reminders(survey)
    assert outcome.sent == 2 and outcome.skipped == {"opposes_email": 1}
    assert {m["To"] for m in mail.outbox()} == {people["Ana"].primary_email.address,
                                                 people["Ben"].primary_email.address}
    assert all(m["Subject"].startswith("Recordatorio: ") for m in mail.outbox())
    assert "Le recordamos" in mail.outbox()[0].get_content()
    db.session.expire_all()
    reminded = {i.person_id for i in invitations_of(survey) if i.reminded_at is not None}
    assert reminded == {people["Ana"].id, people["Ben"].id}
    # idempotent: running it again right away sends nothing
    again = send_reminders(survey)
    assert again.sent == 0 and again.skipped == {"recently_reminded": 2, "opposes_email": 1}
    assert len(mail.outbox()) == 2
    # a day later a new reminder round may go out
    later = send_reminders(survey, now=utcnow() + timedelta(hours=25))
    assert later.sent == 2
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "surveys.remind")) == 3


def test_tokens_are_long_and_unique(survey):
    for index in range(5):
        make_person(f"P{index}", networks=("rvc",))
    selected, source = people_of(Selection(source="red", network="rvc"))
    links_file(survey, selected, source=source)
    tokens = [i.token for i in invitations_of(survey)]
    assert len(set(tokens)) == 5 and all(len(t) >= 43 for t in tokens)  # 32 random bytes


def test_sending_does_not_query_per_person(app, survey):
    from sqlalchemy import event

    for index in range(30):
        make_person(f"Persona{index}", networks=("rvc",))
    selected, source = people_of(Selection(source="red", network="rvc"))
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        outcome = send_email_invitations(survey, selected, source=source)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert outcome.sent == 30
    assert len(statements) < 15, "\n".join(s[:90] for s in statements)
