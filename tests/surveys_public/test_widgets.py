"""The respondent page's widgets for the standard's types and appearances (issue 14, items 3 and 4): time,
datetime, range, rank, geopoint typed by hand, acknowledge, barcode, minimal, likert, table-list grids."""

from __future__ import annotations

from sqlalchemy import select

from crm.core.extensions import db
from surveys.models import Response
from tests.factories import make_survey
from tests.surveys_public.helpers import Page

SCALE = [("1", {"es": "Nada"}, False), ("2", {"es": "Poco"}, False), ("3", {"es": "Mucho"}, False)]


def labels(es: str) -> dict:
    return {"es": es, "en": es}


def stored(survey_id: int) -> list[dict]:
    responses = db.session.scalars(select(Response).where(Response.survey_id == survey_id)).all()
    return [{a.question.name: a.choice.name if a.choice else a.value for a in r.answers} for r in responses]


def typed_questions() -> list[dict]:
    return [
        {"name": "hora", "type": "time", "labels": labels("Hora de llegada")},
        {"name": "cuando", "type": "datetime", "labels": labels("Fecha y hora")},
        {"name": "nivel", "type": "range", "labels": labels("Nivel"),
         "logic": {"parameters": {"start": "0", "end": "10", "step": "2"}}},
        {"name": "orden", "type": "rank", "labels": labels("Ordene"), "choices": SCALE},
        {"name": "lugar", "type": "geopoint", "labels": labels("Ubicación")},
        {"name": "acuerdo", "type": "acknowledge", "labels": labels("Leí el aviso")},
        {"name": "codigo", "type": "barcode", "labels": labels("Código")},
    ]


def test_each_type_has_its_input_and_is_stored_as_the_parser_expects(client, app):
    survey = make_survey(state="open", questions=typed_questions())
    page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    kinds = {(i.get("name"), i.get("type")) for i in page.inputs if i["tag"] == "input"}
    assert {("q_hora", "time"), ("q_cuando", "datetime-local"), ("q_nivel", "number"), ("q_acuerdo", "checkbox"),
            ("q_codigo", "text"), ("q_lugar", "text")} <= kinds
    level = next(i for i in page.inputs if i.get("name") == "q_nivel")
    assert (level["min"], level["max"], level["step"]) == ("0", "10", "2")
    assert [i for i in page.inputs if i.get("name") == "q_orden" and i["tag"] == "select"].__len__() == 3
    assert "1.º lugar" in page.labels.values() and "Latitud" in page.labels.values()
    assert "hora de la Ciudad de México" in page.html.lower() or "Ciudad de México" in page.html
    assert "/static/survey-logic.js?v=" in page.html and "data-geo" in page.html  # «Usar mi ubicación»
    response = client.post(f"/r/{survey.open_token}", data={
        "q_hora": "09:30", "q_cuando": "2025-06-30T10:15", "q_nivel": "4", "q_orden": ["3", "1", "2"],
        "q_lugar": ["19.4326", "-99.1332", "", "12"], "q_acuerdo": "OK", "q_codigo": "ABC-123"})
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    assert stored(survey.id) == [{"hora": "09:30:00", "cuando": "2025-06-30T10:15:00-06:00", "nivel": "4",
                                  "orden": "3 1 2", "lugar": "19.4326 -99.1332 0 12", "acuerdo": "OK",
                                  "codigo": "ABC-123"}]


def test_wrong_entries_come_back_with_messages_and_the_answers_kept(client, app):
    survey = make_survey(state="open", questions=typed_questions())
    response = client.post(f"/r/{survey.open_token}", data={
        "q_nivel": "5", "q_orden": ["1", "1", "2"], "q_lugar": ["", "-99.1", "", ""]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Escriba un número de 0 a 10, en pasos de 2." in html
    assert "Elija una opción distinta para cada lugar" in html
    assert "Escriba la latitud (de -90 a 90)" in html
    page = Page(html)
    assert [i.get("value") for i in page.inputs if i.get("name") == "q_lugar"] == ["", "-99.1", "", ""]
    assert stored(survey.id) == []


def test_minimal_likert_and_a_table_list_grid(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "lista", "type": "select_one", "appearance": "minimal", "labels": labels("Lista"), "choices": SCALE},
        {"name": "escala", "type": "select_one", "appearance": "likert", "labels": labels("Escala"), "choices": SCALE},
        {"type": "begin_group", "name": "tabla", "labels": labels("Tabla"), "appearance": "table-list"},
        {"name": "fila1", "type": "select_one", "labels": labels("Primera fila"), "choices": SCALE},
        {"name": "fila2", "type": "select_one", "labels": labels("Segunda fila"), "choices": SCALE},
        {"type": "end_group", "name": "fin_tabla"},
    ])
    html = client.get(f"/r/{survey.open_token}").get_data(as_text=True)
    page = Page(html)
    assert any(i["tag"] == "select" and i.get("name") == "q_lista" for i in page.inputs)
    assert 'class="choice-list likert"' in html
    assert html.count('class="choice-grid-row"') == 2 and 'class="choice-grid-head" aria-hidden="true"' in html
    assert {"Primera fila", "Segunda fila"} <= set(page.legends)
    response = client.post(f"/r/{survey.open_token}", data={"q_lista": "2", "q_escala": "3", "q_fila1": "1",
                                                            "q_fila2": "3"})
    assert response.status_code == 303
    assert stored(survey.id) == [{"lista": "2", "escala": "3", "fila1": "1", "fila2": "3"}]
