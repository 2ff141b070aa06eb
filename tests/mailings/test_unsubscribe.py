"""One-click unsubscribe (RFC 8058): a POST without session or CSRF token records the opposition; the page."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.mailings import delivery, unsubscribe
from tests.mailings.conftest import consented


def _path(person) -> str:
    link = unsubscribe.person_link(person.id)
    db.session.commit()
    return urlsplit(link).path


def test_one_click_post_without_session_or_csrf_records_the_opposition(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        rosa = consented("Rosa", networks=("rvc",))
        path = _path(rosa)
        client = app.test_client()
        assert client.post(path, data={"other": "x"}).status_code == 400  # not the RFC 8058 body
        assert not rosa.opposes("email")
        response = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        db.session.expire_all()
        assert rosa.opposes("email")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.opposition"))
        assert entry.target_id == str(rosa.id) and entry.details == {"channel": "email", "opted_out": True}
        assert "enlace para darse de baja" in entry.actor_label
        assert client.post(path + "x", data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_page_is_in_the_persons_language_and_its_button_needs_csrf(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        john = consented("John", language="en")
        path = _path(john)
        client = app.test_client()
        page = client.get(path)
        assert page.status_code == 200 and "Stop receiving e-mails" in page.get_data(as_text=True)
        assert not john.opposes("email")  # opening the link changes nothing
        assert client.post(path + "/confirmar").status_code == 400  # the page's form carries a CSRF token
        db.session.expire_all()
        assert not john.opposes("email")
        html = page.get_data(as_text=True)
        token = html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
        done = client.post(path + "/confirmar", data={"csrf_token": token})
        assert done.status_code == 200 and "Your objection is recorded" in done.get_data(as_text=True)
        db.session.expire_all()
        assert john.opposes("email")
        spanish = client.get(path + "?lang=es").get_data(as_text=True)
        assert "ya está registrada" in spanish and "<button" not in spanish  # no button to re-subscribe


def test_after_unsubscribing_no_mailing_reaches_the_person(mail_app, smtp, client):
    rosa = consented("Rosa", networks=("rvc",))
    raul = consented("Raúl", networks=("rvc",))
    client.post(_path(rosa), data={"List-Unsubscribe": "One-Click"})
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    delivery.deliver(mailing.id)
    assert smtp.to() == [raul.primary_email.address] and mailing.skipped == {"opposed": 1}
