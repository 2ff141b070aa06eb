"""A mailing's message for one person: `{nombre}` filled in, the English version for people whose language is
English (when given), a footer with the person's unsubscribe link, and the RFC 8058 headers.

Every message has two parts (multipart/alternative): the plain text, which is the Markdown source as written
with `{nombre}` replaced, and an HTML alternative rendered from that Markdown by markdown-it-py (CommonMark)
with raw HTML off, so a body cannot inject markup: tags written in it come out as text, and links whose
scheme could run code (`javascript:`, `vbscript:`, `file:`, `data:` other than images) are not made links
(markdown-it's own link validation). `{nombre}` is replaced after rendering, HTML-escaped, so a name is
always plain text (`<b>Ana</b>`, `**Ana**` or `{nombre}` in a name stay as written).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from html import escape

from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup

from crm.contacts.models import Person
from crm.core import mail

PLACEHOLDER = "{nombre}"
MARKDOWN = MarkdownIt("commonmark", {"html": False})

FOOTER = {
    "es": "\n\n--\nRecibe este correo como integrante de las redes del Instituto Electoral de la Ciudad de México.\n"
          "Para dejar de recibir correos, abra este enlace: {link}\nAviso de privacidad: {privacy}\n",
    "en": "\n\n--\nYou receive this e-mail as a member of the networks of the Electoral Institute of Mexico City.\n"
          "To stop receiving e-mails, open this link: {link}\nPrivacy notice: {privacy}\n",
}
FOOTER_HTML = {
    "es": "<hr>\n<p>Recibe este correo como integrante de las redes del Instituto Electoral de la Ciudad de México.<br>\n"
          'Para dejar de recibir correos, abra este enlace: <a href="{link}">{link}</a><br>\n'
          'Aviso de privacidad: <a href="{privacy}">{privacy}</a></p>\n',
    "en": "<hr>\n<p>You receive this e-mail as a member of the networks of the Electoral Institute of Mexico City.<br>\n"
          'To stop receiving e-mails, open this link: <a href="{link}">{link}</a><br>\n'
          'Privacy notice: <a href="{privacy}">{privacy}</a></p>\n',
}


@dataclass(frozen=True)
class Parts:
    """What one person receives: `html` is the body and footer as an HTML fragment (no styles: the staff
    preview shows it as is), `document` wraps it for the message."""

    lang: str
    subject: str
    text: str
    html: Markup

    @property
    def document(self) -> str:
        return (f'<!DOCTYPE html>\n<html lang="{self.lang}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{escape(self.subject)}</title>\n</head>\n<body>\n{self.html}</body>\n</html>\n")


def language_of(person: Person | None) -> str:
    return "en" if person is not None and (person.language or "").lower().startswith("en") else "es"


def first_name(person: Person | None) -> str:
    words = (person.given_name or "").split() if person is not None else []
    return words[0] if words else ""


def personal(text: str, person: Person | None) -> str:
    """`{nombre}` becomes the person's first name (only that placeholder: other braces stay as written)."""
    return text.replace(PLACEHOLDER, first_name(person))


def personal_html(markdown: str, person: Person | None) -> str:
    """The Markdown as HTML (raw HTML off), then `{nombre}` replaced by the escaped first name: the name is
    never read as Markdown or markup."""
    return MARKDOWN.render(markdown).replace(PLACEHOLDER, escape(first_name(person)))


def unsubscribe_headers(link: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _versions(mailing, person: Person | None) -> tuple[str, str, str]:
    """(language, subject, Markdown body) as written: English when the person's language is English and the
    English version was given."""
    if language_of(person) == "en" and mailing.subject_en and mailing.body_en:
        return "en", mailing.subject_en, mailing.body_en
    return "es", mailing.subject, mailing.body


def parts(mailing, person: Person | None, link: str) -> Parts:
    lang, subject, body = _versions(mailing, person)
    base = (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    privacy = f"{base}/aviso-de-privacidad?lang={lang}"
    text = personal(body, person).rstrip() + FOOTER[lang].format(link=link, privacy=privacy)
    html = personal_html(body, person) + FOOTER_HTML[lang].format(link=escape(link), privacy=escape(privacy))
    # safe: markdown-it escapes every character of the body that is not Markdown (raw HTML is off), and the name
    # and links are escaped here
    return Parts(lang, " ".join(personal(subject, person).split())[:250], text, Markup(html))  # noqa: S704


def compose(mailing, person: Person | None, address: str, link: str) -> EmailMessage:
    message = parts(mailing, person, link)
    return mail.build_message(address, message.subject, message.text, html=message.document,
                              headers=unsubscribe_headers(link))
