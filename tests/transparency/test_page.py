"""/transparencia: public, Spanish, the dashboard's figures, small cells suppressed with their complement,
the CSV equal to the page's table, no personal data, HTTP and server-side caching."""

from __future__ import annotations

from datetime import date

import pytest

from crm.core.display import points, whole
from crm.core.timeutil import local_today
from crm.indicators import scorecard
from crm.indicators.compute import compute_report
from crm.program.services import program_for_year
from tests.transparency.helpers import (
    Q1,
    Q2,
    Q3,
    answers,
    derivable,
    read_csv,
    shown_counts,
    small_cell_data,
    table,
)

CSV_URL = "/transparencia/matriz-2025.csv"


@pytest.fixture(autouse=True)
def _settings(app):
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"
    app.config["CRM_TRANSPARENCY_STAMP_SECONDS"] = 0  # every request re-reads the data stamp


def full_data():
    """Every satisfaction cell with at least 5 responses, activities and requests: nothing suppressed."""
    from crm.core.extensions import db
    from crm.core.text import fold
    from crm.events.models import PartnerRequest
    from tests.factories import load_program, make_activity, make_organization
    from tests.indicators_web.helpers import survey

    load_program(2025)
    ai3, ai5 = survey("AI3", code="sat_ai3"), survey("AI5", code="sat_ai5")
    answers(ai3, Q1, 5, 1)
    answers(ai3, Q2, 4, 2)
    answers(ai5, Q1, 6, 0)
    answers(ai5, Q3, 3, 4)
    make_activity("AI2.2", date(2025, 1, 20))
    make_activity("AI4.1", date(2025, 5, 14))
    org = make_organization("Instituto Nacional Electoral", acronym="INE")
    db.session.add(PartnerRequest(received_on=date(2025, 3, 2), attended_on=date(2025, 3, 5), requester_id=org.id,
                                  subject="Informe", subject_key=fold("Informe")))
    db.session.commit()


def test_the_page_is_public_spanish_and_sets_no_cookie(app, client):
    full_data()
    response = client.get("/transparencia")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Matriz de resultados 2025" in html
    assert "Set-Cookie" not in response.headers  # no session: a shared cache may keep it
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "<script" not in html
    assert 'href="/transparencia/matriz-2025.csv"' in html
    assert "/transparencia" in client.get("/acceso").get_data(as_text=True)  # linked from the login page


def test_year_switch_opens_on_the_latest_year_with_data(app, client):
    from tests.factories import load_program, make_activity

    full_data()
    load_program(2024)
    make_activity("AI2.2", date(2024, 3, 1))
    html = client.get("/transparencia").get_data(as_text=True)
    assert "Resultados del programa de vinculación 2025" in html
    assert 'href="/transparencia?anio=2024"' in html
    assert "vinculación 2024" in client.get("/transparencia?anio=2024").get_data(as_text=True)
    for bad in ("1999", "abc", "2025-1", str(local_today().year + 1)):
        assert client.get(f"/transparencia?anio={bad}").status_code == 404
    assert client.get("/transparencia/matriz-1999.csv").status_code == 404


def test_values_and_lights_equal_the_dashboards(app, client, login_as):
    full_data()
    rows = read_csv(client.get(CSV_URL).data)
    report = compute_report(2025)
    summaries = {s["label"]: s for s in scorecard.summaries(report, program_for_year(2025), local_today())}
    by_key = {(scorecard.level_label(r["level"]), r["period"]): r for r in report["indicators"]}
    assert len(rows) == 8 * 5
    assert not any(row["nota"] for row in rows)  # nothing small here
    for row in rows:
        period = "2025" if row["periodo"] == "Año 2025" else f"2025-Q{row['periodo'][1]}"
        expected = by_key[(row["nivel"], period)]
        assert row["valor"] == ("" if expected["value"] is None else str(expected["value"])), row
        assert (int(row["numerador"]), int(row["denominador"])) == (expected["numerator"], expected["denominator"])
        if row["periodo"] == "Año 2025":
            assert row["semaforo"] == summaries[row["nivel"]]["light"]["label"]
            assert row["meta"] == (summaries[row["nivel"]]["target"] or "")
    # and the dashboard itself shows the same year values
    login_as("admin")
    dashboard = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    for row in rows:
        if row["periodo"] == "Año 2025":
            level = next(k for k, v in scorecard.LEVEL_LABELS.items() if v == row["nivel"])
            assert f'id="valor-{level}" data-valor="{row["valor"]}"' in dashboard


