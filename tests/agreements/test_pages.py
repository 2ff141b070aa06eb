"""The agreements' staff pages: who may do what, the forms (Spanish errors), the signed PDF (type and size checked,
downloads audited), the filters, the home block, the web import and the export."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm.contacts.models import Organization
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.events.agreements import services
from crm.events.agreements.models import Agreement
from tests.agreements.conftest import PDF
from tests.factories import make_user


def audited(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def make_agreement(folio="IECM/CONV/001/2025", counterparts="IETAM", **kwargs) -> Agreement:
    return services.save_agreement(None, folio=folio, title="Convenio de colaboración", counterparts=counterparts,
                                   type="convenio_general", since=date(2024, 12, 1), actor=make_user(), **kwargs)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "manage", "export"), [
    ("viewer", 403, 403), ("coordinator", 200, 200), ("staff", 200, 403), ("admin", 200, 200)])
def test_who_may_see_record_and_export(client, login_as, program, role, manage, export):
    agreement = make_agreement()
    login_as(role)
    assert client.get("/convenios").status_code == 200
    assert client.get(f"/convenios/{agreement.id}").status_code == 200
    assert client.get("/convenios/nuevo").status_code == manage
    assert client.get(f"/convenios/{agreement.id}/editar").status_code == manage
    assert client.post(f"/convenios/{agreement.id}/estado", data={}).status_code in ((422,) if manage == 200 else (403,))
    assert client.get("/convenios/exportar").status_code == export


def test_a_coordinator_records_edits_and_moves_an_agreement(client, login_as, program):
    coordinator = login_as("coordinator")
    response = client.post("/convenios/nuevo", data={
        "folio": "IECM/CONV/020/2025", "title": "Convenio con el IETAM", "counterparts": "IETAM; UNAM",
        "type": "convenio_especifico", "responsible_area": "Secretaría Ejecutiva", "since": "2025-01-05"})
    assert response.status_code == 302, text(response)
    agreement = db.session.scalar(select(Agreement))
    assert agreement.state == "en_negociacion" and agreement.transitions[0].on_date == date(2025, 1, 5)
    page = text(client.get(f"/convenios/{agreement.id}"))
    assert "En negociación" in page and "IETAM" in page and coordinator.email in page

    response = client.post(f"/convenios/{agreement.id}/editar", data={
        "folio": "IECM/CONV/020/2025", "title": "Convenio específico con el IETAM", "counterparts": "IETAM",
        "type": "convenio_especifico", "signed_on": "2025-03-01", "valid_until": "2025-02-01"})
    assert response.status_code == 422
    assert "El fin de la vigencia (2025-02-01) es anterior a la firma (2025-03-01)." in text(response)

    for to_state, on, line in (("en_dictamen", "2025-01-20", ""), ("dictaminado", "2025-02-03", "AI1.7"),
                               ("firmado", "2025-03-01", "AI1.6")):
        response = client.post(f"/convenios/{agreement.id}/estado",
                               data={"to_state": to_state, "on_date": on, "line": line})
        assert response.status_code == 302, text(response)
    db.session.expire_all()
    assert (agreement.state, agreement.signed_on, agreement.signing_line.code) == (
        "firmado", date(2025, 3, 1), "AI1.6")
    assert {t.actor_id for t in agreement.transitions} == {coordinator.id}
    response = client.post(f"/convenios/{agreement.id}/estado", data={"to_state": "en_dictamen", "on_date": "2025-03-02"})
    assert response.status_code == 422
    db.session.expire_all()
    assert agreement.state == "firmado" and len(agreement.transitions) == 4


def test_a_transition_to_a_state_that_does_not_follow_is_refused(client, login_as, program):
    agreement = make_agreement()
    login_as("coordinator")
    response = client.post(f"/convenios/{agreement.id}/estado", data={"to_state": "firmado", "on_date": "2025-03-01"})
    assert response.status_code == 422
    assert agreement.state == "en_negociacion"


def upload(client, agreement_id, content: bytes, name="convenio.pdf"):
    return client.post(f"/convenios/{agreement_id}/documento", content_type="multipart/form-data",
                       data={"document": (io.BytesIO(content), name)})


def test_the_signed_pdf_is_checked_stored_replaced_and_downloaded_with_an_audit_entry(app, client, login_as,
                                                                                       program, _files_in_tmp):
    agreement = make_agreement()
    login_as("coordinator")
    response = upload(client, agreement.id, b"GIF89a no es un pdf", "convenio.pdf")
    assert response.status_code == 422
    assert "El archivo no es un documento PDF (se revisa su contenido, no su nombre)." in text(response)
    app.config["CRM_DOCUMENT_MAX_MB"] = 1
    response = upload(client, agreement.id, PDF + b"0" * (1024 * 1024))
    assert response.status_code == 422 and "El archivo pesa más de 1 MB, el máximo permitido." in text(response)
    assert upload(client, agreement.id, b"").status_code == 422
    assert list(_files_in_tmp.iterdir()) == []

    assert upload(client, agreement.id, PDF, "Convenio IETAM firmado.pdf").status_code == 302
    db.session.expire_all()
    first = agreement.document_key
    assert (_files_in_tmp / first).read_bytes() == PDF
    assert upload(client, agreement.id, PDF + b"% v2\n").status_code == 302
    db.session.expire_all()
    assert agreement.document_key != first and not (_files_in_tmp / first).exists()

    response = client.get(f"/convenios/{agreement.id}/documento")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == PDF + b"% v2\n" and "attachment" in response.headers["Content-Disposition"]
    assert audited("agreement.document_download") == 1
    assert audited("agreement.document_attach") == 1 and audited("agreement.document_replace") == 1


def test_a_viewer_downloads_but_cannot_attach(client, login_as, program):
    agreement = make_agreement()
    login_as("viewer")
    assert upload(client, agreement.id, PDF).status_code == 403
    assert client.get(f"/convenios/{agreement.id}/documento").status_code == 404  # no document yet


def test_filters_and_the_ending_soon_list_and_home_block(client, login_as, program):
    today = local_today()
    soon = make_agreement("F-SOON", "IETAM", signed_on=date(2025, 3, 1), signing_code="AI1.6",
                          valid_until=today + timedelta(days=30))
    soon.state = "firmado"
    make_agreement("F-LATER", "UNAM", signed_on=date(2025, 4, 1), valid_until=today + timedelta(days=200))
    make_agreement("F-NEW", "UNAM")
    db.session.commit()
    login_as("viewer")

    def folios(query: str) -> list[str]:
        return sorted(set(re.findall(r">(F-[A-Z]+)</a>", text(client.get("/convenios" + query)))))

    assert folios("") == ["F-LATER", "F-NEW", "F-SOON"]
    assert folios("?estado=firmado") == ["F-SOON"]
    assert folios("?anio=2025") == ["F-LATER", "F-SOON"]
    assert folios("?por_vencer=1") == ["F-SOON"]
    unam = db.session.scalar(select(Organization.id).where(Organization.name == "UNAM"))
    assert folios(f"?organizacion={unam}") == ["F-LATER", "F-NEW"]
    assert folios("?tipo=otro") == []
    assert folios("?anio=abc&estado=nada&organizacion=-1") == ["F-LATER", "F-NEW", "F-SOON"]
    home = text(client.get("/"))
    assert "Convenios que terminan en los próximos 90 días" in home
    assert "F-SOON" in home and "F-LATER" not in home


def test_the_web_import_and_export(client, login_as, program):
    from tests.imports_web.test_import_jobs import post_file, token_of

    login_as("admin")
    csv_text = ("folio,titulo,contraparte,tipo,estado,dictamen,accion_dictamen,firma,accion_firma,vigencia_fin,"
                "area_responsable\nIECM/CONV/900/2025,Convenio,IETAM,convenio general,firmado,2025-02-01,AI1.7,"
                "2025-03-01,AI1.6,2026-12-31,\n")
    response = post_file(client, "convenios", csv_text)
    assert "1 convenios nuevos y 0 actualizados" in text(client.get(response.headers["Location"]))
    client.post("/importar/convenios/confirmar", data={"token": token_of(response)})
    assert db.session.scalar(select(func.count(Agreement.id))) == 1
    exported = client.get("/convenios/exportar")
    assert exported.status_code == 200 and exported.data.startswith("\ufeff".encode())
    assert "IECM/CONV/900/2025,Convenio,IETAM,convenio general,firmado" in exported.data.decode("utf-8-sig")
    assert audited("agreements.export") == 1 and audited("agreements.import") == 1
