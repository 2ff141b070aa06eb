"""In a real browser: a staff member composes a bilingual mailing, sees who is skipped and why, previews it as
an English-speaking member, sends it, and the report shows the deliveries; every page is axe clean."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e


def test_staff_composes_sends_and_reads_the_report(live_server, page, axe_check, screenshot, smtp):
    from crm.core.extensions import db
    from tests.mailings.conftest import consented, oppose

    expect = _expect()
    live_server.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_RETRY_BACKOFF=0)
    with live_server.app.app_context():
        consented("Rosa", networks=("rvc",))
        consented("John", networks=("rvc",), language="en")
        oppose(consented("Olga", networks=("rvc",)))
        db.session.remove()
    user = live_server.create_user("staff")

    def accessible(name: str) -> None:
        screenshot(page, name)
        problems = axe_check(page)
        assert not problems, describe_violations(problems)

    log_in(page, user)
    page.get_by_role("link", name="Difusión", exact=True).click()
    expect(page.get_by_role("heading", name="Difusión: envíos de correo a las redes")).to_be_visible()
    accessible("mailings-index")
    page.get_by_role("link", name="Nuevo envío").click()
    page.get_by_label("Destinatarios").select_option(label="Red Voto Chilango")
    page.get_by_label("Asunto", exact=True).fill("Boletín de la red")
    page.get_by_label("Mensaje", exact=True).fill("Hola, {nombre}:\n\nNoticias de la red.")
    page.get_by_label("Asunto en inglés (opcional)").fill("Network newsletter")
    page.get_by_label("Mensaje en inglés (opcional)").fill("Dear {nombre},\n\nNetwork news.")
    page.get_by_role("button", name="Ver destinatarios y vista previa").click()
    expect(page.get_by_text("2 personas recibirán el correo")).to_be_visible()
    expect(page.get_by_text("Se opone a recibir correos electrónicos: 1")).to_be_visible()
    chooser = page.get_by_label("Vista previa como")
    chooser.select_option(value=chooser.locator("option", has_text="John").get_attribute("value"))
    page.get_by_role("button", name="Ver destinatarios y vista previa").click()
    expect(page.get_by_text("Dear John,", exact=True)).to_be_visible()  # the HTML preview
    accessible("mailings-compose")
    page.get_by_role("button", name="Enviar a 2 personas").click()
    expect(page.get_by_role("heading", name="Envío: Boletín de la red")).to_be_visible()
    expect(page.get_by_text("Enviado: 2")).to_be_visible()
    accessible("mailings-report")
    assert sorted(str(m["Subject"]) for m in smtp.messages) == ["Boletín de la red", "Network newsletter"]
    page.goto("/difusion/rebotes")
    expect(page.get_by_role("heading", name="Direcciones que rebotan")).to_be_visible()
    accessible("mailings-bounces")
    # the English-speaking member opens the unsubscribe link of the message: a page in English, axe clean
    english = next(m for m in smtp.messages if str(m["Subject"]) == "Network newsletter")
    page.goto(urlsplit(english["List-Unsubscribe"].strip("<>")).path)
    page.get_by_role("button", name="Stop receiving e-mails").click()
    expect(page.get_by_role("heading", name="Your objection is recorded")).to_be_visible()
    accessible("mailings-unsubscribed")
