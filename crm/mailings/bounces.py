"""Delivery status notifications (RFC 3464) read from one message or an mbox of them. Each recipient block with
`Action: failed` and a permanent `5.x.x` status marks its address as bouncing (crm.contacts.privacy.consent),
and the mailing rows sent to it as `bounced`; delayed or temporary (4.x.x) reports change nothing."""

from __future__ import annotations

import email
import mailbox
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from pathlib import Path

from sqlalchemy import update

from crm.contacts.privacy.consent import mark_bouncing
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from crm.mailings.models import MailingRecipient

STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})")
MAX_BYTES = 50 * 1024 * 1024


class BounceFileError(DomainError):
    pass


@dataclass(frozen=True)
class Report:
    """One recipient of a delivery status notification."""

    address: str
    action: str
    status: str
    diagnostic: str = ""

    @property
    def hard(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _address(value: str) -> str:
    """`rfc822; someone@example.org` -> `someone@example.org` (the address type is optional in practice)."""
    _, sep, address = value.partition(";")
    address = (address if sep else value).strip().strip("<>").strip()
    return address if "@" in address and " " not in address else ""


def _status(value: str) -> str:
    match = STATUS.match(value)
    return ".".join(match.groups()) if match else ""


def _blocks(message: Message) -> list[Message]:
    blocks = []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks.extend(block for block in payload if isinstance(block, Message))
    return blocks


def parse_dsn(message: Message) -> list[Report]:
    """The per-recipient reports of a DSN (none when the message is not one); never raises on odd input."""
    reports = []
    for block in _blocks(message):
        address = _address(_field(block, "Final-Recipient") or _field(block, "Original-Recipient"))
        if not address:
            continue
        reports.append(Report(address=address, action=_field(block, "Action").lower(),
                              status=_status(_field(block, "Status")),
                              diagnostic=_field(block, "Diagnostic-Code")[:2000]))
    return reports


def parse_bytes(data: bytes) -> list[Report]:
    return parse_dsn(email.message_from_bytes(data, policy=policy.compat32))


def read_messages(path: str | Path) -> list[bytes]:
    """The raw messages of FILE: an mbox (it starts with a `From ` line) or one message (.eml)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BounceFileError(f"el archivo {path.name} pasa de {MAX_BYTES // (1024 * 1024)} MB")
        with path.open("rb") as handle:
            head = handle.read(5)
        if head == b"From ":
            box = mailbox.mbox(str(path), create=False)
            try:
                return [box.get_bytes(key) for key in box.keys()]
            finally:
                box.close()
        return [path.read_bytes()]
    except (OSError, mailbox.Error) as exc:
        raise BounceFileError(f"no se pudo leer {path}: {getattr(exc, 'strerror', None) or exc}") from exc


def apply_reports(reports: list[Report], *, actor=None, source: str = "") -> int:
    """Marks every hard-bounced address (committed, audited); returns how many distinct addresses."""
    hard: dict[str, Report] = {}
    for report in reports:
        if report.hard:
            hard[report.address.lower()] = report
    for key, report in hard.items():
        mark_bouncing(key, report.status, report.diagnostic)
        db.session.execute(update(MailingRecipient)
                           .where(MailingRecipient.address_key == key, MailingRecipient.state == "sent")
                           .values(state="bounced", reply=f"{report.status} {report.diagnostic}"[:2000],
                                   updated_at=utcnow())
                           .execution_options(synchronize_session=False))
    audit.record(actor, "mailings.bounces", None, {"source": source[:200], "reports": len(reports),
                                                   "bounced": len(hard)})
    db.session.commit()
    return len(hard)


def import_file(path: str | Path, *, actor=None) -> int:
    reports = [report for raw in read_messages(path) for report in parse_bytes(raw)]
    return apply_reports(reports, actor=actor, source=Path(path).name)
