"""Findings 5 and 12: the public sign-up writes nothing about an existing person until the link in the
e-mail is opened (double opt-in), never undoes an opposition, and answers every sign-up the same way."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from crm.contacts.models import ChannelPreference, Consent, Membership, Person
from crm.contacts.privacy import rights, signup
from crm.core import mail
from crm.core.extensions import db
from tests.factories import make_network, make_person, make_user

FORM = {"given_name": "Otra", "first_surname": "Persona", "second_surname": "", "email": "", "phone": "",
        "country": "MX", "state": "", "city": "", "alcaldia": "Coyoacán", "language": "es", "consent": "y",
        "website": "", "started": ""}
OLD_CONSENT = datetime(2024, 5, 1, 12, 0)


@pytest.fixture(autouse=True)
def no_timer(monkeypatch):
    monkeypatch.setattr("crm.contacts.views.signup.MIN_SECONDS", 0)  # the anti-bot timer


def post(client, email: str, lang: str = "es"):
    return client.post(f"/unirse/rvc?lang={lang}", data={**FORM, "email": email, "language": lang})


def confirmation_link(address: str) -> str:
    message = next(m for m in reversed(mail.outbox()) if m["To"] == address)
    line = next(line for line in message.get_content().splitlines() if "/unirse/confirmar/" in line)
    return line[line.index("/unirse"):]


def opposed_person(language: str = "es"):
    """A person who opposed e-mail after consenting in 2024 (no network membership)."""
    staff = make_user(role="staff")
    person = make_person("Rosa María", "Téllez", email="rosa@example.org", language=language)
    db.session.add(Consent(person_id=person.id, notice_version="2024-01", channel="paper", purpose="red:rvc",
                           accepted_at=OLD_CONSENT))
    db.session.commit()
    rights.set_opposition(person, "email", True, actor=staff)
    return person


def state(person_id: int) -> dict:
    db.session.expire_all()
    person = db.session.get(Person, person_id)
    return {"person": (person.given_name, person.first_surname, person.status, person.language),
            "consents": sorted((c.notice_version, c.accepted_at, c.purpose) for c in person.consents),
            "memberships": sorted((m.network_id, m.status) for m in person.memberships),
            "preferences": sorted((p.channel, p.opted_out, p.changed_at) for p in person.channel_preferences)}


# --- finding 5 ----------------------------------------------------------------------------------


def test_a_sign_up_writes_nothing_about_an_existing_person_before_confirmation(app, client):
    make_network("rvc")
    person = opposed_person()
    before = state(person.id)

    assert post(client, "ROSA@example.org").status_code == 303

    assert state(person.id) == before  # no consent row, no membership, no opposition touched
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    assert db.session.scalar(select(func.count(Person.id))) == 1
    link = confirmation_link("rosa@example.org")  # sent to the address on record

    page = client.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    after = state(person.id)
    assert after["person"] == before["person"]  # the form's name is never taken
    assert after["preferences"] == before["preferences"]  # the opposition stays, even after confirmation
    assert db.session.get(Person, person.id).opposes("email")
    assert ("2024-01", OLD_CONSENT, "red:rvc") in after["consents"]  # the earlier consent keeps its date
    assert len(after["consents"]) == 2
    membership = db.session.scalar(select(Membership).where(Membership.person_id == person.id))
    assert membership.status == "applicant" and membership.confirm_token is None
    assert membership in signup.pending_applicants(make_network("rvc"))
    # the page tells the person, in their language, that the opposition holds and how to lift it
    assert "oposición" in text and "correo electrónico" in text and "Unidad de Transparencia" in text

    assert client.get(link).status_code == 200  # opening it again adds nothing
    assert state(person.id) == after


def test_the_opposition_notice_is_in_the_persons_language(app, client):
    make_network("rvc")
    opposed_person(language="en")
    post(client, "rosa@example.org")
    link = confirmation_link("rosa@example.org")
    assert "lang=en" in link
    text = client.get(link).get_data(as_text=True)
    assert 'lang="en"' in text and "objected to being contacted by e-mail" in text


def test_an_expired_or_altered_link_writes_nothing(app, client, monkeypatch):
    make_network("rvc")
    person = opposed_person()
    before = state(person.id)
    post(client, "rosa@example.org")
    link = confirmation_link("rosa@example.org")
    token = link.split("/unirse/confirmar/")[1].split("?")[0]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/unirse/confirmar/{altered}").status_code == 404
    monkeypatch.setattr(signup, "CONFIRM_MAX_AGE", -1)
    assert client.get(link).status_code == 404
    assert state(person.id) == before


def test_a_link_for_someone_blocked_meanwhile_writes_nothing(app, client):
    make_network("rvc")
    person = opposed_person()
    post(client, "rosa@example.org")
    link = confirmation_link("rosa@example.org")
    rights.block(person, actor=make_user(role="admin"))
    before = state(person.id)
    assert client.get(link).status_code == 404
    assert state(person.id) == before


def test_a_new_address_still_becomes_an_applicant_pending_confirmation(app, client):
    make_network("rvc")
    assert post(client, "nueva@example.org").status_code == 303
    person = db.session.scalar(select(Person))
    membership = person.memberships[0]
    assert membership.status == "applicant" and membership.confirm_token
    assert membership not in signup.pending_applicants(make_network("rvc"))
    assert client.get(confirmation_link("nueva@example.org")).status_code == 200
    db.session.refresh(membership)
    assert membership.confirm_token is None and membership in signup.pending_applicants(make_network("rvc"))
    assert db.session.scalar(select(func.count(ChannelPreference.id))) == 0


# --- finding 12 ---------------------------------------------------------------------------------


def test_every_sign_up_is_answered_the_same_way(app, client):
    make_network("rvc")
    admin = make_user(role="admin")
    make_person("Activa", "Pérez", email="activa@example.org")
    blocked = make_person("Bloqueada", "Pérez", email="bloqueada@example.org")
    rights.block(blocked, actor=admin)
    before = state(blocked.id)

    answers = []
    for address in ("desconocida@example.org", "activa@example.org", "bloqueada@example.org"):
        response = post(client, address)
        answers.append((response.status_code, response.headers.get("Location"),
                        client.get(response.headers.get("Location", "/")).get_data(as_text=True)))
    assert answers[0][0] == 303
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert state(blocked.id) == before  # nothing written for the blocked record
    assert not [m for m in mail.outbox() if m["To"] == "bloqueada@example.org"]  # and nothing sent to it


def test_someone_who_left_and_signs_up_again_becomes_an_applicant_for_review(app, client):
    network = make_network("rvc")
    person = make_person("Luz", "Arriaga", email="luz@example.org")
    db.session.add(Membership(person_id=person.id, network_id=network.id, status="withdrawn", source="import"))
    db.session.commit()

    assert post(client, "luz@example.org").status_code == 303
    assert client.get(confirmation_link("luz@example.org")).status_code == 200

    membership = db.session.scalar(select(Membership).where(Membership.person_id == person.id))
    assert membership.status == "applicant" and membership.confirm_token is None
    assert membership in signup.pending_applicants(network)  # not silently dropped: staff review it
