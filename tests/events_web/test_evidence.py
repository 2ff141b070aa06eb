"""Evidence of an activity (the matrix's means of verification): links, files checked by content and size and
kept outside the database, downloads only for who may see personal data, everything audited."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import ActivityEvidence
from tests.factories import make_activity

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def documents(app, tmp_path) -> Path:
    app.instance_path = str(tmp_path / "instance")
    app.config["CRM_DOCUMENT_DIR"] = str(tmp_path / "documents")
    app.config["CRM_DOCUMENT_MAX_MB"] = 1
    return tmp_path / "documents"


def _stored(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


def _count() -> int:
    return db.session.scalar(select(func.count(ActivityEvidence.id)))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _link(client, activity, url, title="Nota publicada"):
    return client.post(f"/actividades/{activity.id}/evidencias/enlace",
                       data={"link_title": title, "url": url})


def _file(client, activity, content: bytes, name: str, title="Lista de asistencia"):
    return client.post(f"/actividades/{activity.id}/evidencias/archivo", content_type="multipart/form-data",
                       data={"file_title": title, "file": (io.BytesIO(content), name)})


def test_a_link_is_added_shown_and_audited(client, login_as):
    activity = make_activity()
    login_as("staff")
    response = _link(client, activity, "https://www.iecm.mx/noticias/foro-2025")
    assert response.status_code == 302
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert 'href="https://www.iecm.mx/noticias/foro-2025"' in page and "Medios de verificación (1)" in page
    assert "activity.evidence_add" in _actions()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://archivos.iecm.mx/informe.pdf", "https://",
                                 "www.iecm.mx/informe", "https://www.iecm .mx/x", "https://persona@evil.example/x",
                                 "data:text/html,<script>alert(1)</script>", "https://localhost/x"])
def test_a_link_that_is_not_http_or_https_is_refused_with_a_message(client, login_as, url):
    activity = make_activity()
    login_as("staff")
    response = _link(client, activity, url, title="Título escrito")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "La dirección" in page
    assert "Título escrito" in page  # what was typed stays
    assert _count() == 0


def test_the_database_itself_refuses_a_link_that_is_not_http(app):
    activity = make_activity()
    db.session.add(ActivityEvidence(activity_id=activity.id, kind="link", title="x", url="javascript:alert(1)"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(ActivityEvidence(activity_id=activity.id, kind="file", title="x", url="https://a.example/x"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_pdf_is_stored_outside_the_database_and_downloaded_with_permission_and_audit(client, login_as,
                                                                                      documents):
    activity = make_activity()
    login_as("staff")
    response = _file(client, activity, PDF, "lista.pdf", title="Lista de asistencia firmada")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    item = db.session.scalar(select(ActivityEvidence))
    (path,) = _stored(documents)
    assert path.name == item.document_key and path.read_bytes() == PDF
    assert (item.kind, item.media_type, item.size_bytes, item.url) == ("file", "application/pdf", len(PDF), None)
    url = f"/actividades/{activity.id}/evidencias/{item.id}/archivo"
    assert f'href="{url}"' in client.get(f"/actividades/{activity.id}").get_data(as_text=True)

    client.post("/salir")
    login_as("viewer")  # may see activities, not personal data
    assert client.get(url).status_code == 403
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert "Lista de asistencia firmada" in page and f'href="{url}"' not in page
    assert "activity.evidence_download" not in _actions()

    client.post("/salir")
    login_as("coordinator")
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert 'attachment; filename=lista-de-asistencia-firmada.pdf' in response.headers["Content-Disposition"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.evidence_download"))
    assert entry.details == {"evidence": item.id} and entry.target_id == str(activity.id)
    # another activity's address does not reach this file
    other = make_activity()
    assert client.get(f"/actividades/{other.id}/evidencias/{item.id}/archivo").status_code == 404


def test_an_image_is_accepted(client, login_as, documents):
    activity = make_activity()
    login_as("staff")
    assert _file(client, activity, PNG, "foto.png", title="Fotografía del evento").status_code == 302
    assert db.session.scalar(select(ActivityEvidence.media_type)) == "image/png"


@pytest.mark.parametrize("content,name,message", [
    (b"<html><script>alert(1)</script></html>", "informe.pdf", "no es un documento PDF, JPG o PNG"),
    (b"PK\x03\x04" + b"\x00" * 200, "informe.docx", "no es un documento PDF, JPG o PNG"),
    (b"", "vacio.pdf", "está vacío"),
    (PDF + b"0" * (1024 * 1024), "grande.pdf", "pesa más de 1 MB"),
])
def test_a_file_of_another_type_or_too_large_is_refused_and_nothing_is_kept(client, login_as, documents,
                                                                             content, name, message):
    activity = make_activity()
    login_as("staff")
    response = _file(client, activity, content, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0 and _stored(documents) == []
    assert "activity.evidence_add" not in _actions()


def test_removing_a_file_evidence_deletes_the_record_and_the_file(client, login_as, documents):
    activity = make_activity()
    login_as("staff")
    _file(client, activity, PDF, "lista.pdf")
    item = db.session.scalar(select(ActivityEvidence))
    assert len(_stored(documents)) == 1
    response = client.post(f"/actividades/{activity.id}/evidencias/{item.id}/quitar")
    assert response.status_code == 302
    assert _count() == 0 and _stored(documents) == []
    assert _actions()[-1] == "activity.evidence_remove"


def test_viewer_cannot_add_or_remove_evidence(client, login_as, documents):
    activity = make_activity()
    login_as("viewer")
    assert _link(client, activity, "https://www.iecm.mx/").status_code == 403
    assert _file(client, activity, PDF, "lista.pdf").status_code == 403
    assert _count() == 0 and _stored(documents) == []
