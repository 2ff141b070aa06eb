"""Uploads on the respondent page (surveys.respond.views): the files a person chooses in image, audio, video
and file questions, stored only once the submission passes every other check, and the keys of stored files
carried between the pages of a field-list form in signed hidden inputs.

- `read_uploads` reads a POST: the files chosen (`Posted.chosen`, not stored yet), the keys carried from an
  earlier round (`Posted.kept`, verified), and the form data for surveys.respond.form.validate, where each
  upload field holds an `UploadValue` (a verified key, or `PENDING` for a chosen file) and never a text the
  browser posted: `upload_rows` turns only an `UploadValue` into an answer row, so no one can post the key of
  someone else's file as their answer.
- `store_chosen` streams the chosen files to surveys.uploads.storage.store_upload once everything else
  passed (the whole form, or the page being left); an `UploadError` stays with its question and the person
  chooses that file again (a browser never keeps a file input across a round trip); the files stored are
  kept (`Posted.kept`) and carried.
- `signed_fields` are the hidden inputs `_archivo_q_NAME` carrying a stored key: signed with the application's
  secret (itsdangerous), tied to the survey, the question and the submission key `_clave`, so a key cannot be
  replayed into another response or question, and valid for `KEY_MAX_AGE`, less than the day the hourly sweep
  (surveys.uploads.cleanup) waits before removing a file no answer refers to. A stored file that never
  becomes an answer (the person leaves, or replaces it) is removed by that sweep.
- `UploadsView` is what the template shows: the `accept` list and `capture` hint of each question, the formats
  and size allowed, the files already received, and those to choose again.

Drafts never keep files: `without_uploads` is the form data a draft saves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from surveys.models import UPLOADS
from surveys.uploads.cleanup import ORPHAN_MIN_AGE
from surveys.uploads.errors import UploadError
from surveys.uploads.sniffing import FORMATS, allowed_formats, content_type
from surveys.uploads.storage import (
    delete_upload,
    is_upload_key,
    key_parts,
    max_bytes,
    store_upload,
    upload_path,
)

KEY_PREFIX = "_archivo_"  # + the question's field name: the signed key of a file stored in an earlier round
REMOVE_PREFIX = "_quitar_"  # + the question's field name: «Quitar el archivo recibido»
SALT = "surveys.uploads.respondent-key"
KEY_MAX_AGE = int(ORPHAN_MIN_AGE.total_seconds()) - 4 * 3600  # well before the sweep may remove the file
_ALIASES = {"jpg": ("jpeg",), "heic": ("heif",), "mov": ("qt",)}
# XLSForm appearances of image/audio/video that ask for a new recording (ODK: no file chooser)
_CAPTURE = {"new": "environment", "new-front": "user", "selfie": "user"}


class UploadValue(str):
    """An upload question's value in the form data validate reads, put there by `read_uploads` only: a
    verified key or PENDING. A text the browser posts is a plain str and never becomes an answer."""


PENDING = UploadValue("(archivo por guardar)")


@dataclass
class Posted:
    """The upload questions of one POST (question name -> ...)."""

    data: MultiDict  # the form data, each upload field an UploadValue or absent
    survey_id: int = 0
    items: dict = field(default_factory=dict)  # name -> the form's Item
    chosen: dict = field(default_factory=dict)  # name -> werkzeug FileStorage, not stored yet
    kept: dict[str, str] = field(default_factory=dict)  # name -> key of a stored file (verified or just stored)
    lost: set[str] = field(default_factory=set)  # names whose carried key did not verify (forged or expired)
    fresh: set[str] = field(default_factory=set)  # keys stored by this request
    errors: dict[str, UploadError] = field(default_factory=dict)


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def upload_items(items: Sequence) -> list:
    return [item for item in items if item.type in UPLOADS and item.question.name]


def has_uploads(items: Sequence) -> bool:
    return bool(upload_items(items))


def without_uploads(items: Sequence, form: Mapping) -> MultiDict:
    """The form data with no upload field (what a draft keeps: never a file, nor a key)."""
    data = MultiDict(form)
    for item in upload_items(items):
        data.poplist(item.name)
    return data


def _verified(secret: str, token: str, *, clave: str, survey_id: int, name: str) -> str | None:
    try:
        found = _serializer(secret).loads(token, max_age=KEY_MAX_AGE)
    except BadData:
        return None
    if not (isinstance(found, list) and len(found) == 4):
        return None
    signed_survey, signed_clave, signed_name, key = found
    if signed_survey != survey_id or signed_clave != clave or signed_name != name or not is_upload_key(key):
        return None
    if key_parts(key)[0] != survey_id or not upload_path(key).is_file():
        return None
    return key


def read_uploads(items: Sequence, form: Mapping, files: Mapping | None, *, secret: str, clave: str | None,
                 survey_id: int) -> Posted:
    """The upload questions of a POST: `form` and `files` are the request's, `clave` its submission key."""
    uploads = upload_items(items)
    posted = Posted(data=MultiDict(form) if uploads else form, survey_id=survey_id)  # no copy without uploads
    for item in uploads:
        name = item.question.name
        posted.items[name] = item
        posted.data.poplist(item.name)  # a text posted under the question's name is never its answer
        token = form.get(KEY_PREFIX + item.name)
        if isinstance(token, str) and token and not form.get(REMOVE_PREFIX + item.name):
            key = _verified(secret, token, clave=clave, survey_id=survey_id, name=name) if clave else None
            if key:
                posted.kept[name] = key
            else:
                posted.lost.add(name)
        storage = files.get(item.name) if files is not None else None
        if storage is not None and storage.filename:
            posted.chosen[name] = storage
        value = PENDING if name in posted.chosen else posted.kept.get(name)
        if value:
            posted.data[item.name] = UploadValue(value)
    return posted


