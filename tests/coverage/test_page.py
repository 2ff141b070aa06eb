"""«Cobertura»: the page's numbers on a small fixture, the CSV download, the chart, and that no person is shown."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from crm.contacts.models import Membership
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.indicators.coverage import compute
from crm.program.reference import services
from tests.factories import make_person

FIGURES = [("lista_nominal_alcaldia", "Tlalpan", "20000"), ("lista_nominal_alcaldia", "Coyoacán", "10000"),
           ("lista_nominal_alcaldia", "Milpa Alta", "5000"), ("credenciales_extranjero_pais", "US", "1000"),
           ("credenciales_extranjero_pais", "CA", "100"), ("credenciales_extranjero_pais", "ES", "50")]


@pytest.fixture
def fixture(app):
    table = Table(header=["kind", "key", "value", "source"],
                  rows=[(i, {"kind": k, "key": key, "value": v, "source": "Prueba"})
                        for i, (k, key, v) in enumerate(FIGURES, start=2)])
    services.load_figures(table, 2025, actor="prueba")
    # Red Voto Chilango, abroad: 3 in the United States (one of them from Tlalpan, one with no alcaldía), 1 in
    # Canada from Coyoacán, 1 in Germany (no reference) from Tlalpan
    make_person("Ana", country="US", origin_alcaldia="Tlalpan", networks=("rvc",))
    make_person("Bea", country="US", origin_alcaldia="Coyoacán", networks=("rvc",))
    make_person("Cira", country="US", networks=("rvc",))
    make_person("Dora", country="CA", origin_alcaldia="Coyoacán", networks=("rvc",))
    make_person("Eva", country="DE", origin_alcaldia="Tlalpan", networks=("rvc",))
    # Red de Observación, residents: 2 in Tlalpan, one of them in both networks (counts once in the total)
    make_person("Flor", country="MX", alcaldia="Tlalpan", networks=("observacion",))
    make_person("Gala", country="MX", alcaldia="Tlalpan", networks=("observacion", "rvc"))
    # not counted: an anonymised person, an inactive membership, an applicant
    make_person("Hilda", country="US", origin_alcaldia="Tlalpan", networks=("rvc",), status="anonymized")
    inactive = make_person("Iris", country="US", origin_alcaldia="Tlalpan", networks=("rvc",))
    applicant = make_person("Juana", country="CA", origin_alcaldia="Coyoacán", networks=("rvc",))
    for membership in db.session.scalars(select(Membership)):
        if membership.person_id in (inactive.id, applicant.id):
            membership.status = "inactive" if membership.person_id == inactive.id else "applicant"
    db.session.commit()


def test_members_against_the_reference_per_country(fixture):
    table = compute.by_country(2025)
    rows = {r.key: (r.members, r.reference, r.rate) for r in table.rows}
    # Gala lives in Mexico, in the Red Voto Chilango too: her country has no reference figure
    assert rows == {"US": (3, 1000, 30.0), "CA": (1, 100, 100.0), "ES": (0, 50, 0.0), "DE": (1, None, None),
                    "MX": (1, None, None)}
    assert [r.key for r in table.rows] == ["CA", "US", "ES", "DE", "MX"]  # by coverage; without reference last
    total = table.total
    assert (total.members, total.reference) == (4, 1150) and total.rate == round(4 * 10000 / 1150, 2)


def test_both_networks_per_alcaldia(fixture):
    table = compute.by_alcaldia(2025)
    rows = {r.key: (r.by_network, r.members, r.reference, r.rate) for r in table.rows if r.members or r.reference}
    assert rows == {
        "Tlalpan": ({"rvc": 3, "observacion": 2}, 4, 20000, 2.0),  # Ana, Eva, Flor, Gala (in both: once)
        "Coyoacán": ({"rvc": 2, "observacion": 0}, 2, 10000, 2.0),
        "Milpa Alta": ({"rvc": 0, "observacion": 0}, 0, 5000, 0.0),
        "": ({"rvc": 1, "observacion": 0}, 1, None, None),  # Cira: no alcaldía registered
    }
    assert table.rows[-1].name == "Sin alcaldía registrada"
    assert [r.key for r in table.rows[:3]] == ["Tlalpan", "Coyoacán", "Milpa Alta"]
    assert len(table.rows) == 17  # the sixteen alcaldías, always, and the unknown group


def test_the_page_and_its_download(fixture, login_as, client):
    login_as("coordinator")
    page = client.get("/indicadores/cobertura/?anio=2025").get_data(as_text=True)
    assert "Cobertura de las redes 2025" in page
    assert re.search(r'data-clave="US" data-integrantes="3" data-referencia="1000" data-tasa="30.00"', page)
    assert re.search(r'data-clave="Tlalpan" data-integrantes="4" data-referencia="20000" data-tasa="2.00"', page)
    assert "20,000" in page and "Fuente: Prueba." in page
    for name in ("Ana", "Bea", "Flor", "Gala", "@example.org"):  # counts only
        assert name not in page
    assert 'src="/indicadores/cobertura/grafica/paises.svg?anio=2025"' in page
    response = client.get("/indicadores/cobertura/cobertura.csv?anio=2025")
    assert response.headers["Content-Disposition"] == 'attachment; filename="cobertura-2025.csv"'
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == list(compute.CSV_HEADER)
    assert ["pais", "US", "Estados Unidos", "3", "", "3", "1000", "30.00", "Prueba"] in lines
    assert ["alcaldia", "Tlalpan", "Tlalpan", "3", "2", "4", "20000", "2.00", "Prueba"] in lines
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action.like("%cobertura%"))) is None


def test_the_chart_is_a_script_free_svg_with_its_text(fixture, login_as, client):
    login_as("admin")
    response = client.get("/indicadores/cobertura/grafica/alcaldias.svg?anio=2025")
    body = response.get_data(as_text=True)
    assert response.mimetype == "image/svg+xml" and "<script" not in body
    assert "Tlalpan" in body and "2.00 (4)" in body
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_a_year_without_figures_still_counts_members(fixture, login_as, client):
    login_as("coordinator")
    page = client.get("/indicadores/cobertura/?anio=2026").get_data(as_text=True)
    assert "No hay cifras de referencia cargadas para 2026" in page
    assert 'data-clave="US" data-integrantes="3" data-referencia="" data-tasa=""' in page
    assert "grafica/paises.svg" not in page
    assert client.get("/indicadores/cobertura/").status_code == 200  # the latest year with figures: 2025
    assert client.get("/indicadores/cobertura/?anio=dos").status_code == 404


@pytest.mark.parametrize("role, status", [("viewer", 403), ("staff", 403), ("coordinator", 200), ("admin", 200)])
def test_who_sees_it(app, login_as, client, role, status):
    login_as(role)
    assert client.get("/indicadores/cobertura/").status_code == status
