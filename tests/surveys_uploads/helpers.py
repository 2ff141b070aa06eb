"""Shared pieces of the upload tests: sample contents of each format, a stream that counts what is read, and a
survey with upload questions and one stored answer."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

from crm.core.extensions import db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + b" " * 64
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"


def office(kind: str) -> bytes:
    """A minimal Office Open XML (docx/xlsx) or OpenDocument (odt/ods) package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        if kind in ("odt", "ods"):
            mime = {"odt": "text", "ods": "spreadsheet"}[kind]
            package.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{mime}")
            package.writestr("content.xml", "<x/>")
        else:
            package.writestr("[Content_Types].xml", "<Types/>")
            package.writestr("_rels/.rels", "<Relationships/>")
            package.writestr({"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind], "<x/>")
    return buffer.getvalue()


def question(kind: str, accept=None):
    return SimpleNamespace(type=kind, logic={"accept": accept} if accept is not None else {})


class CountingStream(io.RawIOBase):
    """`size` bytes starting with `head`, produced as they are read; remembers how much was read and the
    largest single read (a reader that slurps the whole stream shows up in both)."""

    def __init__(self, size: int, head: bytes = PDF) -> None:
        self.size, self.head, self.served, self.largest_read = size, head, 0, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        remaining = self.size - self.served
        count = remaining if n is None or n < 0 else min(n, remaining)
        self.largest_read = max(self.largest_read, count)
        start = self.served
        self.served += count
        data = bytearray(b" " * count)
        if start < len(self.head):
            piece = self.head[start:start + count]
            data[:len(piece)] = piece
        return bytes(data)


def survey_with_upload(kind: str = "image"):
    """A survey with one upload question `foto` (of `kind`) and a text question, and no responses."""
    from tests.factories import make_survey

    return make_survey([{"name": "foto", "type": kind, "labels": {"es": "Foto"}},
                        {"name": "opinion", "type": "text", "labels": {"es": "Opinión"}}])


def answer_with_file(survey, content: bytes = PNG, filename: str = "foto.png"):
    """A response of `survey` whose `foto` answer is a stored file; returns (response, key)."""
    from surveys.models import Answer, Response
    from surveys.uploads.storage import store_upload

    foto = next(q for q in survey.questions if q.name == "foto")
    key = store_upload(survey.id, foto, io.BytesIO(content), filename, "image/png")
    response = Response(survey_id=survey.id, channel="web")
    response.answers.append(Answer(question_id=foto.id, value=key))
    db.session.add(response)
    db.session.commit()
    return response, key
