"""The Difusión pages: compose with counts and preview, send in the background, report, bounces; roles."""

from __future__ import annotations

import io

from sqlalchemy import select

from crm.contacts.privacy.consent import EmailBounce
from crm.core.extensions import db
from crm.mailings.models import Mailing
from tests.factories import make_person
from tests.mailings.conftest import consented, oppose
from tests.mailings.test_bounces import dsn

FORM = {"segment": "red:rvc", "subject": "Boletín de {nombre}", "body": "Hola, {nombre}:\n\nNoticias de la red.",
        "subject_en": "Newsletter", "body_en": "Dear {nombre},\n\nNetwork news.", "action": ""}


def test_staff_composes_a_bilingual_mailing_sees_the_skipped_counts_previews_and_sends(mail_app, smtp, client,
                                                                                        login_as):
    login_as("staff")
    rosa = consented("Rosa", networks=("rvc",))
    john = consented("John", networks=("rvc",), language="en")
    oppose(consented("Olga", networks=("rvc",)))
    make_person("Sinconsentimiento", networks=("rvc",))
    assert client.get("/difusion/nuevo").status_code == 200
    page = client.post("/difusion/nuevo", data={**FORM, "preview": "1", "preview_person": str(john.id)})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 personas recibirán" in html
    assert "Se opone a recibir correos electrónicos: 1" in html and "Sin consentimiento registrado: 1" in html
    assert "Dear John," in html and "Newsletter" in html  # the preview as the chosen person
    assert smtp.messages == []  # a preview sends nothing
    sent = client.post("/difusion/nuevo", data={**FORM, "send": "1"})
    assert sent.status_code == 302
    mailing = db.session.scalar(select(Mailing))
    assert sent.headers["Location"].endswith(f"/difusion/{mailing.id}")
    assert sorted(smtp.to()) == sorted([rosa.primary_email.address, john.primary_email.address])
    report = client.get(f"/difusion/{mailing.id}").get_data(as_text=True)
    assert "Enviado: 2" in report and "Terminado" in report and rosa.primary_email.address in report
    assert "Red Voto Chilango" in report and "red:rvc" not in report
    assert "Boletín de {nombre}" in client.get("/difusion").get_data(as_text=True)


def test_viewers_read_reports_without_addresses_and_cannot_send(mail_app, smtp, client, login_as):
    from crm.mailings import delivery

    rosa = consented("Rosa", networks=("rvc",))
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    delivery.deliver(mailing.id)
    login_as("viewer")
    assert client.get("/difusion/nuevo").status_code == 403
    assert client.post("/difusion/nuevo", data={**FORM, "send": "1"}).status_code == 403
    report = client.get(f"/difusion/{mailing.id}")
    assert report.status_code == 200 and "Enviado: 1" in report.get_data(as_text=True)
    assert rosa.primary_email.address not in report.get_data(as_text=True)
    assert client.get("/difusion/rebotes").status_code == 403


def test_bounces_upload_and_list(mail_app, client, login_as):
    login_as("staff")
    hugo = consented("Hugo", networks=("rvc",))
    data = {"file": (io.BytesIO(dsn((hugo.primary_email.address, "failed", "5.1.1"))), "aviso.eml")}
    response = client.post("/difusion/rebotes", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(EmailBounce.address_key)) == hugo.primary_email.address_key
    page = client.get("/difusion/rebotes").get_data(as_text=True)
    assert hugo.primary_email.address in page and hugo.full_name in page and "5.1.1" in page