def test_a_small_cell_is_hidden_and_cannot_be_derived(app, client):
    small_cell_data()
    html = client.get("/transparencia").get_data(as_text=True)
    body = client.get(CSV_URL).data
    text = body.decode("utf-8-sig")
    for shown in (html, text):  # AI3's T2: 2 positive of 3 answers = 66.7 %
        assert "66.7" not in shown and "66,7" not in shown
    rows = read_csv(body)
    cells = shown_counts(rows)
    assert cells[("AI3", "T2 2025")] is None
    assert next(r for r in rows if r["nivel"] == "AI3" and r["periodo"] == "T2 2025")["nota"] == \
        "oculto: menos de 5 respuestas"
    # neither the year minus the other quarters, nor PROPÓSITO minus AI5, nor any chain of them gives it back
    derived = derivable(cells)
    assert ("AI3", "T2 2025") not in derived, derived
    assert (2, 3, 3) not in derived.values()
    assert any(r["nota"] == "oculto: complementaria" for r in rows)
    assert "Celdas ocultas" in html and "oculto: menos de 5 respuestas" in html
    # a hidden year hides its traffic light (its colour tells the value's range) and its reading's figures
    ai3_year = next(r for r in rows if r["nivel"] == "AI3" and r["periodo"] == "Año 2025")
    if ai3_year["nota"]:
        assert ai3_year["semaforo"] == "Oculto"


def test_the_csv_is_the_pages_data_table(app, client):
    small_cell_data()
    html = client.get("/transparencia").get_data(as_text=True)
    response = client.get(CSV_URL)
    assert response.mimetype == "text/csv"
    assert 'filename="matriz-resultados-2025.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    shown = table(html, "datos")
    assert len(shown) == len(rows) == 40

    def displayed(row: dict) -> list[str]:
        note = row["nota"]
        value = (note if note.startswith("oculto") else "No aplica" if note == "no aplica" else
                 "sin dato" if row["valor"] == "" else points(float(row["valor"])))

        def figure(text):
            return "—" if text == "" else whole(int(text))
        return [row["nivel"], row["nombre"], row["periodo"], value, figure(row["numerador"]),
                figure(row["denominador"]), figure(row["encuestas_respondidas"]), row["meta"], row["semaforo"], note]

    normal = [[" ".join(cell.replace("\u00a0", " ").split()) for cell in displayed(row)] for row in rows]
    assert [[cell.replace("\u00a0", " ") for cell in r] for r in shown] == normal
    # the matrix at the top holds the same values as the data table
    matrix = table(html, "matriz")
    assert [r[1:6] for r in matrix] == [[row[3] for row in normal[i:i + 5]] for i in range(0, 40, 5)]


def test_formulas_in_program_texts_are_neutralised_in_the_csv(app, client):
    from crm.core.extensions import db

    small_cell_data()
    component = program_for_year(2025).component("AI2")
    component.name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    rows = read_csv(client.get(CSV_URL).data)
    assert {r["nombre"] for r in rows if r["nivel"] == "AI2"} == {"'=HYPERLINK(\"http://x\")"}


