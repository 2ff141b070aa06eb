"""An activity's means of verification: a link (http or https) or a file (PDF, JPEG or PNG) stored outside the
database by crm.core.documents, which checks the content's type and the size as the file arrives.

Adding, removing and downloading are audited; a file's download is a service too, so the view only sends
what it gets. A stored file is removed after its record is gone (a file never outlives its record; a
record never points at a missing file unless the disk lost it).
"""

from __future__ import annotations

import re
from typing import BinaryIO
from urllib.parse import urlsplit

from crm.core import audit, documents
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.events.models import Activity, ActivityEvidence
from crm.events.services import EventsError

FILE_KINDS = ("pdf", "jpg", "png")  # filetype's names: PDF, JPEG, PNG
MAX_URL = 2000
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+\.?$|^[0-9a-f:.]*:[0-9a-f:.]*$")  # a dotted name, or IPv6


class LinkError(EventsError):
    """An address that is not an http or https link."""


class FileProblem(EventsError):
    """A file that is not stored: empty, too large, or not a PDF, JPEG or PNG by its content."""


def check_url(text: str) -> str:
    """The address as stored, or EventsError (Spanish) when it is not an http or https address."""
    url = (text or "").strip()
    if not url:
        raise LinkError("Escriba la dirección del enlace.")
    if len(url) > MAX_URL:
        raise LinkError(f"La dirección es demasiado larga (máximo {MAX_URL} caracteres).")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise LinkError("La dirección no puede tener espacios.")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise LinkError("La dirección no es válida.") from None
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(("http://", "https://")):
        raise LinkError("La dirección debe empezar con https:// o http://.")
    try:
        host, _port = parts.hostname or "", parts.port
    except ValueError:
        host = ""
    if "@" in parts.netloc or not _HOST.match(host):
        raise LinkError("La dirección no tiene un nombre de sitio válido (por ejemplo https://www.iecm.mx/...).")
    return url


def _title(text: str) -> str:
    title = clean(text)
    if not title:
        raise EventsError("Describa el medio de verificación.")
    if len(title) > 300:
        raise EventsError("La descripción es demasiado larga (máximo 300 caracteres).")
    return title


def add_link(activity: Activity, *, title: str, url: str, actor) -> ActivityEvidence:
    item = ActivityEvidence(activity_id=activity.id, kind="link", title=_title(title), url=check_url(url),
                            added_by_id=getattr(actor, "id", None))
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "activity.evidence_add", activity, {"evidence": item.id, "kind": "link", "url": item.url})
    db.session.commit()
    return item


def add_file(activity: Activity, *, title: str, stream: BinaryIO, actor) -> ActivityEvidence:
    """Stores the file if its content is a PDF, JPEG or PNG within the size limit; EventsError otherwise."""
    title = _title(title)
    try:
        key = documents.store_document(stream, kinds=FILE_KINDS)
    except documents.DocumentError as exc:
        raise FileProblem(str(exc)) from None
    try:
        item = ActivityEvidence(activity_id=activity.id, kind="file", title=title, document_key=key,
                                media_type=documents.document_content_type(key),
                                size_bytes=documents.document_path(key).stat().st_size,
                                added_by_id=getattr(actor, "id", None))
        db.session.add(item)
        db.session.flush()
        audit.record(actor, "activity.evidence_add", activity,
                     {"evidence": item.id, "kind": "file", "type": item.media_type, "bytes": item.size_bytes})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        documents.delete_document(key)
        raise
    return item


def remove(item: ActivityEvidence, *, actor) -> None:
    key = item.document_key
    audit.record(actor, "activity.evidence_remove", ("Activity", item.activity_id),
                 {"evidence": item.id, "kind": item.kind, "title": item.title})
    db.session.delete(item)
    db.session.commit()
    if key:
        documents.delete_document(key)


def download_name(item: ActivityEvidence) -> str:
    """A safe file name for the download: the folded title and the stored format's extension."""
    stem = re.sub(r"[^a-z0-9]+", "-", fold(item.title)).strip("-")[:80] or "evidencia"
    return f"{stem}.{item.document_key.rsplit('.', 1)[1]}"


def open_file(item: ActivityEvidence, *, actor) -> tuple[BinaryIO, str, str]:
    """(stream, content type, download name) of a file evidence; the download is audited and committed.
    EventsError when the evidence is a link or its file is gone."""
    if item.kind != "file" or not item.document_key:
        raise EventsError("Este medio de verificación es un enlace, no un archivo.")
    try:
        stream = documents.open_document(item.document_key)
    except (FileNotFoundError, documents.InvalidDocumentKey):
        raise EventsError("El archivo ya no está en el servidor; avise a la persona que administra el sistema.") \
            from None
    audit.record(actor, "activity.evidence_download", ("Activity", item.activity_id), {"evidence": item.id})
    db.session.commit()
    return stream, item.media_type or documents.document_content_type(item.document_key), download_name(item)
