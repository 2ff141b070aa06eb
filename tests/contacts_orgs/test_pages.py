"""The organization pages: who may use each (role matrix), what each records in the audit log, the list's
filters, the quick classification, the edit of the relation's alta and baja, the merge page, the counts and
their chart."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.contacts.models import Organization, OrganizationRelation
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.contacts_orgs.conftest import periods
from tests.factories import make_organization

# (method, path template, permission's holders); {id} is a recorded organization
PAGES = [
    ("GET", "/organizaciones", {"coordinator", "staff", "admin"}),
    ("GET", "/organizaciones/{id}", {"coordinator", "staff", "admin"}),
    ("GET", "/organizaciones/resumen", {"coordinator", "staff", "admin"}),
    ("GET", "/organizaciones/resumen.svg", {"coordinator", "staff", "admin"}),
    ("GET", "/organizaciones/exportar.csv", {"coordinator", "admin"}),
    ("GET", "/organizaciones/sin-clasificar", {"staff", "admin"}),
    ("GET", "/organizaciones/nueva", {"staff", "admin"}),
    ("GET", "/organizaciones/{id}/editar", {"staff", "admin"}),
    ("GET", "/organizaciones/{id}/fusionar", {"staff", "admin"}),
    ("POST", "/organizaciones/{id}/clasificar", {"staff", "admin"}),
    ("GET", "/importar/organizaciones", {"staff", "admin"}),
]


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("role", ["viewer", "coordinator", "staff", "admin"])
def test_role_matrix(app, client, login_as, role):
    org = make_organization("Instituto Electoral de Tamaulipas", acronym="IETAM")
    for method, template, _ in PAGES:  # without a session: the login page
        response = client.open(template.format(id=org.id), method=method)
        assert response.status_code in (302, 303) and "/acceso" in response.headers["Location"], template
    login_as(role)
    for method, template, holders in PAGES:
        status = client.open(template.format(id=org.id), method=method, data={"type": "electoral"}).status_code
        if role in holders:
            assert status in (200, 302, 303), (role, template, status)
        else:
            assert status == 403, (role, template, status)


def test_list_filters_by_type_scope_country_text_and_relation_date(client, login_as):
    make_organization("Instituto Electoral de Tamaulipas", acronym="IETAM", type="electoral", scope="local")
    make_organization("Universidad de Sonora", type="academica", scope="nacional")
    chicago = make_organization("Consulado en Chicago", type="gubernamental", scope="internacional", country="US")
    chicago.relations[0].began_on, chicago.relations[0].ended_on = date(2020, 1, 1), date(2022, 1, 1)
    db.session.commit()
    login_as("coordinator")

    def names(**args) -> set[str]:
        body = client.get("/organizaciones", query_string=args).get_data(as_text=True)
        return {n for n in ("Tamaulipas", "Sonora", "Chicago") if n in body}

    assert names() == {"Tamaulipas", "Sonora", "Chicago"}
    assert names(tipo="electoral") == {"Tamaulipas"}
    assert names(ambito="nacional") == {"Sonora"}
    assert names(pais="US") == {"Chicago"}
    assert names(q="ietam") == {"Tamaulipas"} and names(q="sonora") == {"Sonora"}
    assert names(vinculada="2021-06-01") == {"Chicago"}  # the other two were registered today
    assert names(tipo="no-existe", vinculada="nunca") == {"Tamaulipas", "Sonora", "Chicago"}  # bad filters: ignored


def test_viewing_and_exporting_are_audited(client, login_as):
    org = make_organization("Instituto Electoral de Tamaulipas")
    login_as("admin")
    assert client.get(f"/organizaciones/{org.id}").status_code == 200
    response = client.get("/organizaciones/exportar.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert audit_actions()[-2:] == ["organization.view", "organizations.export"]


def test_the_unclassified_queue_classifies_in_one_step(client, login_as):
    org = make_organization("Sciences Po")  # created in passing: sin_clasificar
    login_as("staff")
    assert "Sciences Po" in client.get("/organizaciones/sin-clasificar").get_data(as_text=True)
    response = client.post(f"/organizaciones/{org.id}/clasificar", data={"type": "academica", "scope": "internacional"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.type, org.scope) == ("academica", "internacional")
    assert f'id="org-{org.id}"' not in client.get("/organizaciones/sin-clasificar").get_data(as_text=True)
    assert audit_actions()[-1] == "organization.classify"
    client.post(f"/organizaciones/{org.id}/clasificar", data={"type": "sin_clasificar"})  # not a classification
    db.session.expire_all()
    assert org.type == "academica"


def test_edit_sets_the_relation_and_a_later_alta_keeps_the_history(client, login_as):
    org = make_organization("Universidad de Sonora", type="academica")
    login_as("staff")
    form = {"name": "Universidad de Sonora", "acronym": "UNISON", "type": "academica", "scope": "nacional",
            "country": "MX", "email": "vinculacion@unison.mx", "phone": "662 259 2100", "began_on": "2022-01-10",
            "ended_on": "2024-12-31"}
    assert client.post(f"/organizaciones/{org.id}/editar", data=form).status_code == 302
    assert client.post(f"/organizaciones/{org.id}/editar", data={**form, "began_on": "2025-03-01",
                                                                  "ended_on": ""}).status_code == 302
    db.session.expire_all()
    assert periods(org) == [("2022-01-10", "2024-12-31"), ("2025-03-01", None)]
    assert (org.phone, org.acronym) == ("+526622592100", "UNISON")
    response = client.post(f"/organizaciones/{org.id}/editar", data={**form, "began_on": "2025-03-01",
                                                                      "ended_on": "2025-01-01", "phone": "12"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "no es un número válido" in body and "debe ser posterior al alta" in body
    assert audit_actions().count("organization.update") == 2


def test_the_merge_page_shows_what_moves_then_merges(client, login_as):
    survivor = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    other = make_organization("Instituto Nacional Electoral México")
    login_as("staff")
    page = client.get(f"/organizaciones/{survivor.id}/fusionar", query_string={"otra": "instituto nacional electoral mexico"})
    body = page.get_data(as_text=True)
    assert "Instituto Nacional Electoral México (se elimina)" in body and "Actividades" in body
    assert "misma organización" in client.get(f"/organizaciones/{survivor.id}/fusionar",
                                              query_string={"otra": "INE"}).get_data(as_text=True)
    response = client.post(f"/organizaciones/{survivor.id}/fusionar", data={"other_id": str(other.id)})
    assert response.status_code == 302
    assert db.session.get(Organization, other.id) is None
    assert audit_actions()[-1] == "organization.merge"


def test_counts_by_type_on_a_date_with_an_accessible_chart(client, login_as):
    make_organization("Instituto Electoral de Tamaulipas", type="electoral").relations[0].began_on = date(2021, 5, 1)
    db.session.commit()
    db.session.add(OrganizationRelation(organization_id=make_organization("Radio", type="medios").id,
                                        began_on=date(2010, 1, 1), ended_on=date(2011, 1, 1)))
    db.session.commit()
    login_as("coordinator")
    body = client.get("/organizaciones/resumen", query_string={"fecha": "2025-06-30"}).get_data(as_text=True)
    assert "Total al 30\u00a0jun\u00a02025: <strong>1</strong>" in body
    assert 'alt="Organizaciones vinculadas al 2025-06-30 por tipo (total 1). Institución gubernamental: 0;' in body
    assert "<caption>Por tipo al 30\u00a0jun\u00a02025</caption>" in body  # the figures beside the chart, as a table
    svg = client.get("/organizaciones/resumen.svg", query_string={"fecha": "2025-06-30"})
    assert svg.mimetype == "image/svg+xml" and b"<script" not in svg.data
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    assert "Organismo electoral" in svg.get_data(as_text=True)  # text kept as text
