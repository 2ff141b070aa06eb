"""The audit log page (issue 18, item 14): Spanish labels, records named and linked, details as text, filters
by action, account and a date range, pagination, admin only."""

import re
from datetime import datetime
from pathlib import Path

import pytest

from crm.auth import audit_page
from crm.core import audit
from crm.core.audit import ACTION_LABELS, action_label
from crm.core.extensions import db
from tests.factories import make_person, make_user

ROOT = Path(__file__).resolve().parents[2]
PAGE = "/administracion/bitacora"


def entry(action, target=None, details=None, actor=None, at=None):
    item = audit.record(actor, action, target, details)
    if at is not None:
        item.at = at
    db.session.commit()
    return item


def rows(page: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_every_action_the_code_records_has_a_spanish_label():
    recorded = set()
    for path in [*ROOT.glob("crm/**/*.py"), *ROOT.glob("surveys/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"(?:audit\.record|commit_change)\(", text):
            recorded.update(re.findall(r"\"([a-z_]+\.[a-z_]+)\"", text[call.end():call.end() + 240]))
    recorded |= {"activities.import", "requests.import"}  # chosen in crm/events/imports/pipeline.py
    assert len(recorded) > 60
    assert sorted(recorded - set(ACTION_LABELS)) == []
    assert action_label("person.view") == "Persona consultada"
    assert action_label("surveys.something_new") == "Encuestas: otra operación"
    assert "." not in action_label("nuevo.algo")


def test_the_page_names_and_links_the_record_labels_actions_and_shows_details_as_text(client, login_as):
    admin = login_as("admin")
    person = make_person(given_name="Ana", first_surname="López")
    entry("person.view", person, actor=admin)
    entry("user.role_change", admin, {"from": "staff", "to": "admin", "extra": {"a": 1}}, actor=admin)
    gone = make_person(given_name="Luis", first_surname="Mora")
    entry("person.update", ("Person", gone.id + 1000), {"changes": ["correo", "telefono"]}, actor=admin)
    page = client.get(PAGE).get_data(as_text=True)
    assert f'<a href="/contactos/{person.id}">Persona: Ana López</a>' in page
    assert "Persona consultada" in page and "Rol de cuenta cambiado" in page and "Persona modificada" in page
    visible = re.sub(r"<[^>]*>", " ", page)  # option values are codes; the text shown never is
    assert "person.view" not in visible and "user.role_change" not in visible
    assert "Antes:</dt> <dd class=\"d-inline mb-0\">Personal operativo" in page
    assert "Después:</dt> <dd class=\"d-inline mb-0\">Administración" in page
    assert "Cambios:</dt> <dd class=\"d-inline mb-0\">correo, telefono" in page
    assert f"Persona número {gone.id + 1000} (ya no existe)" in page
    assert "Person " not in visible
    for row in rows(page):
        assert "{" not in row and "}" not in row and '"' not in re.sub(r"<[^>]*>", "", row)


def test_a_record_the_viewer_may_not_open_is_shown_by_number_without_a_link(app):
    person = make_person(given_name="Ana", first_surname="López")
    item = entry("person.view", person)
    with app.test_request_context():
        viewer = make_user("viewer")
        viewer.can = lambda permission: permission != "view_contacts"
        shown = audit_page.targets([item], viewer)[item.id]
    assert shown.text == f"Persona número {person.id}" and shown.url is None


def test_filters_by_action_account_and_local_date_range(client, login_as):
    admin = login_as("admin")
    other = make_user("staff")
    # 2025-03-12 05:30 UTC is 2025-03-11 23:30 in Mexico City
    entry("contacts.export", None, {"rows": 3}, actor=other, at=datetime(2025, 3, 12, 5, 30))
    entry("contacts.export", None, {"rows": 4}, actor=admin, at=datetime(2025, 3, 12, 18, 0))
    entry("person.view", ("Person", 1), actor=other, at=datetime(2025, 3, 13, 18, 0))
    entry("auth.login_failed", ("User", ""), {"email": "x@example.org"}, at=datetime(2025, 3, 14, 18, 0))

    def shown(query):
        response = client.get(PAGE, query_string=query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    page = shown({"accion": "contacts.export"})
    assert len(rows(page)) == 2 and "Personas exportadas" in page
    assert '<option selected value="contacts.export">Personas exportadas</option>' in page
    page = shown({"usuario": str(other.id)})
    assert len(rows(page)) == 2 and "Persona consultada" in page
    page = shown({"usuario": audit_page.NO_ACCOUNT})
    assert len(rows(page)) == 1 and "Intento de acceso fallido" in page
    page = shown({"desde": "2025-03-12", "hasta": "2025-03-12"})
    assert len(rows(page)) == 1 and "Filas:</dt> <dd class=\"d-inline mb-0\">4" in page
    assert "1 registro del 12\u00a0mar\u00a02025 al 12\u00a0mar\u00a02025" in page
    page = shown({"desde": "2025-03-11", "hasta": "2025-03-11"})
    assert len(rows(page)) == 1 and "Filas:</dt> <dd class=\"d-inline mb-0\">3" in page
    shown_rows = " ".join(rows(shown({"desde": "2025-03-13", "hasta": "2025-03-14"})))
    assert "Persona consultada" in shown_rows and "Intento de acceso fallido" in shown_rows
    assert "Personas exportadas" not in shown_rows
    page = shown({"desde": "2025-03-14", "hasta": "2025-03-12"})
    assert "Debe ser igual o posterior" in page
    page = shown({"desde": "no es fecha"})
    assert "Sin registros" not in page  # an invalid date is left out, with its message
    assert re.search(r"12\u00a0mar\u00a02025,\u00a012:00", shown({})), "dates in the short local format"


def test_the_log_is_paginated(client, login_as):
    admin = login_as("admin")
    for number in range(60):
        audit.record(admin, "contacts.export", None, {"rows": number})
    db.session.commit()
    page = client.get(PAGE, query_string={"accion": "contacts.export"}).get_data(as_text=True)
    assert len(rows(page)) == 50 and "Página 1 de 2" in page
    second = client.get(PAGE, query_string={"accion": "contacts.export", "pagina": 2}).get_data(as_text=True)
    assert len(rows(second)) == 10


@pytest.mark.parametrize("role", ["staff", "coordinator", "viewer"])
def test_only_administration_sees_the_log(client, login_as, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE, query_string={"accion": "person.view"}).status_code == 403


def test_the_page_reads_no_entry_for_a_refused_role(client, login_as, monkeypatch):
    login_as("viewer")
    called = []
    monkeypatch.setattr(audit_page.AuditFilterForm, "query", lambda self: called.append(1))
    assert client.get(PAGE).status_code == 403 and not called
