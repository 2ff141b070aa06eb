"""`mailings bounces FILE`: RFC 3464 delivery status notifications, one .eml or an mbox; hard vs soft."""

from __future__ import annotations

import mailbox

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.contacts.privacy.consent import EmailBounce
from crm.core.extensions import db
from crm.mailings import bounces, delivery
from crm.mailings.models import MailingRecipient
from tests.mailings.conftest import consented


def dsn(*recipients: tuple[str, str, str], diagnostic: str = "smtp; 550 5.1.1 User unknown") -> bytes:
    """A delivery status notification as an MTA writes it: multipart/report with a message/delivery-status part
    (a per-message block, then one block per recipient) and the returned message."""
    blocks = ["Reporting-MTA: dns; mx.example.org\nArrival-Date: Fri, 5 Dec 2026 10:00:00 +0000\n"]
    for address, action, code in recipients:
        blocks.append(f"Final-Recipient: rfc822; {address}\nOriginal-Recipient: rfc822;{address}\n"
                      f"Action: {action}\nStatus: {code}\nDiagnostic-Code: {diagnostic}\n")
    status = "\n".join(blocks)
    return (
        "From: MAILER-DAEMON@mx.example.org\nTo: vinculacion@localhost\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\n\n'
        "--BOUNDARY\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.org.\n\n"
        f"--BOUNDARY\nContent-Type: message/delivery-status\n\n{status}\n"
        "--BOUNDARY\nContent-Type: message/rfc822\n\nSubject: Hola\n\nHola\n\n--BOUNDARY--\n"
    ).encode()


def bounced():
    return set(db.session.scalars(select(EmailBounce.address_key)))


def test_parser_reads_every_recipient_block():
    reports = bounces.parse_bytes(dsn(("Uno@Example.org", "failed", "5.1.1"), ("dos@example.org", "delayed", "4.4.1"),
                                      ("tres@example.org", "failed", "4.2.2")))
    assert [(r.address, r.action, r.status, r.hard) for r in reports] == [
        ("Uno@Example.org", "failed", "5.1.1", True), ("dos@example.org", "delayed", "4.4.1", False),
        ("tres@example.org", "failed", "4.2.2", False)]
    assert reports[0].diagnostic == "smtp; 550 5.1.1 User unknown"


def test_hard_bounces_mark_the_address_soft_ones_do_not(app, tmp_path):
    hard = consented("Hugo", networks=("rvc",))
    soft = consented("Sofía", networks=("rvc",))
    path = tmp_path / "aviso.eml"
    path.write_bytes(dsn((hard.primary_email.address.upper(), "failed", "5.1.1"),
                         (soft.primary_email.address, "delayed", "4.4.7")))
    result = app.test_cli_runner().invoke(args=["mailings", "bounces", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "bounced 1"
    assert bounced() == {hard.primary_email.address_key}
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    assert mailing.skipped == {"bouncing": 1}  # the rule skips the bouncing address
    assert [r.address for r in mailing.recipients] == [soft.primary_email.address]


def test_an_mbox_of_notifications_and_the_mailing_rows_become_bounced(mail_app, smtp, tmp_path):
    people = [consented(f"P{index}", networks=("rvc",)) for index in range(3)]
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    delivery.deliver(mailing.id)
    box = mailbox.mbox(str(tmp_path / "rebotes.mbox"))
    box.add(dsn((people[0].primary_email.address, "failed", "5.1.1")))
    box.add(dsn((people[1].primary_email.address, "failed", "5.2.1"), (people[2].primary_email.address,
                                                                        "failed", "4.2.2")))
    box.add(b"From: alguien@example.org\nSubject: no es un aviso\n\nHola\n")
    box.flush()
    box.close()
    result = mail_app.test_cli_runner().invoke(args=["mailings", "bounces", str(tmp_path / "rebotes.mbox")])
    assert result.output.strip().splitlines()[-1] == "bounced 2"
    states = dict(db.session.execute(select(MailingRecipient.address, MailingRecipient.state)).all())
    assert states == {people[0].primary_email.address: "bounced", people[1].primary_email.address: "bounced",
                      people[2].primary_email.address: "sent"}


def test_an_unreadable_file_exits_1(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["mailings", "bounces", str(tmp_path / "no-existe.eml")])
    assert result.exit_code == 1 and result.output.startswith("error: no se pudo leer")


ADDRESS = st.from_regex(r"[a-z0-9._+-]{1,20}@[a-z0-9-]{1,20}\.(org|mx|com)", fullmatch=True)
ACTION = st.sampled_from(["failed", "delayed", "delivered", "relayed", "expanded", "FAILED"])
STATUS = st.tuples(st.sampled_from("245"), st.integers(0, 999), st.integers(0, 999)).map(
    lambda t: f"{t[0]}.{t[1]}.{t[2]}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ADDRESS, ACTION, STATUS), min_size=1, max_size=4))
def test_parser_round_trips_generated_notifications(recipients):
    reports = bounces.parse_bytes(dsn(*recipients))
    assert [(r.address, r.action, r.status) for r in reports] == [(a, act.lower(), s) for a, act, s in recipients]
    assert [r.hard for r in reports] == [act.lower() == "failed" and s.startswith("5.") for _, act, s in recipients]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: (
    "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
    "Content-Type: message/delivery-status\n\n" + t + "\n--b--\n").encode("utf-8", "surrogatepass")))
def test_parser_never_raises_on_odd_input(data):
    for report in bounces.parse_bytes(data):
        assert "@" in report.address and " " not in report.address
        assert report.status == "" or report.status[0] in "245"