def upload_rows(question, raw) -> list[dict]:
    """The Answer row of an upload question (surveys.respond.form.validate): only for an UploadValue."""
    if isinstance(raw, UploadValue) and raw:
        return [{"question_id": question.id, "value": raw}]
    return []


def store_chosen(posted: Posted, answers: list[dict]) -> dict[str, UploadError]:
    """Stores the chosen files that are answers (`answers`: validate's rows; a question that is not relevant,
    or fails its constraint, has none); returns the refused ones (question name -> UploadError), kept in
    `posted`. A stored file replaces the key carried for its question."""
    wanted = {row["question_id"] for row in answers if isinstance(row.get("value"), UploadValue)}
    for name, storage in list(posted.chosen.items()):
        if posted.items[name].question.id not in wanted:
            continue
        question = posted.items[name].question
        try:
            key = store_upload(posted.survey_id, question, storage.stream, storage.filename or "",
                               storage.mimetype or "")
        except UploadError as error:
            posted.errors[name] = error
            continue
        finally:
            del posted.chosen[name]
        posted.kept[name] = key
        posted.fresh.add(key)
    return dict(posted.errors)


def complete(posted: Posted, answers: list[dict]) -> list[dict]:
    """The answer rows to store: each upload answer's PENDING replaced by its stored key."""
    names = {item.question.id: name for name, item in posted.items.items()}
    rows = []
    for row in answers:
        name = names.get(row.get("question_id"))
        if name is not None and "value" in row:
            key = posted.kept.get(name)
            if not key:
                continue
            row = {**row, "value": str(key)}
        rows.append(row)
    return rows


def discard_fresh(posted: Posted) -> None:
    """Removes the files this request stored (the response was not stored: a repeated POST, a used link)."""
    for key in posted.fresh:
        delete_upload(key)
    posted.fresh.clear()


def shown_values(posted: Posted, values: dict) -> dict:
    """The values to render again: an upload field holds its kept key, else nothing (a file input has no
    value, and a chosen file that was not stored is gone)."""
    shown = dict(values)
    for name, item in posted.items.items():
        shown[item.name] = posted.kept.get(name, "")
    return shown