def test_no_personal_data_on_the_page_or_in_the_csv(app, client, login_as):
    from crm.core.extensions import db
    from crm.core.text import fold
    from crm.events.models import PartnerRequest
    from tests.factories import load_program, make_activity, make_organization, make_person
    from tests.indicators_web.helpers import respond, survey

    load_program(2025)
    person = make_person("Xochiquetzal", first_surname="Zapotitlán", email="xochi.unica@example.org")
    ai3 = survey("AI3", code="sat_ai3", title="Encuesta de Xochiquetzal Zapotitlán")
    for _ in range(6):
        respond(ai3, Q1, person, calidad="buena")
    make_activity("AI2.2", date(2025, 1, 20), title="Reunión con Xochiquetzal Zapotitlán")
    org = make_organization("Colectivo Ñandutí de Prueba", acronym="CNP")
    db.session.add(PartnerRequest(received_on=date(2025, 3, 2), requester_id=org.id,
                                  subject="Petición de Xochiquetzal", subject_key=fold("Petición de Xochiquetzal")))
    db.session.commit()
    # a staff member's visit first: the page cached for everyone must not carry their account either
    staff = login_as("admin", email="tlaloc.cuenta@iecm.mx", name="Tláloc Cuentahabiente")
    seen_by_staff = client.get("/transparencia").get_data(as_text=True)
    anonymous = app.test_client()
    html = anonymous.get("/transparencia").get_data(as_text=True)
    csv_text = anonymous.get(CSV_URL).data.decode("utf-8-sig")
    assert html == seen_by_staff
    assert "6 encuestas respondidas" in html  # the data is there...
    secrets = ("Xochiquetzal", "Zapotitlán", "xochi.unica", "@example.org", "Ñandutí", "CNP", staff.email,
               "Tláloc", "Cerrar sesión")
    for shown in (html, csv_text):  # ...and nothing about the people behind it
        for secret in secrets:
            assert secret not in shown


def test_etag_and_304_and_new_data_shows(app, client):
    from tests.indicators_web.helpers import survey

    small_cell_data()
    for url in ("/transparencia", CSV_URL):
        first = client.get(url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    before = client.get(CSV_URL)
    answers(survey("AI6", code="sat_ai6"), Q3, 5, 0)
    after = client.get(CSV_URL, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    ai6_t3 = next(r for r in read_csv(after.data) if r["nivel"] == "AI6" and r["periodo"] == "T3 2025")
    assert ai6_t3["valor"] == "100.0"


def test_the_matrix_is_computed_once_for_many_requests(app, client, monkeypatch):
    from crm.indicators.transparency import rows
    from tests.indicators_web.helpers import survey

    small_cell_data()
    calls = []
    real = rows.build
    monkeypatch.setattr(rows, "build", lambda year: calls.append(year) or real(year))
    for _ in range(20):
        assert client.get("/transparencia").status_code == 200
    assert calls == [2025]
    answers(survey("AI6", code="sat_ai6"), Q3, 5, 0)  # new data: a new stamp, one more computation
    for _ in range(5):
        client.get("/transparencia")
    assert calls == [2025, 2025]


def test_the_page_is_rate_limited(app_with):
    with app_with(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as limited:
        client = limited.test_client()
        statuses = [client.get("/transparencia").status_code for _ in range(125)]
    assert statuses[0] == 200 and statuses[-1] == 429


def test_suppression_off_would_fail_the_small_cell_test(app, client, monkeypatch):
    """The small-cell test can fail: with the suppression switched off, AI3's T2 is published."""
    from crm.indicators.transparency import rows

    small_cell_data()
    monkeypatch.setattr(rows, "suppress", lambda cells, year: {})
    cells = shown_counts(read_csv(client.get(CSV_URL).data))
    assert cells[("AI3", "T2 2025")] == (2, 3, 3)
    monkeypatch.setattr(rows, "suppress", lambda cells, year: {k: "menos de 5" for k, c in cells.items()
                                                                 if 0 < c.responses < 5})
    app.extensions.pop("transparency_cache", None)
    cells = shown_counts(read_csv(client.get(CSV_URL).data))
    assert cells[("AI3", "T2 2025")] is None and derivable(cells)[("AI3", "T2 2025")] == (2, 3, 3)
