"""Messages with an HTML alternative rendered from the Markdown body (markdown-it-py, raw HTML off): both parts
at the SMTP server, no markup injected by the body or by a name, links that run code not made links, the
language on the document, the unsubscribe link visible in both parts; the preview shows the rendered HTML."""

from __future__ import annotations

from html import escape
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.contacts.models import Person
from crm.mailings.compose import compose
from tests.mailings.conftest import consented


def run(app, *args):
    return app.test_cli_runner().invoke(args=["mailings", *args])


def send(app, tmp_path, body: str, *extra: str):
    path = tmp_path / "cuerpo.md"
    path.write_text(body, encoding="utf-8")
    result = run(app, "send", "red:rvc", "--subject", "Boletín", "--body", str(path), *extra)
    assert result.exit_code == 0, result.output
    return result


def parts(message) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_every_message_has_a_plain_part_and_an_html_alternative_rendered_from_markdown(mail_app, smtp, tmp_path):
    rosa = consented("Rosa", networks=("rvc",))
    send(mail_app, tmp_path, "Hola, {nombre}:\n\nEs **importante** leer [el boletín](https://iecm.mx/boletin).\n")
    assert smtp.to() == [rosa.primary_email.address]
    text, html = parts(smtp.messages[0])
    assert "Hola, Rosa:" in text and "**importante**" in text  # the text part is the Markdown as written
    assert "<p>Hola, Rosa:</p>" in html and "<strong>importante</strong>" in html
    assert '<a href="https://iecm.mx/boletin">el boletín</a>' in html
    assert html.startswith("<!DOCTYPE html>") and '<html lang="es">' in html
    link = smtp.messages[0]["List-Unsubscribe"].strip("<>")
    assert link in text and f'<a href="{escape(link)}">{escape(link)}</a>' in html  # visible in both parts


def test_raw_html_in_the_body_is_text_and_links_that_run_code_are_not_links(mail_app, smtp, tmp_path):
    consented("Rosa", networks=("rvc",))
    send(mail_app, tmp_path, '<script>alert(1)</script>\n\n<b onclick="x()">hola</b> '
                             "[clic](javascript:alert(1)) <javascript:alert(2)> "
                             "[otro](JaVaScRiPt:alert(3)) ![i](data:text/html;base64,PHNjcmlwdD4=)\n")
    text, html = parts(smtp.messages[0])
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b " not in html and "&lt;b onclick=" in html
    assert 'href="javascript' not in html.lower() and "<img" not in html
    assert html.count("<a ") == 2  # only the footer's links (unsubscribe, privacy notice)
    assert "<script>alert(1)</script>" in text  # the plain part is text: nothing to escape there


def test_a_name_is_never_markup_or_markdown(mail_app, smtp, tmp_path):
    tag = consented("<b>Ana</b>", networks=("rvc",))
    stars = consented("**Bea**", networks=("rvc",))
    brace = consented("{nombre}", networks=("rvc",))
    send(mail_app, tmp_path, "Hola, {nombre}.\n")
    by_to = {str(m["To"]): parts(m) for m in smtp.messages}
    text, html = by_to[tag.primary_email.address]
    assert "Hola, <b>Ana</b>." in text and "Hola, &lt;b&gt;Ana&lt;/b&gt;." in html and "<b>" not in html
    text, html = by_to[stars.primary_email.address]
    assert "Hola, **Bea**." in text and "Hola, **Bea**." in html and "<strong>" not in html
    text, html = by_to[brace.primary_email.address]
    assert "Hola, {nombre}." in text and "Hola, {nombre}." in html  # replaced once, not again inside the name


def test_the_english_version_is_an_english_document(mail_app, smtp, tmp_path):
    es = consented("Rosa", networks=("rvc",))
    en = consented("John", networks=("rvc",), language="en")
    body_en = tmp_path / "body.md"
    body_en.write_text("Dear {nombre},\n\n*News* of the network.\n", encoding="utf-8")
    send(mail_app, tmp_path, "Hola, {nombre}.\n", "--subject-en", "Newsletter", "--body-en", str(body_en))
    by_to = {str(m["To"]): parts(m) for m in smtp.messages}
    text, html = by_to[en.primary_email.address]
    assert '<html lang="en">' in html and "<em>News</em>" in html and "To stop receiving e-mails" in html
    assert "Dear John," in text and "*News*" in text
    assert '<html lang="es">' in by_to[es.primary_email.address][1]


def test_the_preview_shows_the_rendered_html_escaped(mail_app, smtp, client, login_as):
    login_as("staff")
    consented("<i>Ana</i>", networks=("rvc",))
    page = client.post("/difusion/nuevo", data={
        "segment": "red:rvc", "subject": "Boletín", "body": "Hola, {nombre}: **importante** <script>alert(1)</script>",
        "subject_en": "", "body_en": "", "action": "", "preview": "1"}).get_data(as_text=True)
    assert "<strong>importante</strong>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "Hola, &lt;i&gt;Ana&lt;/i&gt;:" in page and "<i>Ana</i>" not in page
    assert 'style="' not in page.split('id="vista"')[1]  # the CSP allows no inline style
    assert smtp.messages == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=400), name=st.text(max_size=40), english=st.booleans())
def test_any_body_and_any_name_compose_a_message_with_the_link_in_both_parts(app, body, name, english):
    mailing = SimpleNamespace(subject="Asunto {nombre}", body=body, subject_en="Subject", body_en=body)
    person = Person(given_name=name, language="en" if english else "es")
    link = "https://vinculo.example.org/correo/baja/TOKEN-de-prueba_123"
    message = compose(mailing, person, "rosa@example.org", link)
    data = message.as_bytes()  # serializes
    from email import message_from_bytes, policy

    parsed = message_from_bytes(data, policy=policy.default)
    text, html = parts(parsed)
    assert link in text and f'<a href="{link}">{link}</a>' in html
    assert f'<html lang="{"en" if english and body else "es"}">' in html  # English only when given


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(max_size=200), name=st.text(max_size=40))
def test_the_name_lands_escaped_in_the_html_and_as_written_in_the_text(app, before, name):
    mailing = SimpleNamespace(subject="Asunto", body=before + "\n\n{nombre} fin\n", subject_en="", body_en="")
    message = compose(mailing, Person(given_name=name), "rosa@example.org", "https://vinculo.example.org/b/T")
    text, html = parts(message)
    first = name.split()[0] if name.split() else ""
    assert f"{first} fin" in text and f"{escape(first)} fin" in html
