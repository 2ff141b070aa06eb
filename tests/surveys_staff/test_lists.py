"""The survey and invitation lists (issue 18, item 12): dates, response rate and satisfaction columns, and
column headers that sort (links to ?orden=, aria-sort) without JavaScript."""

from __future__ import annotations

import re
from datetime import datetime

from crm.core.display import NBSP
from tests.factories import make_survey
from tests.surveys_staff.helpers import answer, invite, scored_survey


def rows(page: str) -> list[list[str]]:
    body = page[page.rindex("<tbody>"):page.rindex("</tbody>")]  # the last table: the list
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def headers(page: str) -> dict[str, tuple[str, str | None]]:
    """Column text -> (its link's ?orden=, its aria-sort)."""
    found = {}
    for attrs, href, text in re.findall(r'<th scope="col"([^>]*)><a class="sort-link[^"]*" href="([^"]+)">([^<]+)',
                                        page):
        sort = re.search(r'aria-sort="(\w+)"', attrs)
        found[text] = (re.search(r"orden=([-\w]+)", href).group(1), sort.group(1) if sort else None)
    return found


def three_surveys():
    a = scored_survey(title="Alfa", opens_at=datetime(2025, 2, 1, 18), closes_at=datetime(2025, 6, 30, 18),
                      state="closed")  # 4 responses, 66.7 %, 25 %
    b = make_survey(title="Beta", state="open", opens_at=datetime(2025, 8, 1, 18))
    for choice in ("buena", "buena", "buena", "buena", "buena", "mala"):
        answer(b, choice)  # 6 responses, 83.3 %, no invitations
    c = make_survey(title="Gamma", state="draft")
    invite(c, 2)  # no responses, 0 %
    return a, b, c


def test_the_survey_list_has_dates_rate_and_satisfaction(client, login_as):
    three_surveys()
    login_as("viewer")
    page = client.get("/encuestas/").get_data(as_text=True)
    assert list(headers(page)) == ["Título", "Código", "Estado", "Componente", "Invitaciones", "Respuestas",
                                   "Tasa de respuesta", "Satisfacción", "Periodo"]
    table = {row[0].split()[0]: row for row in rows(page)}
    alfa, beta, gamma = table["Alfa"], table["Beta"], table["Gamma"]
    assert alfa[2:] == ["Cerrada", "—", "4", "4", f"25{NBSP}%", f"66.7{NBSP}%", f"1{NBSP}feb{NBSP}2025 – 30{NBSP}jun{NBSP}2025"]
    assert beta[2:] == ["Abierta", "—", "0", "6", "—", f"83.3{NBSP}%", f"1{NBSP}ago{NBSP}2025 – en curso"]
    assert gamma[2:7] == ["Borrador", "—", "2", "0", f"0{NBSP}%"] and gamma[7] == "—"
    assert gamma[8].startswith("creada ")


def test_the_survey_list_sorts_by_its_column_headers(client, login_as):
    three_surveys()
    login_as("viewer")

    def order(query: str) -> list[str]:
        return [row[0].split()[0] for row in rows(client.get(f"/encuestas/{query}").get_data(as_text=True))]

    assert order("?orden=-respuestas") == ["Beta", "Alfa", "Gamma"]
    assert order("?orden=respuestas") == ["Gamma", "Alfa", "Beta"]
    assert order("?orden=-satisfaccion") == ["Beta", "Alfa", "Gamma"]  # no figure: last either way
    assert order("?orden=satisfaccion") == ["Alfa", "Beta", "Gamma"]
    assert order("?orden=-tasa") == ["Alfa", "Gamma", "Beta"]
    assert order("?orden=titulo") == ["Alfa", "Beta", "Gamma"]
    assert order("?orden=-titulo") == ["Gamma", "Beta", "Alfa"]
    assert order("?orden=-fecha")[:2] == ["Gamma", "Beta"]  # created today, opened in August, opened in February
    assert order("?orden=nada;drop") == order("")  # unknown: the default order

    page = client.get("/encuestas/?orden=-respuestas&estado=").get_data(as_text=True)
    found = headers(page)
    assert found["Respuestas"] == ("respuestas", "descending")  # a second click turns it round
    assert found["Título"] == ("titulo", None) and found["Satisfacción"] == ("-satisfaccion", None)
    assert [v[1] for v in found.values()].count(None) == len(found) - 1
    assert 'aria-sort="ascending"' in client.get("/encuestas/?orden=titulo").get_data(as_text=True)
    # the state filter keeps the order
    assert 'name="orden" value="-respuestas"' in page
    assert [r[0] for r in rows(client.get("/encuestas/?estado=open&orden=-respuestas").get_data(as_text=True))] \
        == ["Beta"]


def test_the_invitations_list_has_its_rate_and_sorts_by_column(client, login_as):
    survey = make_survey(state="open")
    invitations = invite(survey, 3, answered=1)
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/invitaciones").get_data(as_text=True)
    assert re.search(rf'data-figure="tasa">Tasa de respuesta: <strong>33.3{NBSP}%</strong>', page)
    assert "1 de 3 invitaciones respondidas" in page
    found = headers(page)
    assert list(found) == ["Persona", "Origen", "Medio", "Estado", "Enviada", "Recordatorio", "Abierta",
                           "Respondida"]
    assert all(sort is None for _, sort in found.values())
    page = client.get(f"/encuestas/{survey.id}/invitaciones?orden=-respondida").get_data(as_text=True)
    assert headers(page)["Respondida"] == ("respondida", "descending")
    listed = rows(page)
    assert listed[0][4] == "Respondida" and [r[4] for r in listed[1:]] == ["Enviada", "Enviada"]
    assert listed[0][2] == "Red Voto Chilango" and listed[0][3] == "Correo electrónico"
    by_name = [i.person.full_name for i in sorted(invitations, key=lambda i: i.person.name_key)]
    page = client.get(f"/encuestas/{survey.id}/invitaciones?orden=persona").get_data(as_text=True)
    assert [r[0] for r in rows(page)] == by_name
    assert headers(page)["Persona"] == ("-persona", "ascending")
    page = client.get(f"/encuestas/{survey.id}/invitaciones?orden=-persona").get_data(as_text=True)
    assert [r[0] for r in rows(page)] == by_name[::-1]
