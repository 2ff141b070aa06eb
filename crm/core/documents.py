"""Documents staff attach to records (a signed agreement's PDF, an activity's evidence), kept outside the database.

Files live in CRM_DOCUMENT_DIR (empty: the instance folder's `documents/`), each named by its *key*: a random
128-bit token and the extension of the format told from its content, `<32 hex digits>.<ext>`. The caller stores
the key in its record; the original file name is never part of a path, and every key is checked against one
strict pattern before a path is built from it, so no key can reach outside the folder.

The format is read from the first bytes with the `filetype` library (a PDF starts with `%PDF`); the name and the
type the browser declares are never trusted. The size limit (CRM_DOCUMENT_MAX_MB, 20 by default) is checked as
the chunks arrive: an oversized stream is refused after one chunk past the limit, never held in memory. A file
is written under a temporary name (mode 0600) and renamed into place once complete, so a key names a whole file.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app

from crm.core.errors import DomainError

CHUNK_BYTES = 64 * 1024
HEAD_BYTES = 8192  # what filetype reads to tell a format
DEFAULT_MAX_MB = 20
FOLDER_NAME = "documents"
TEMP_PREFIX = ".tmp-"
_KEY = re.compile(r"([0-9a-f]{32})\.([a-z0-9]{1,8})")


class DocumentError(DomainError):
    """A document that cannot be stored (empty, too large, not of an accepted type); the message is Spanish."""


class InvalidDocumentKey(ValueError):
    """A string that is not a document key (never turned into a path)."""


def is_document_key(value: object) -> bool:
    """True for a well-formed key of a known format: `<32 lower-case hex digits>.<extension>`, nothing else."""
    if not isinstance(value, str):
        return False
    match = _KEY.fullmatch(value)
    return match is not None and filetype.get_type(ext=match.group(2)) is not None


def document_root() -> Path:
    """The folder of every document (created on first use, readable by the service's user only)."""
    configured = current_app.config.get("CRM_DOCUMENT_DIR") or ""
    root = Path(configured) if configured else Path(current_app.instance_path) / FOLDER_NAME
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def document_path(key: str) -> Path:
    if not is_document_key(key):
        raise InvalidDocumentKey("not a document key")
    return document_root() / key


def max_bytes() -> int:
    return int(current_app.config.get("CRM_DOCUMENT_MAX_MB") or DEFAULT_MAX_MB) * 1024 * 1024


def kind_names(kinds: Iterable[str]) -> str:
    """`("pdf", "jpg")` -> "PDF o JPG", for messages."""
    names = [kind.upper() for kind in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " o " + names[-1]


def _read_head(stream: BinaryIO) -> bytes:
    parts, size = [], 0
    while size < HEAD_BYTES:
        part = stream.read(HEAD_BYTES - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def store_document(stream: BinaryIO, *, kinds: Iterable[str] = ("pdf",)) -> str:
    """Store the file read from `stream` if its content is one of `kinds` (filetype's extension names, e.g.
    "pdf", "jpg", "png", "docx"); returns its key. Raises DocumentError with a Spanish message (empty, wrong
    type, too large); nothing is left on disk then."""
    kinds = tuple(kinds)
    head = _read_head(stream)
    if not head:
        raise DocumentError("El archivo está vacío.")
    found = filetype.guess(head)
    if found is None or found.extension not in kinds:
        raise DocumentError(f"El archivo no es un documento {kind_names(kinds)} (se revisa su contenido, no su "
                            "nombre).")
    limit = max_bytes()
    root = document_root()
    token = secrets.token_hex(16)
    temporary = root / f"{TEMP_PREFIX}{token}"
    key = f"{token}.{found.extension}"
    try:
        _write(temporary, head, stream, limit)
        os.replace(temporary, document_path(key))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return key


def _write(path: Path, head: bytes, stream: BinaryIO, limit: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        size, chunk = 0, head
        while chunk:
            size += len(chunk)
            if size > limit:
                raise DocumentError(f"El archivo pesa más de {limit // (1024 * 1024)} MB, el máximo permitido.")
            out.write(chunk)
            chunk = stream.read(CHUNK_BYTES)
        out.flush()
        os.fsync(out.fileno())


def open_document(key: str) -> BinaryIO:
    """The stored file, open for reading. InvalidDocumentKey for a malformed key, FileNotFoundError when gone."""
    return document_path(key).open("rb")


def document_content_type(key: str) -> str:
    """The type a stored document is served with (from the format its content had)."""
    if not is_document_key(key):
        raise InvalidDocumentKey("not a document key")
    return filetype.get_type(ext=key.rsplit(".", 1)[1]).mime


def delete_document(key: str) -> bool:
    """Remove a stored document; False when it was already gone. InvalidDocumentKey for a malformed key."""
    try:
        document_path(key).unlink()
    except FileNotFoundError:
        return False
    return True
