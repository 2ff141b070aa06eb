"""What each upload question accepts, told from the content (never from the file's name or declared type).

The `filetype` library reads the first bytes of the file (magic numbers, and the first entries of an Office
document's zip) and names its format; plain text (CSV, TXT), which has no magic number, is text with no NUL
or other control bytes. The format's extension is what the stored key ends with, and the type it is served
with comes from it too. A question's `accept` (XLSForm `body::accept`, kept as `logic["accept"]`: MIME types,
`type/*` or `.ext`, separated by commas) can only narrow what its type accepts, never widen it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import filetype

from surveys.uploads.errors import UploadError

HEAD_BYTES = 8192  # what filetype reads to tell a format

# stored extension (filetype's name for the format) -> (served content type, name shown in messages)
FORMATS: dict[str, tuple[str, str]] = {
    "jpg": ("image/jpeg", "JPEG"), "png": ("image/png", "PNG"), "webp": ("image/webp", "WebP"),
    "gif": ("image/gif", "GIF"), "heic": ("image/heic", "HEIC"),
    "mp3": ("audio/mpeg", "MP3"), "ogg": ("audio/ogg", "OGG"), "wav": ("audio/wav", "WAV"),
    "m4a": ("audio/mp4", "M4A"), "aac": ("audio/aac", "AAC"), "webm": ("video/webm", "WebM"),
    "mp4": ("video/mp4", "MP4"), "mov": ("video/quicktime", "MOV"), "3gp": ("video/3gpp", "3GP"),
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "odt": ("application/vnd.oasis.opendocument.text", "ODT"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
    "csv": ("text/csv", "CSV"), "txt": ("text/plain", "TXT"),
}
IMAGES = ("jpg", "png", "webp", "gif", "heic")
TEXT = ("csv", "txt")
KINDS: dict[str, tuple[str, ...]] = {
    "image": IMAGES,
    "audio": ("mp3", "ogg", "wav", "m4a", "webm", "aac"),
    "video": ("mp4", "webm", "mov", "3gp"),
    "file": ("pdf", *IMAGES, "docx", "xlsx", "odt", "ods", *TEXT),
}
# other spellings an `accept` list may use for a format
_EXTENSIONS = {"jpg": {"jpeg", "jpe"}, "heic": {"heif"}, "mov": {"qt"}, "txt": {"text"}}
_MIMETYPES = {"jpg": {"image/jpg", "image/pjpeg"}, "heic": {"image/heif"}, "wav": {"audio/x-wav", "audio/wave"},
              "mp3": {"audio/mp3"}, "m4a": {"audio/x-m4a", "audio/m4a"}, "webm": {"audio/webm"},
              "csv": {"application/csv", "text/comma-separated-values"}}
_TEXT_BYTES = re.compile(rb"[^\x00-\x08\x0b\x0e-\x1f\x7f]*")  # tab, newlines and form feed allowed


def content_type(ext: str, kind: str = "") -> str:
    """The type a stored file is served with (a WebM answer to an audio question is audio/webm)."""
    if ext == "webm" and kind == "audio":
        return "audio/webm"
    return FORMATS[ext][0]


def _accept_tokens(accept: object) -> list[str]:
    if isinstance(accept, str):
        items: Iterable[object] = re.split(r"[,\s]+", accept)
    elif isinstance(accept, (list, tuple)):
        items = accept
    else:
        return []
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _matches(ext: str, kind: str, token: str) -> bool:
    if token.startswith("."):
        return token[1:] == ext or token[1:] in _EXTENSIONS.get(ext, ())
    served = content_type(ext, kind)
    types = {served, FORMATS[ext][0], *_MIMETYPES.get(ext, ())}
    if token.endswith("/*"):
        return any(mime.startswith(token[:-1]) for mime in types)
    return token in types


def allowed_formats(kind: str, accept: object = None) -> tuple[str, ...]:
    """The stored extensions a question of type `kind` accepts, narrowed by its `accept` (when given)."""
    formats = KINDS.get(kind, ())
    tokens = _accept_tokens(accept)
    if not tokens:
        return formats
    return tuple(ext for ext in formats if any(_matches(ext, kind, token) for token in tokens))


def is_text(data: bytes) -> bool:
    """Plain text: no NUL nor other control bytes (tab, line breaks and form feed allowed)."""
    return _TEXT_BYTES.fullmatch(data) is not None


def sniff(head: bytes, kind: str, accept: object = None, filename: str = "") -> str:
    """The stored extension of a file whose first bytes are `head` (at least HEAD_BYTES of it, or all of a
    shorter file), if a question of type `kind` with `accept` takes it; UploadError("type") otherwise.
    `filename` only chooses between CSV and TXT for a plain-text file."""
    allowed = allowed_formats(kind, accept)
    if not allowed:
        raise UploadError("none_accepted")
    guessed = filetype.guess(head)
    if guessed is not None:
        ext = guessed.extension
    elif is_text(head):
        ext = "csv" if filename.lower().endswith(".csv") else "txt"
        if ext not in allowed:  # the other plain-text format, when the question takes that one
            ext = next((name for name in TEXT if name in allowed), ext)
    else:
        ext = ""
    if ext not in allowed:
        raise UploadError("type", accepted=", ".join(FORMATS[name][1] for name in allowed))
    return ext