def render_state(posted: Posted, values, errors: dict, messages: dict, lang: str) -> tuple:
    """(values, errors, messages) of a form shown again: each refused file's message in the page's language
    (error code "upload"), and the upload fields' values as `shown_values` says."""
    errors = {**errors, **dict.fromkeys(posted.errors, "upload")}
    messages = {**messages, **{name: error.message(lang) for name, error in posted.errors.items()}}
    return (values if values is None else shown_values(posted, values)), errors, messages


def signed_fields(posted: Posted | None, *, secret: str, clave: str) -> list[tuple[str, str]]:
    """(hidden field name, signed key) of every kept file, for the submission key `clave` rendered."""
    if posted is None or not clave:
        return []
    serializer = _serializer(secret)
    return [(KEY_PREFIX + posted.items[name].name, serializer.dumps([posted.survey_id, clave, name, key]))
            for name, key in posted.kept.items()]


def size_limits() -> tuple[int, int]:
    """(MB a whole submission may weigh, MB each file may weigh)."""
    total = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return total // (1024 * 1024), max_bytes() // (1024 * 1024)


def too_large_texts() -> tuple[str, list[str]]:
    """The title and paragraphs of the page for a submission over MAX_CONTENT_LENGTH (in the page's language)."""
    total, each = size_limits()
    return (_("Los archivos son demasiado grandes"),
            [_("Lo que envió pesa más de %(total)s MB, el máximo que se puede enviar de una vez; no se guardó nada.",
               total=total),
             _("Cada archivo puede pesar hasta %(maximo)s MB. Regrese con el botón «Atrás» de su navegador, elija "
               "archivos más ligeros (por ejemplo, una foto de menor resolución o un video más corto) y envíe de "
               "nuevo.", maximo=each)])


# --- what the template shows ---------------------------------------------------------------------


def _formats(item) -> tuple[str, ...]:
    return allowed_formats(item.type, (item.question.logic or {}).get("accept"))


@dataclass
class UploadsView:
    """The respondent template's `files`: per question, what it accepts and what was received."""

    received: dict[str, str] = field(default_factory=dict)  # question name -> format received ("PNG")
    reselect: set[str] = field(default_factory=set)  # a chosen file not kept: choose it again
    signed: list[tuple[str, str]] = field(default_factory=list)  # hidden inputs

    @staticmethod
    def accept(item) -> str:
        """The input's `accept`: the content types and extensions the question takes."""
        formats = _formats(item)
        types = dict.fromkeys(content_type(ext, item.type) for ext in formats)
        suffixes = [f".{name}" for ext in formats for name in (ext, *_ALIASES.get(ext, ()))]
        return ",".join([*types, *dict.fromkeys(suffixes)])

    @staticmethod
    def capture(item) -> str:
        """The input's `capture` (camera or microphone straight away on a phone) for XLSForm's `new`
        appearances; empty otherwise, so the person may also choose a file already on the phone."""
        if item.type not in ("image", "audio", "video"):
            return ""
        for appearance in (item.question.appearance or "").lower().split():
            if appearance in _CAPTURE:
                return "user" if item.type == "audio" else _CAPTURE[appearance]
        return ""

    @staticmethod
    def formats(item) -> str:
        return ", ".join(FORMATS[ext][1] for ext in _formats(item))

    @staticmethod
    def limit_mb() -> int:
        return size_limits()[1]

    @staticmethod
    def remove_field(item) -> str:
        return REMOVE_PREFIX + item.name


def uploads_view(posted: Posted | None, *, secret: str, clave: str) -> UploadsView:
    if posted is None:
        return UploadsView()
    received = {name: FORMATS[key_parts(key)[2]][1] for name, key in posted.kept.items()}
    reselect = ({*posted.chosen, *posted.errors, *posted.lost}) - set(posted.kept)
    return UploadsView(received=received, reselect=reselect,
                       signed=signed_fields(posted, secret=secret, clave=clave))
