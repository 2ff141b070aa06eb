import time

from sqlalchemy import func, select

from crm.contacts.models import Consent, Membership, Person
from crm.contacts.views import signup as signup_views
from crm.core import mail
from crm.core.extensions import db
from tests.factories import make_network, make_person

FORM = {"given_name": "Rosa", "first_surname": "Téllez", "second_surname": "", "email": "rosa@example.org",
        "phone": "(312) 555-2368", "country": "US", "state": "Illinois", "city": "Chicago", "alcaldia": "Coyoacán",
        "language": "en", "consent": "y", "website": ""}


def started(app, seconds_ago=10):
    with app.test_request_context():
        return signup_views._serializer().dumps(time.time() - seconds_ago)


def test_sign_up_confirm_and_review(app, client, login_as):
    make_network("rvc")
    page = client.get("/unirse/rvc?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "Privacy notice" in page and "Join the Red Voto Chilango" in page
    response = client.post("/unirse/rvc?lang=en", data={**FORM, "started": started(app)})
    assert response.status_code == 303
    person = db.session.scalar(select(Person))
    membership = person.memberships[0]
    assert membership.status == "applicant" and membership.confirm_token
    assert person.origin_alcaldia == "Coyoacán" and person.primary_phone.e164 == "+13125552368"
    consent = db.session.scalar(select(Consent))
    assert consent.notice_version and consent.channel == "web"
    message = mail.outbox()[-1]
    assert message["To"] == "rosa@example.org" and "Confirm" in message["Subject"]
    link = next(line for line in message.get_content().splitlines() if "/unirse/confirmar/" in line)
    assert client.get(link[link.index("/unirse"):]).status_code == 200
    db.session.refresh(membership)
    assert membership.confirm_token is None and membership.status == "applicant"
    login_as("staff")
    assert "Rosa Téllez" in client.get("/redes/rvc/solicitudes").get_data(as_text=True)
    client.post("/redes/rvc/solicitudes", data={"membresia": membership.id, "decision": "aprobar"})
    db.session.refresh(membership)
    assert membership.status == "active"


def test_consent_is_required_and_input_is_kept(app, client):
    make_network("rvc")
    response = client.post("/unirse/rvc", data={**FORM, "consent": "", "started": started(app)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "debe aceptar el aviso de privacidad" in page and 'value="Téllez"' in page
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_honeypot_and_too_fast_submissions_store_nothing(app, client):
    make_network("observacion")
    response = client.post("/unirse/observacion", data={**FORM, "alcaldia": "", "website": "http://spam",
                                                        "started": started(app)})
    assert response.status_code == 303
    response = client.post("/unirse/observacion", data={**FORM, "alcaldia": "", "started": started(app, 0)})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_a_known_address_is_not_overwritten_nor_revealed(app, client):
    make_network("rvc")
    person = make_person("Rosa María", "Téllez", email="rosa@example.org", country="US")
    response = client.post("/unirse/rvc", data={**FORM, "given_name": "Otra", "started": started(app)})
    assert response.status_code == 303
    db.session.refresh(person)
    assert person.given_name == "Rosa María"
    # nothing is written for a known address until its owner opens the link in the e-mail (double opt-in)
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    link = next(line for line in mail.outbox()[-1].get_content().splitlines() if "/unirse/confirmar/" in line)
    assert client.get(link[link.index("/unirse"):]).status_code == 200
    assert db.session.scalar(select(func.count(Membership.id))) == 1


def test_unknown_network_and_bad_confirmation(client):
    assert client.get("/unirse/nada").status_code == 404
    assert client.get("/unirse/confirmar/token-falso").status_code == 404
