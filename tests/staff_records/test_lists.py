"""The lists open on the year with data (a program and its activities last year, today in the next one), have a
year switch, sort by their column headers without JavaScript (aria-sort on the sorted column), search the
activity titles, and show the organizations' summary columns."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from crm.core.extensions import db
from crm.events.models import Attendance, PartnerRequest
from tests.factories import load_program, make_activity, make_organization, make_person

TODAY = date(2026, 3, 15)  # the demo's situation: everything in 2025, today in 2026


@pytest.fixture
def last_year(app, monkeypatch):
    """A 2025 program with activities and requests; today in 2026, with no program and no data."""
    for module in ("crm.events.views.blueprint", "crm.events.views.requests", "crm.program.views"):
        monkeypatch.setattr(f"{module}.local_today", lambda: TODAY)
    load_program(2025)
    ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    forum = make_activity("AI2.1", on=date(2025, 3, 10), title="Foro de justicia electoral")
    course = make_activity("AI4.1", on=date(2025, 6, 2), title="Curso de observación electoral")
    make_activity("AI2.1", on=date(2025, 9, 20), title="Mesa de diálogo")
    for _ in range(3):
        db.session.add(Attendance(activity_id=course.id, person_id=make_person().id))
    db.session.add(Attendance(activity_id=forum.id, person_id=make_person().id))
    forum.organizations = [ine]
    db.session.add(PartnerRequest(received_on=date(2025, 4, 2), requester_id=ine.id, subject="Apoyo con sedes",
                                  subject_key="apoyo con sedes"))
    db.session.commit()
    return {"forum": forum, "course": course, "ine": ine}


def _titles(html: str) -> list[str]:
    return re.findall(r'<a href="/actividades/\d+">([^<]+)</a>', html)


def test_activities_open_on_last_year_with_its_activities(last_year, client, login_as):
    login_as("viewer")
    html = client.get("/actividades").get_data(as_text=True)
    assert "3 actividades · 2025" in html
    assert '<option selected>2025</option>' in html and '<option value="todos"' in html
    assert _titles(html) == ["Mesa de diálogo", "Curso de observación electoral", "Foro de justicia electoral"]
    assert "10\u00a0mar\u00a02025" in html and "2025-03-10" not in html  # short local dates
    every = client.get("/actividades?anio=todos").get_data(as_text=True)
    assert "3 actividades · todos los años" in every


def test_requests_open_on_last_year_and_the_pending_link_covers_every_year(last_year, client, login_as):
    login_as("coordinator")
    ine = last_year["ine"]
    db.session.add_all([
        PartnerRequest(received_on=date(2024, 11, 4), requester_id=ine.id, subject="Pendiente de 2024",
                       subject_key="pendiente de 2024"),
        PartnerRequest(received_on=date(2024, 10, 1), attended_on=date(2024, 10, 3), requester_id=ine.id,
                       subject="Atendida en 2024", subject_key="atendida en 2024")])
    db.session.commit()
    html = client.get("/gestiones").get_data(as_text=True)
    assert "2 gestiones · 2025, y las pendientes de años anteriores" in html
    assert "Apoyo con sedes" in html and "Pendiente de 2024" in html and "Atendida en 2024" not in html
    assert "exportar.csv?anio=2025&amp;con_pendientes=1" in html  # the download holds the same rows
    only_2025 = client.get("/gestiones?anio=2025").get_data(as_text=True)
    assert "1 gestión · 2025" in only_2025 and "Pendiente de 2024" not in only_2025
    assert "3 gestiones · todos los años" in client.get("/gestiones?anio=todos").get_data(as_text=True)
    body = client.get("/gestiones/exportar.csv?anio=2025&con_pendientes=1").get_data(as_text=True)
    assert "Pendiente de 2024" in body and "Apoyo con sedes" in body and "Atendida en 2024" not in body
    assert 'href="/gestiones?estado=pendientes&amp;anio=todos"' in html
    assert 'class="request-pending"' in html and "Pendiente" in html
    home = client.get("/").get_data(as_text=True)
    assert 'href="/gestiones?estado=pendientes&amp;anio=todos"' in home


def test_program_opens_on_last_year_with_a_year_switch(last_year, client, login_as):
    login_as("viewer")
    html = client.get("/programa/").get_data(as_text=True)
    assert '<nav aria-label="Años del programa"' in html
    assert 'href="/programa/?anio=2025" aria-current="page">2025</a>' in html
    load_program(2027)  # a program loaded ahead of its year does not take the page
    html = client.get("/programa/").get_data(as_text=True)
    assert 'href="/programa/?anio=2025" aria-current="page">2025</a>' in html
    assert 'href="/programa/?anio=2027">2027</a>' in html


def test_activity_headers_sort_without_javascript(last_year, client, login_as):
    login_as("viewer")
    html = client.get("/actividades").get_data(as_text=True)
    assert re.search(r'<th scope="col" aria-sort="descending"><a class="sort-link" href="/actividades\?orden=fecha">Fecha',
                     html)
    assert 'href="/actividades?orden=-asistentes"' in html and 'href="/actividades?orden=titulo"' in html
    by_attendance = client.get("/actividades?orden=-asistentes").get_data(as_text=True)
    assert _titles(by_attendance)[:2] == ["Curso de observación electoral", "Foro de justicia electoral"]
    assert 'aria-sort="descending"><a class="sort-link" href="/actividades?orden=asistentes"' in by_attendance
    by_title = client.get("/actividades?orden=titulo&anio=2025").get_data(as_text=True)
    assert _titles(by_title) == ["Curso de observación electoral", "Foro de justicia electoral", "Mesa de diálogo"]
    assert 'aria-sort="ascending"' in by_title
    assert 'href="/actividades?orden=-titulo&amp;anio=2025"' in by_title  # the filters stay with the sort
    by_line = client.get("/actividades?orden=linea").get_data(as_text=True)
    assert _titles(by_line)[-1] == "Curso de observación electoral"  # AI4.1 after AI2.1
    assert client.get("/actividades?orden=drop table").status_code == 200  # an unknown order: the default


def test_activities_search_their_titles_and_the_filter_reaches_the_download(last_year, client, login_as):
    login_as("coordinator")
    html = client.get("/actividades?q=OBSERVACION").get_data(as_text=True)
    assert _titles(html) == ["Curso de observación electoral"]
    assert "1 actividad · 2025, con «OBSERVACION»" in html
    assert "exportar.csv?anio=2025&amp;q=OBSERVACION" in html
    body = client.get("/actividades/exportar.csv?anio=2025&q=OBSERVACION").get_data(as_text=True)
    assert "Curso de observación electoral" in body and "Foro" not in body
    assert _titles(client.get("/actividades?q=100%25").get_data(as_text=True)) == []  # LIKE wildcards are text


def test_organizations_list_has_summary_columns_and_sortable_headers(last_year, client, login_as):
    from crm.contacts.models import Affiliation

    other = make_organization("Universidad Autónoma", acronym="UA", type="academica")
    for _ in range(2):
        db.session.add(Affiliation(person_id=make_person().id, organization_id=other.id))
    db.session.commit()
    login_as("coordinator")
    html = client.get("/organizaciones").get_data(as_text=True)
    assert "2 organizaciones" in html
    for header in ("Personas", "Actividades", "Gestiones", "Relación desde"):
        assert f">{header}<" in html, header
    assert 'aria-sort="ascending"><a class="sort-link" href="/organizaciones?orden=-nombre"' in html
    rows = re.findall(r'<a href="/organizaciones/\d+">([^<]+)</a>', html)
    assert rows == ["Instituto Nacional Electoral", "Universidad Autónoma"]
    by_people = client.get("/organizaciones?orden=-personas").get_data(as_text=True)
    assert re.findall(r'<a href="/organizaciones/\d+">([^<]+)</a>', by_people)[0] == "Universidad Autónoma"
    ine_row = by_people[by_people.index("Instituto Nacional Electoral"):].split("</tr>")[0]
    # people, then what points at it: activities, requests, observation participants, agreements
    assert re.findall(r"<td class=\"text-end\">(\d+)</td>", ine_row) == ["0", "1", "1", "0", "0"]


def test_no_raw_codes_on_the_pages(last_year, client, login_as):
    login_as("staff")
    for url in ("/actividades", f"/actividades/{last_year['forum'].id}", "/gestiones", "/organizaciones",
                "/programa/", "/observacion", "/"):
        html = client.get(url).get_data(as_text=True)
        for raw in (">None<", "nan<", ">True<", "actividad(es)", "organización(es)", "persona(s)"):
            assert raw not in html, (url, raw)
    assert db.session.scalar(select(PartnerRequest.id)) is not None
