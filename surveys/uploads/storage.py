"""Where uploaded files live: CRM_UPLOAD_DIR (empty: the instance folder's `survey_files/`), one folder per
survey, each file named by a random 128-bit token and the extension of its sniffed format.

`store_upload` returns the Answer's value, the file's *key* `<survey_id>/<32 hex digits>.<ext>`; the
respondent's file name is never part of a path. Keys are checked against one strict pattern before any path
is built from them (`is_upload_key`), so no key can reach outside the folder. The size limit
(CRM_UPLOAD_MAX_MB, 10 by default) is checked as the chunks arrive: an oversized stream is refused after
reading one chunk past the limit, never held in memory. A file is written to a temporary name (mode 0600)
and renamed into place only once complete, so a key always names a whole file.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from surveys.uploads.errors import UploadError
from surveys.uploads.sniffing import FORMATS, HEAD_BYTES, TEXT, allowed_formats, content_type, is_text, sniff

CHUNK_BYTES = 64 * 1024
DEFAULT_MAX_MB = 10
FOLDER_NAME = "survey_files"
TEMP_PREFIX = ".tmp-"
_KEY = re.compile(r"([1-9][0-9]{0,17})/([0-9a-f]{32})\.(" + "|".join(re.escape(ext) for ext in FORMATS) + ")")


class InvalidUploadKey(ValueError):
    """A string that is not an upload key (never turned into a path)."""


def is_upload_key(value: object) -> bool:
    """True for a well-formed key: `<survey id>/<32 lower-case hex digits>.<known extension>`, nothing else."""
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def key_parts(key: str) -> tuple[int, str, str]:
    """(survey id, token, extension) of a valid key; InvalidUploadKey otherwise."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise InvalidUploadKey("not an upload key")
    return int(match.group(1)), match.group(2), match.group(3)


def upload_root() -> Path:
    """The folder of every survey's files (created on first use, readable by the service's user only)."""
    configured = current_app.config.get("CRM_UPLOAD_DIR") or ""
    root = Path(configured) if configured else Path(current_app.instance_path) / FOLDER_NAME
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def upload_path(key: str) -> Path:
    survey_id, token, ext = key_parts(key)
    return upload_root() / str(survey_id) / f"{token}.{ext}"


def max_bytes() -> int:
    return int(current_app.config.get("CRM_UPLOAD_MAX_MB") or DEFAULT_MAX_MB) * 1024 * 1024


def _read_head(stream: BinaryIO) -> bytes:
    """At least HEAD_BYTES from the stream (fewer only at its end)."""
    parts, size = [], 0
    while size < HEAD_BYTES:
        part = stream.read(HEAD_BYTES - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def store_upload(survey_id: int, question, stream: BinaryIO, filename: str = "", mimetype: str = "") -> str:
    """Store the file read from `stream` for `question` (anything with `.type` image/audio/video/file and
    `.logic`, whose "accept" may narrow the formats) of survey `survey_id`; returns its key (the Answer's value).

    The format is told from the content; `filename` only tells CSV from TXT and `mimetype` is ignored (both come
    from the browser and are not trusted). Raises UploadError (too_large, type, none_accepted, empty); nothing is
    left on disk then. The caller stores the key in an Answer; a key no answer refers to is removed by the
    hourly sweep (cleanup.purge_orphan_uploads) after a day."""
    del mimetype  # declared by the browser: never trusted
    limit = max_bytes()
    head = _read_head(stream)
    if not head:
        raise UploadError("empty")
    logic = getattr(question, "logic", None) or {}
    ext = sniff(head, question.type, logic.get("accept"), filename or "")
    accepted = ", ".join(FORMATS[name][1] for name in allowed_formats(question.type, logic.get("accept")))
    folder = upload_root() / str(int(survey_id))
    folder.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_hex(16)
    temporary = folder / f"{TEMP_PREFIX}{token}"
    try:
        _write(temporary, head, stream, limit, text_accepted=accepted if ext in TEXT else None)
        key = f"{int(survey_id)}/{token}.{ext}"
        os.replace(temporary, upload_path(key))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return key


def _write(path: Path, head: bytes, stream: BinaryIO, limit: int, *, text_accepted: str | None) -> None:
    """Write the head and the rest of the stream, chunk by chunk, refusing past `limit` bytes (and, for plain
    text, at the first control byte)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        size, chunk = 0, head
        while chunk:
            size += len(chunk)
            if size > limit:
                raise UploadError("too_large", limit=limit // (1024 * 1024))
            if text_accepted is not None and not is_text(chunk):
                raise UploadError("type", accepted=text_accepted)
            out.write(chunk)
            chunk = stream.read(CHUNK_BYTES)
        out.flush()
        os.fsync(out.fileno())


def open_upload(key: str) -> BinaryIO:
    """The stored file, open for reading. InvalidUploadKey for a malformed key, FileNotFoundError when gone."""
    return upload_path(key).open("rb")


def upload_content_type(key: str, kind: str = "") -> str:
    """The type a stored file is served with (from its sniffed format)."""
    return content_type(key_parts(key)[2], kind)


def delete_upload(key: str) -> bool:
    """Remove a stored file; False when it was already gone. InvalidUploadKey for a malformed key."""
    path = upload_path(key)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
