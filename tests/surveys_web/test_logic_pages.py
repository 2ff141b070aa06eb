"""The survey page, its results and the responses page with a form that has XLSForm logic and the standard's
other types: type names, the logic as written, the answers shown sensibly, the denominators of questions that
do not always apply."""

from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.responses import summaries
from surveys.responses.describe import datetime_text, geopoint_text, time_text
from tests.surveys_builder.logic_survey import make_logic_survey, respond


def seed():
    survey = make_logic_survey(state="open")
    respond(survey, {"edad": "30", "trabajo": ["si"], "correo": "ana@example.org", "hora": "14:30:00.000-06:00",
                     "cuando": "2025-03-01T14:30:00Z", "nivel": "7", "prioridades": ["b", "a", "c"],
                     "lugar": "19.4326 -99.1332 2240 5", "edad_meses": "360", "inicio": "2025-03-01T14:00:00-06:00",
                     "comentario": "<b>bien</b>"})
    respond(survey, {"edad": "40", "trabajo": ["no"], "hora": "09:05", "cuando": "2025-03-02T10:00:00-06:00",
                     "nivel": "3", "prioridades": ["a", "b", "c"], "edad_meses": "480"})
    respond(survey, {"edad": "10", "edad_meses": "120"})
    return survey


def by_name(per_question):
    return {s.question.name: s for s in per_question}


def test_answers_as_text():
    assert time_text("14:30:00.000-06:00") == "14:30" and time_text("9:05") == "09:05"
    assert datetime_text("2025-03-01T14:30:00Z") == "2025-03-01 08:30"  # Mexico City, UTC-6
    assert datetime_text("2025-03-01T14:30") == "2025-03-01 14:30" and datetime_text("mañana") == "mañana"
    assert geopoint_text("19.4326 -99.1332 2240 5") == "19.4326, -99.1332" and geopoint_text("x") == "x"


def test_summaries_of_the_new_types_and_the_questions_that_did_not_always_apply(app):
    survey = seed()
    total, per_question = summaries.summarize(survey)
    s = by_name(per_question)
    assert total == 3
    assert "inicio" not in s and "fin" not in s  # metadata: only on request
    assert {"inicio", "fin"} <= set(by_name(summaries.summarize(survey, metadata=True)[1]))
    # «trabajo» is required inside a section shown to adults: the child's response did not apply
    assert (s["trabajo"].answered, s["trabajo"].not_applicable, s["trabajo"].surely_not_applicable) == (2, 1, True)
    assert [c.percent for c in s["trabajo"].choices] == [50.0, 50.0]  # over those it applied to
    assert (s["comentario"].not_applicable, s["comentario"].surely_not_applicable) == (2, False)
    assert s["edad"].not_applicable is None and s["correo"].not_applicable is None
    assert s["nivel"].mean == 5.0 and s["edad_meses"].mean == 320.0
    assert (s["hora"].earliest, s["hora"].latest) == ("09:05", "14:30")
    assert (s["cuando"].earliest, s["cuando"].latest) == ("2025-03-01 08:30", "2025-03-02 10:00")
    assert [(r.name, r.mean_position, r.first) for r in s["prioridades"].ranks] == \
        [("a", 1.5, 1), ("b", 1.5, 1), ("c", 3.0, 0)]
    assert s["lugar"].answered == 1 and not s["lugar"].samples  # a location is not sampled on the results
    assert [line.label for line in s["trabajo"].logic] == ["Se muestra si (sección «Personas adultas»)"]


def test_survey_page_names_types_shows_logic_and_denominators(client, login_as):
    survey = seed()
    login_as("coordinator")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    for label in ("Hora", "Fecha y hora", "Rango", "Ordenar opciones", "Ubicación (geopunto)", "Cálculo", "Imagen"):
        assert f"· {label} ·" in page, label
    assert "respondieron 2 de 3 (no aplicaba a 1)" in page
    assert "respondieron 1 de 3 (sin respuesta o no aplicaba: 2)" in page
    assert "Se muestra si (sección «Personas adultas»): <code>${edad} &gt;= 18</code>" in page
    assert "Cálculo: <code>${edad} * 12</code>" in page and "Promedio: 320<" in page and "320.0" not in page
    assert "De 09:05 a 14:30" in page and "Posición promedio" in page
    assert "&lt;b&gt;bien&lt;/b&gt;" in page and "<b>bien</b>" not in page
    assert "Inicio (inicio)" not in page and "Mostrar los metadatos" in page
    page = client.get(f"/encuestas/{survey.id}?metadatos=1").get_data(as_text=True)
    assert "Inicio (inicio)" in page and "Ocultar los metadatos" in page


def test_a_viewer_sees_results_without_the_texts(client, login_as):
    survey = seed()
    login_as("viewer")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "respondieron 2 de 3 (no aplicaba a 1)" in page and "&lt;b&gt;bien" not in page
    assert client.get(f"/encuestas/{survey.id}/respuestas").status_code == 403


def test_responses_page_shows_each_type_sensibly_and_is_audited(client, login_as):
    survey = seed()
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/respuestas").get_data(as_text=True)
    assert "<dd class=\"col-sm-8 text-prewrap\">14:30</dd>" in page
    assert "2025-03-01 08:30" in page and "19.4326, -99.1332" in page and "2240" not in page
    assert '<ol class="mb-0 ps-3"><li>Beta</li><li>Alfa</li><li>Gama</li></ol>' in page
    assert ">360<" in page and ">7<" in page and "Inicio (inicio)" in page
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "surveys.view_responses"))
