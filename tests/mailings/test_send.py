"""`mailings send` through a real SMTP server: who gets it, what it looks like, faults, the count."""

from __future__ import annotations

import json

from sqlalchemy import select

from crm.contacts.models import Tag
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.mailings.models import Mailing, MailingRecipient
from tests.factories import load_program, make_person
from tests.mailings.conftest import consented, free_port, oppose


def run(app, *args):
    return app.test_cli_runner().invoke(args=["mailings", *args])


def body_file(tmp_path, text="Hola, {nombre}:\n\nLe compartimos el boletín de la red.\n", name="cuerpo.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def states(mailing_id=None):
    query = select(MailingRecipient.address, MailingRecipient.state)
    if mailing_id is not None:
        query = query.where(MailingRecipient.mailing_id == mailing_id)
    return dict(db.session.execute(query).all())


def test_only_who_may_be_emailed_receives_it_and_the_counts_say_why(mail_app, smtp, tmp_path):
    rosa = consented("Rosa María", networks=("rvc",))
    opposed = consented("Olga", networks=("rvc",))
    oppose(opposed)
    make_person("Sinconsentimiento", networks=("rvc",))  # no consent recorded
    consented("Nadia", email=None, networks=("rvc",))
    consented("Otra", networks=("observacion",))
    result = run(mail_app, "send", "red:rvc", "--subject", "Boletín de {nombre}", "--body", body_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "sent 1, skipped 3"
    assert smtp.to() == [rosa.primary_email.address]
    message = smtp.messages[0]
    assert message["Subject"] == "Boletín de Rosa"
    mailing = db.session.scalar(select(Mailing))
    assert mailing.skipped == {"opposed": 1, "no_consent": 1, "no_address": 1}
    assert mailing.status == "done" and states(mailing.id) == {rosa.primary_email.address: "sent"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mailings.send"))
    assert entry.details["sent"] == 1


def test_headers_plain_part_footer_and_english_variant(mail_app, smtp, tmp_path):
    es = consented("Rosa", networks=("observacion",))
    en = consented("John Paul", networks=("observacion",), language="en")
    result = run(mail_app, "send", "red:observacion", "--subject", "Boletín", "--body", body_file(tmp_path),
                 "--subject-en", "Newsletter", "--body-en",
                 body_file(tmp_path, "Dear {nombre},\n\nThe network's newsletter.\n", "body.md"))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "sent 2, skipped 0"
    by_to = {str(m["To"]): m for m in smtp.messages}
    spanish, english = by_to[es.primary_email.address], by_to[en.primary_email.address]
    assert spanish["Subject"] == "Boletín" and english["Subject"] == "Newsletter"
    assert "Hola, Rosa:" in spanish.get_body(("plain",)).get_content()
    text = english.get_body(("plain",)).get_content()
    assert "Dear John," in text and "To stop receiving e-mails" in text
    for message in (spanish, english):
        link = message["List-Unsubscribe"].strip("<>")
        assert link.startswith("https://vinculo.example.org/correo/baja/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        assert link in message.get_body(("plain",)).get_content()
        token = link.rsplit("/", 1)[1]
        assert "@" not in token and "rosa" not in token.lower() and len(token) >= 24
    assert spanish["List-Unsubscribe"] != english["List-Unsubscribe"]  # each person's own link


def test_tag_and_everyone_segments(mail_app, smtp, tmp_path):
    tagged = consented("Tania")
    tagged.tags.append(Tag(name="Jóvenes", name_key="jovenes"))
    db.session.commit()
    consented("Otra")
    assert run(mail_app, "send", "tag:jovenes", "--subject", "A", "--body", body_file(tmp_path)).output \
        .strip().splitlines()[-1] == "sent 1, skipped 0"
    assert run(mail_app, "send", "todos", "--subject", "B", "--body", body_file(tmp_path)).output \
        .strip().splitlines()[-1] == "sent 2, skipped 0"


def test_problems_are_one_line_each_and_nothing_is_sent(mail_app, smtp, tmp_path):
    consented("Rosa", networks=("rvc",))
    result = run(mail_app, "send", "red:nadie", "--subject", "A", "--body", str(tmp_path / "no-existe.md"),
                 "--action", "AI9.9")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert "red desconocida" in lines[1] or "red desconocida" in lines[0]
    assert smtp.messages == [] and db.session.scalar(select(Mailing)) is None


def test_a_server_that_is_down_fails_clearly_and_marks_nothing_sent(app, tmp_path):
    consented("Rosa", networks=("rvc",))
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    result = run(app, "send", "red:rvc", "--subject", "A", "--body", body_file(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "no se pudo conectar con el servidor de correo 127.0.0.1" in result.output
    assert db.session.scalar(select(Mailing)) is None


def test_server_down_during_delivery_fails_the_mailing_and_leaves_recipients_pending(app, tmp_path):
    from crm.mailings import delivery

    consented("Rosa", networks=("rvc",))
    consented("Raúl", networks=("rvc",))
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    try:
        delivery.deliver(mailing.id)
    except delivery.MailingError as exc:
        assert "servidor de correo" in str(exc)
    else:
        raise AssertionError("a server that is down must fail the mailing")
    db.session.expire_all()
    mailing = db.session.get(Mailing, mailing.id)
    assert mailing.status == "failed" and "reanude el envío" in mailing.error
    assert set(states(mailing.id).values()) == {"pending"} and mailing.sent_on is None


def test_temporary_refusals_are_retried_and_permanent_ones_recorded(mail_app, smtp, tmp_path):
    later = consented("Luis", networks=("rvc",))
    never = consented("Nora", networks=("rvc",))
    smtp.temporary[later.primary_email.address] = 2
    smtp.permanent.add(never.primary_email.address)
    result = run(mail_app, "send", "red:rvc", "--subject", "A", "--body", body_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert smtp.attempts[later.primary_email.address] == 3 and smtp.to() == [later.primary_email.address]
    assert smtp.attempts[never.primary_email.address] == 1  # a 5xx is not retried
    assert f"falló: {never.primary_email.address}: 550 5.1.1 Buzón inexistente" in result.output
    assert result.output.strip().splitlines()[-1] == "sent 1, skipped 0"
    row = db.session.scalar(select(MailingRecipient).where(MailingRecipient.state == "failed"))
    assert row.address == never.primary_email.address and "5.1.1" in row.reply


def test_the_rate_limit_waits_once_the_minute_is_full(mail_app, smtp):
    from crm.mailings import delivery

    for index in range(5):
        consented(f"P{index}", networks=("rvc",))
    mail_app.config["MAIL_RATE_PER_MINUTE"] = 2
    now, waits = [1000.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    delivery.deliver(mailing.id, sleep=sleep, clock=lambda: now[0])
    assert len(smtp.messages) == 5
    assert waits == [60.0, 60.0]  # 2 + 2 + 1 messages: two full minutes waited


def test_someone_who_opposes_after_composing_is_skipped_at_sending(mail_app, smtp):
    from crm.mailings import delivery

    rosa = consented("Rosa", networks=("rvc",))
    raul = consented("Raúl", networks=("rvc",))
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    oppose(raul)
    delivery.deliver(mailing.id)
    assert smtp.to() == [rosa.primary_email.address]
    assert states(mailing.id)[raul.primary_email.address] == "skipped"


def test_an_action_line_mailing_counts_as_one_realized_activity(mail_app, smtp, tmp_path):
    today = local_today()
    load_program(today.year)
    consented("Rosa", networks=("observacion",))
    result = run(mail_app, "send", "red:observacion", "--subject", "A", "--body", body_file(tmp_path),
                 "--action", "ai3.2")
    assert result.exit_code == 0, result.output
    report = json.loads(mail_app.test_cli_runner().invoke(args=["indicators", "report", "--year",
                                                                str(today.year)]).output)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    realized = {(row["line"], row["period"]): row["realized"] for row in report["lines"]}
    assert realized[("AI3.2", quarter)] == 1 and realized[("AI3.2", str(today.year))] == 1
    assert realized[("AI3.1", str(today.year))] == 0
    # a mailing without an action line counts nothing
    run(mail_app, "send", "red:observacion", "--subject", "B", "--body", body_file(tmp_path))
    report = json.loads(mail_app.test_cli_runner().invoke(args=["indicators", "report", "--year",
                                                                str(today.year)]).output)
    assert sum(row["realized"] for row in report["lines"] if row["period"] == str(today.year)) == 1
