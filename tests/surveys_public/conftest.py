import pytest

from tests.factories import make_survey

RICH_QUESTIONS = [
    {"type": "note", "name": "intro", "labels": {"es": "Gracias por participar.", "en": "Thank you for taking part."}},
    {"type": "begin_group", "name": "actividad", "labels": {"es": "Sobre la actividad", "en": "About the activity"}},
    {"name": "calidad", "type": "select_one", "required": True, "indicator": True,
     "labels": {"es": "¿Cómo califica la sesión?", "en": "How do you rate the session?"},
     "hints": {"es": "Elija la opción que mejor la describa.", "en": "Choose the option that fits best."},
     "choices": [("buena", {"es": "Buena", "en": "Good"}, True),
                 ("regular", {"es": "Regular", "en": "Fair"}, False),
                 ("mala", {"es": "Mala", "en": "Poor"}, False)]},
    {"name": "temas", "type": "select_multiple",
     "labels": {"es": "¿Qué temas le interesan?", "en": "Which topics interest you?"},
     "choices": [("voto", {"es": "Voto", "en": "Voting"}, False),
                 ("observacion", {"es": "Observación electoral", "en": "Election observation"}, False),
                 ("otro", {"es": "Otro", "en": "Other"}, False)]},
    {"type": "end_group", "name": "fin_actividad"},
    {"type": "begin_group", "name": "usted", "labels": {"es": "Sobre usted", "en": "About you"}},
    {"name": "edad", "type": "integer", "labels": {"es": "Edad", "en": "Age"}},
    {"name": "horas", "type": "decimal", "labels": {"es": "Horas dedicadas", "en": "Hours spent"}},
    {"name": "fecha", "type": "date", "labels": {"es": "Fecha de la actividad", "en": "Date of the activity"}},
    {"name": "comentarios", "type": "text", "required": True,
     "labels": {"es": "Comentarios", "en": "Comments"}},
    {"type": "end_group", "name": "fin_usted"},
]


@pytest.fixture
def survey(app):
    return make_survey(state="open")


@pytest.fixture
def rich_survey(app):
    return make_survey(questions=RICH_QUESTIONS, state="open", titles={"es": "Evaluación del taller",
                                                                      "en": "Workshop evaluation"})
