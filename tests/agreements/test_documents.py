"""crm.core.documents: the type told from the content, the size limit as the chunks arrive, opaque keys that
cannot reach outside the folder, nothing left on disk after a refusal."""

from __future__ import annotations

import io

import pytest

from crm.core import documents
from tests.agreements.conftest import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_pdf_is_stored_under_an_opaque_key_and_read_back(app, _files_in_tmp):
    key = documents.store_document(io.BytesIO(PDF), kinds=("pdf",))
    assert documents.is_document_key(key) and key.endswith(".pdf") and len(key) == 36
    with documents.open_document(key) as stored:
        assert stored.read() == PDF
    assert documents.document_content_type(key) == "application/pdf"
    assert (_files_in_tmp / key).stat().st_mode & 0o777 == 0o600
    assert documents.delete_document(key) is True
    assert documents.delete_document(key) is False


@pytest.mark.parametrize("content", [PNG, b"Hola, esto no es un PDF aunque se llame convenio.pdf", b"PDF-1.4 %"])
def test_anything_but_a_pdf_is_refused_in_spanish(app, _files_in_tmp, content):
    with pytest.raises(documents.DocumentError, match="no es un documento PDF"):
        documents.store_document(io.BytesIO(content))
    assert not _files_in_tmp.exists() or list(_files_in_tmp.iterdir()) == []


def test_an_empty_file_is_refused(app):
    with pytest.raises(documents.DocumentError, match="vacío"):
        documents.store_document(io.BytesIO(b""))


def test_the_size_limit_is_checked_while_reading_and_leaves_nothing(app, _files_in_tmp):
    app.config["CRM_DOCUMENT_MAX_MB"] = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(documents.DocumentError, match="pesa más de 1 MB"):
        documents.store_document(io.BytesIO(big))
    assert list(_files_in_tmp.iterdir()) == []
    exactly = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert documents.store_document(io.BytesIO(exactly))


def test_other_kinds_for_other_callers(app):
    key = documents.store_document(io.BytesIO(PNG), kinds=("pdf", "png"))
    assert key.endswith(".png") and documents.document_content_type(key) == "image/png"
    with pytest.raises(documents.DocumentError, match="PDF o PNG"):
        documents.store_document(io.BytesIO(b"texto"), kinds=("pdf", "png"))


@pytest.mark.parametrize("key", [
    "../../etc/passwd", "/etc/passwd", "0" * 32 + ".pdf/../x", "0" * 31 + ".pdf", "A" * 32 + ".pdf",
    "0" * 32 + ".zzz", "0" * 32 + ".PDF", "0" * 32 + ".pdf\n", "..%2F" + "0" * 32 + ".pdf", "", None, 42,
])
def test_a_key_that_is_not_one_never_becomes_a_path(app, key):
    assert not documents.is_document_key(key)
    with pytest.raises(documents.InvalidDocumentKey):
        documents.open_document(key)
    with pytest.raises(documents.InvalidDocumentKey):
        documents.delete_document(key)
