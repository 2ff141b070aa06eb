"""The staff survey pages (issue 18, items 6, 7, 9, 12): one sub-menu on every page, the key figures first
and written properly, destructive actions apart and last, codes shown by their Spanish labels, short dates."""

from __future__ import annotations

import re
from datetime import datetime

from crm.core.display import NBSP
from crm.core.extensions import db
from tests.factories import make_survey
from tests.surveys_staff.helpers import NAV, answer, invite, scored_survey


def survey_pages(survey_id: int) -> list[str]:
    return [f"/encuestas/{survey_id}", f"/encuestas/{survey_id}/respuestas", f"/encuestas/{survey_id}/invitar",
            f"/encuestas/{survey_id}/invitaciones"]


def nav_of(page: str) -> str:
    found = NAV.findall(page)
    assert len(found) == 1, "one sub-menu per page"
    return found[0]


def test_the_sub_menu_is_the_same_on_every_survey_page(client, login_as):
    survey = scored_survey()
    login_as("staff")
    menus = []
    builder = [f"/encuestas/{survey.id}/preguntas", f"/encuestas/{survey.id}/editar",
               f"/encuestas/{survey.id}/vista-previa"]  # the builder's pages include the same sub-menu
    for url in survey_pages(survey.id) + builder:
        response = client.get(url)
        assert response.status_code == 200, url
        menu = nav_of(response.get_data(as_text=True))
        current = re.findall(r'href="([^"]+)" aria-current="page"', menu)
        assert current == [url], (url, current)  # each page marks itself, and only itself
        menus.append(menu.replace(' aria-current="page"', "").replace(" active", ""))
    assert len(set(menus)) == 1
    links = re.findall(r">([^<>]+)</a>", menus[0])
    assert links == ["Resultados", "Respuestas", "Análisis", "Preguntas", "Configuración", "Vista previa", "Invitar",
                     "Invitaciones"]


def test_the_sub_menu_shows_a_role_only_what_it_may_open(client, login_as):
    survey = scored_survey()
    login_as("coordinator")
    for url in survey_pages(survey.id)[:2]:
        menu = nav_of(client.get(url).get_data(as_text=True))
        assert re.findall(r">([^<>]+)</a>", menu) == ["Resultados", "Respuestas", "Análisis"]


def test_the_key_figures_come_first_and_are_written_as_percentages(client, login_as):
    survey = scored_survey()
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', page))
    assert figures == {"satisfaccion": f"66.7{NBSP}%", "tasa": f"25{NBSP}%", "respuestas": "4"}
    assert "1 de 4 invitaciones respondidas" in page and "1 excluida de los indicadores" in page
    first_figure = page.index('data-figure="satisfaccion"')
    assert page.index('data-figure="tasa"') < page.index("Enlaces para responder") < page.index("Resultados por pregunta")
    assert first_figure < page.index("Descargar XLSForm")
    assert "2 respuestas positivas de 3 respuestas a las preguntas del indicador" in page
    # per-option percentages: "66.7 %", "0 %", never a bare "66.7" or "0.0"
    assert f">66.7{NBSP}%<" in page and f">33.3{NBSP}%<" in page and f">0{NBSP}%<" in page
    assert not re.search(r">\d+\.\d<", page)
    assert "Resultados por pregunta (3 respuestas)" in page


def test_without_indicator_answers_or_invitations_the_figures_say_why(client, login_as):
    survey = make_survey(state="open")
    login_as("viewer")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert 'data-figure="satisfaccion">—<' in page and "Aún no hay respuestas a las preguntas del indicador" in page
    assert 'data-figure="tasa">—<' in page and "Sin invitaciones personales" in page


def test_closing_is_apart_and_after_every_other_action(client, login_as):
    survey = scored_survey()
    login_as("admin")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    close = page.index(">Cerrar encuesta</button>")
    assert page.count(">Cerrar encuesta</button>") == 1
    for other in ("Descargar XLSForm", "Respuestas (CSV)", "Respuestas (XLSX)", "Importar respuestas",
                  "Duplicar encuesta", "Resultados por pregunta", "Ráfagas de respuestas", "Copiar enlace"):
        assert page.index(other) < close, other
    section = page[page.rindex("<section", 0, close):close]
    assert 'class="card border-danger' in section and "Cerrar la encuesta" in section
    assert "Abrir encuesta" not in page
    assert client.post(f"/encuestas/{survey.id}/estado", data={"accion": "cerrar"}).status_code == 302
    db.session.refresh(survey)
    assert survey.state == "closed"

    draft = make_survey(state="draft")
    page = client.get(f"/encuestas/{draft.id}").get_data(as_text=True)
    assert "Cerrar encuesta" not in page
    assert page.index(">Abrir encuesta</button>") < page.index('data-figure="satisfaccion"')


def test_codes_are_shown_by_their_spanish_labels(client, login_as):
    survey = make_survey(state="open", languages=["es", "en", "fr"], anonymous=False)
    answer(survey, "buena", language="en", channel="import")
    answer(survey, "mala")
    invite(survey, 2, answered=1, source="programa:nadie")
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "idiomas: Español, Inglés, Francés" in page
    assert "· Opción única ·" in page and "· Texto ·" in page
    assert "select_one" not in page and "Participantes de «nadie»" in page
    responses = client.get(f"/encuestas/{survey.id}/respuestas").get_data(as_text=True)
    assert "· Inglés · Importada" in responses and "· Español · Web" in responses
    assert "· es ·" not in responses and not re.search(r"\bimport\b", re.sub(r"<[^>]+>", " ", responses))
    invitations = client.get(f"/encuestas/{survey.id}/invitaciones").get_data(as_text=True)
    assert "Correo electrónico" in invitations and ">email<" not in invitations
    assert ">Enviada<" in invitations and ">Respondida<" in invitations and ">sent<" not in invitations


def test_dates_are_short_and_local_and_tables_sit_in_their_box(client, login_as):
    survey = scored_survey(opens_at=datetime(2025, 3, 12, 18, 5))
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert f"12{NBSP}mar{NBSP}2025,{NBSP}12:05" in page  # 18:05 UTC in Mexico City
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", " ", page))
    for html in (page, client.get(f"/encuestas/{survey.id}/invitaciones").get_data(as_text=True),
                 client.get("/encuestas/").get_data(as_text=True)):
        tables, wrapped = html.count("<table"), len(re.findall(r'<div class="table-responsive"[^>]*>\s*<table', html))
        assert tables and tables == wrapped
    invitations = client.get(f"/encuestas/{survey.id}/invitaciones").get_data(as_text=True)
    assert f"5{NBSP}may{NBSP}2025" in invitations and "2025-05-05" not in invitations


def test_pages_show_no_python_values(client, login_as):
    survey = scored_survey()
    db.session.commit()
    login_as("admin")
    for url in [*survey_pages(survey.id), "/encuestas/", f"/encuestas/{survey.id}/cartel"]:
        text = re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))
        for raw in ("None", "nan", "True", "False", "select_one"):
            assert not re.search(rf"\b{raw}\b", text), (url, raw)
