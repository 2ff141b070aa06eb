"""Storing uploads: the size limit checked while the file streams in, the format told from the content (not
the name nor the declared type), the question's `accept`, keys that never hold the person's file name."""

from __future__ import annotations

import io
import os
import stat

import pytest

from surveys.uploads.errors import UploadError
from surveys.uploads.storage import (
    CHUNK_BYTES,
    HEAD_BYTES,
    delete_upload,
    is_upload_key,
    key_parts,
    open_upload,
    store_upload,
    upload_content_type,
)
from tests.surveys_uploads.helpers import (
    EXE,
    HTML,
    JPEG,
    MP3,
    MP4,
    PDF,
    PNG,
    WAV,
    CountingStream,
    office,
    question,
)

MB = 1024 * 1024


def _store(kind, content, filename="archivo", accept=None, survey_id=7):
    return store_upload(survey_id, question(kind, accept), io.BytesIO(content), filename, "application/octet-stream")


def test_an_oversized_stream_is_refused_while_it_streams(files):
    stream = CountingStream(11 * MB)
    with pytest.raises(UploadError) as refused:
        store_upload(3, question("file"), stream, "informe.pdf", "application/pdf")
    assert refused.value.code == "too_large" and refused.value.status == 413
    assert "10 MB" in refused.value.message("es") and "10 MB" in refused.value.message("en")
    # refused one chunk past the limit: the rest of the 11 MB was never read, and never in one piece
    assert stream.served <= 10 * MB + CHUNK_BYTES + HEAD_BYTES < stream.size
    assert stream.largest_read <= max(CHUNK_BYTES, HEAD_BYTES)
    assert not any(path.is_file() for path in files.rglob("*"))  # no partial file left behind


def test_the_limit_is_configurable_and_a_file_at_the_limit_is_kept(app, files):
    app.config["CRM_UPLOAD_MAX_MB"] = 1
    key = store_upload(3, question("file"), CountingStream(1 * MB), "a.pdf", "")
    assert os.path.getsize(files / key) == MB
    with pytest.raises(UploadError, match="1 MB"):
        store_upload(3, question("file"), CountingStream(1 * MB + 1), "a.pdf", "")


def test_a_pdf_named_jpg_is_refused_for_an_image_question(files):
    with pytest.raises(UploadError) as refused:
        store_upload(3, question("image"), io.BytesIO(PDF), "foto.jpg", "image/jpeg")
    assert refused.value.code == "type" and refused.value.status == 415
    assert refused.value.message("es").startswith("Este tipo de archivo no se acepta")
    assert "JPEG, PNG, WebP, GIF, HEIC" in refused.value.message("en")
    assert not any(files.rglob("*.*"))


@pytest.mark.parametrize(("kind", "content", "ext"), [
    ("image", PNG, "png"), ("image", JPEG, "jpg"), ("audio", MP3, "mp3"), ("audio", WAV, "wav"),
    ("video", MP4, "mp4"), ("file", PDF, "pdf"), ("file", JPEG, "jpg"), ("file", office("docx"), "docx"),
    ("file", office("xlsx"), "xlsx"), ("file", office("odt"), "odt"), ("file", office("ods"), "ods"),
])
def test_accepted_formats_are_stored_under_their_sniffed_extension(files, kind, content, ext):
    key = _store(kind, content, filename="../../etc/passwd.exe")
    survey_id, token, stored_ext = key_parts(key)
    assert survey_id == 7 and stored_ext == ext and len(token) == 32
    assert "passwd" not in key and ".." not in key
    assert (files / key).read_bytes() == content
    assert stat.S_IMODE((files / key).stat().st_mode) == 0o600


@pytest.mark.parametrize(("kind", "content"), [
    ("image", MP3), ("image", office("docx")), ("audio", PNG), ("video", MP3), ("file", EXE), ("file", MP4),
    ("file", b"\x00\x01\x02binary"), ("image", HTML), ("audio", b"plain words"),
])
def test_other_formats_are_refused(files, kind, content):
    with pytest.raises(UploadError) as refused:
        _store(kind, content, filename=f"x.{ {'image': 'png', 'audio': 'mp3'}.get(kind, 'pdf')}")
    assert refused.value.code == "type"


def test_plain_text_is_csv_or_txt_and_a_nul_byte_anywhere_refuses_it(files):
    assert _store("file", b"nombre,edad\nRosa,34\n", filename="datos.CSV").endswith(".csv")
    assert _store("file", "Un texto con acentos: ñandú".encode("latin-1"), filename="nota").endswith(".txt")
    late_nul = b"a" * (HEAD_BYTES + 3 * CHUNK_BYTES) + b"\x00" + b"b" * 10
    with pytest.raises(UploadError):
        _store("file", late_nul, filename="datos.csv")
    assert len([path for path in files.rglob("*") if path.is_file()]) == 2  # the refused one left nothing


def test_accept_narrows_the_formats_and_never_widens_them(files):
    assert _store("file", PDF, accept="application/pdf").endswith(".pdf")
    with pytest.raises(UploadError, match="PDF"):
        _store("file", PNG, accept="application/pdf")
    assert _store("file", PNG, accept=["image/*", ".docx"]).endswith(".png")
    assert _store("file", office("docx"), accept="image/*, .docx").endswith(".docx")
    with pytest.raises(UploadError) as refused:
        _store("file", EXE, accept=".exe,application/x-msdownload")
    assert refused.value.code == "none_accepted"


def test_an_empty_file_is_refused(files):
    with pytest.raises(UploadError) as refused:
        _store("file", b"")
    assert refused.value.code == "empty" and refused.value.message("en") == "The file is empty. Choose another file."


def test_open_and_delete_take_only_well_formed_keys(files):
    key = _store("image", PNG)
    with open_upload(key) as handle:
        assert handle.read() == PNG
    assert upload_content_type(key) == "image/png"
    (files / "secreto.txt").write_text("no")
    for bad in ("../secreto.txt", "7/../../secreto.txt", "/etc/passwd", key.upper(), key + "\n", key + "/",
                "7/" + "a" * 32 + ".exe", "07/" + key.split("/")[1], "7\\" + key.split("/")[1]):
        assert not is_upload_key(bad)
        with pytest.raises(ValueError):
            open_upload(bad)
        with pytest.raises(ValueError):
            delete_upload(bad)
    assert (files / "secreto.txt").exists()
    assert delete_upload(key) is True and delete_upload(key) is False
    with pytest.raises(FileNotFoundError):
        open_upload(key)
