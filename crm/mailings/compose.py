"""A mailing's message for one person: `{nombre}` filled in, the English version for people whose language is
English (when given), a footer with the person's unsubscribe link, and the RFC 8058 headers. Plain text only:
no Markdown library is a dependency, and Markdown reads well as text."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app

from crm.contacts.models import Person
from crm.core import mail

FOOTER = {
    "es": "\n\n--\nRecibe este correo como integrante de las redes del Instituto Electoral de la Ciudad de México.\n"
          "Para dejar de recibir correos, abra este enlace: {link}\nAviso de privacidad: {privacy}\n",
    "en": "\n\n--\nYou receive this e-mail as a member of the networks of the Electoral Institute of Mexico City.\n"
          "To stop receiving e-mails, open this link: {link}\nPrivacy notice: {privacy}\n",
}


def language_of(person: Person | None) -> str:
    return "en" if person is not None and (person.language or "").lower().startswith("en") else "es"


def personal(text: str, person: Person | None) -> str:
    """`{nombre}` becomes the person's first name (only that placeholder: other braces stay as written)."""
    name = (person.given_name or "").split()[0] if person is not None and (person.given_name or "").split() else ""
    return text.replace("{nombre}", name)


def unsubscribe_headers(link: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def texts(mailing, person: Person | None) -> tuple[str, str, str]:
    """(language, subject, body) for the person: English when their language is English and it was given."""
    lang = language_of(person)
    if lang == "en" and mailing.subject_en and mailing.body_en:
        return "en", personal(mailing.subject_en, person), personal(mailing.body_en, person)
    return "es", personal(mailing.subject, person), personal(mailing.body, person)


def compose(mailing, person: Person | None, address: str, link: str) -> EmailMessage:
    lang, subject, body = texts(mailing, person)
    base = (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    footer = FOOTER[lang].format(link=link, privacy=f"{base}/aviso-de-privacidad?lang={lang}")
    subject = " ".join(subject.split())[:250]
    return mail.build_message(address, subject, body.rstrip() + footer, headers=unsubscribe_headers(link))
