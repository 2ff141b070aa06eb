"""A survey that asks the age twice (a number and a choice of ranges) and whether it is the person's first time
as an observer, for the age-band and question-by-question cross-tabulations."""

from __future__ import annotations

from tests.factories import make_survey

SATISFACTION = {"name": "satisfaccion", "type": "select_one", "labels": {"es": "¿Qué tan satisfecha está?"},
                "choices": [("mucho", {"es": "Mucho"}, True), ("poco", {"es": "Poco"}, False)]}
FIRST_TIME = {"name": "primera_vez", "type": "select_one",
              "labels": {"es": "¿Es su primera vez como persona observadora?"},
              "choices": [("si", {"es": "Sí"}, False), ("no", {"es": "No"}, False)]}
AGE_NUMBER = {"name": "p7", "type": "integer", "labels": {"es": "¿Cuántos años cumplidos tiene?"}}
AGE_RANGES = {"name": "rango", "type": "select_one", "labels": {"es": "Rango"},
              "choices": [("a", {"es": "18 a 29 años"}, False), ("b", {"es": "30-44"}, False),
                          ("c", {"es": "45 – 59 años"}, False), ("d", {"es": "60 o más"}, False),
                          ("x", {"es": "Prefiero no decirlo"}, False)]}
SCORE = {"name": "puntaje", "type": "integer", "labels": {"es": "Puntaje"}}


def survey_with(*questions):
    return make_survey(questions=[dict(q) for q in questions], languages=["es"], state="open")
