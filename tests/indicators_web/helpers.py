"""Hand-built responses with or without a person, for breakdown, impact and dashboard tests."""

from __future__ import annotations

from datetime import date, datetime

from crm.core.extensions import db
from surveys.models import Answer, Response
from tests.factories import make_activity, make_person, make_survey

ONE_INDICATOR = [
    {"name": "calidad", "type": "select_one", "indicator": True, "labels": {"es": "Calidad"},
     "choices": [("buena", {"es": "Buena"}, True), ("mala", {"es": "Mala"}, False)]},
]
Q1 = datetime(2025, 2, 10, 18, 0)   # 2025-02-10 12:00 in Mexico City
Q2 = datetime(2025, 5, 10, 18, 0)


def survey(component="AI3", year=2025, questions=None, **kwargs):
    return make_survey(questions or ONE_INDICATOR, component_code=component, year=year, **kwargs)


def respond(survey, at: datetime = Q1, person=None, **answers) -> Response:
    """question name -> choice name for select_one, or the text/number for other questions."""
    response = Response(survey_id=survey.id, submitted_at=at, channel="import",
                        person_id=person.id if person is not None else None)
    questions = {q.name: q for q in survey.questions}
    for name, value in answers.items():
        question = questions[name]
        if question.type == "select_one":
            choice = next(c for c in question.choices if c.name == value)
            response.answers.append(Answer(question_id=question.id, choice_id=choice.id))
        else:
            response.answers.append(Answer(question_id=question.id, value=str(value)))
    db.session.add(response)
    db.session.commit()
    return response


def sample_data(folder) -> dict:
    from datetime import date

    from crm.core.text import fold
    from crm.events.models import PartnerRequest
    from tests.factories import load_program, make_activity, make_organization, make_person

    load_program(2025)
    ai3 = survey("AI3", code="satisfaccion_ai3", title="Satisfacción AI3")
    ai5 = survey("AI5", code="satisfaccion_ai5", title="Satisfacción AI5")
    people = [make_person(f"Persona{i}", sex="mujer" if i % 2 else "hombre", networks=("rvc",)) for i in range(8)]
    for i, person in enumerate(people):
        respond(ai3, Q1, person, calidad="buena" if i < 6 else "mala")
    respond(ai3, Q2, None, calidad="mala")
    respond(ai5, Q2, None, calidad="buena")
    activities = [make_activity("AI2.2", date(2025, 1, 20), title="Boletín internacional de enero"),
                  make_activity("AI4.1", date(2025, 2, 14), title="Reunión con la Red Voto Chilango"),
                  make_activity("AI4.2", date(2025, 5, 3), title="Cápsula para connacionales")]
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    for received, attended, subject in ((date(2025, 1, 8), date(2025, 1, 10), "Informe de sesiones"),
                                        (date(2025, 4, 2), None, "Actualización del sistema")):
        db.session.add(PartnerRequest(received_on=received, attended_on=attended, requester_id=ine.id,
                                      subject=subject, subject_key=fold(subject)))
    db.session.commit()
    return {"ai3": ai3, "ai5": ai5, "activities": activities, "people": people}


CONFIANZA = [("baja", {"es": "Baja"}, False), ("media", {"es": "Media"}, False), ("alta", {"es": "Alta"}, True)]
CALIDAD = [("buena", {"es": "Buena"}, True), ("regular", {"es": "Regular"}, False), ("mala", {"es": "Mala"}, False)]


def questions(extra: str):
    return [
        {"name": "conocimiento", "type": "integer", "labels": {"es": "Conocimiento (0 a 10)"}},
        {"name": "confianza", "type": "select_one", "labels": {"es": "Confianza"}, "choices": CONFIANZA},
        {"name": "calidad", "type": "select_one", "labels": {"es": "Calidad"}, "choices": CALIDAD},
        {"name": "comentario", "type": "text", "labels": {"es": "Comentario"}},
        {"name": "pocas", "type": "decimal", "labels": {"es": "Pocas respuestas"}},
        {"name": extra, "type": "integer", "labels": {"es": extra}},
    ]


BEFORE = datetime(2025, 3, 1, 16)
AFTER = datetime(2025, 3, 1, 22)


def impact_pair():
    """A before/after pair around one course: 6 people answered both (see test_impact for the figures)."""
    activity = make_activity("AI3.3", date(2025, 3, 1), title="Curso para la Red de Observación")
    before = make_survey(questions("solo_antes"), code="curso_antes", title="Curso: antes", year=2025,
                         activity_id=activity.id)
    after = make_survey(questions("solo_despues"), code="curso_despues", title="Curso: después", year=2025,
                        activity_id=activity.id, pre_survey_id=before.id)
    people = [make_person(f"Persona{i}") for i in range(7)]
    b = {"conocimiento": [2, 3, 4, 5, 5, 6], "confianza": ["baja", "baja", "media", "media", "alta", "baja"],
         "calidad": ["mala", "regular", "regular", "buena", "mala", "buena"]}
    a = {"conocimiento": [4, 3, 6, 5, 7, 9], "confianza": ["media", "baja", "alta", "media", "alta", "alta"],
         "calidad": ["regular", "regular", "buena", "buena", "buena", "mala"]}
    # person 0 answered the "before" twice: only the later response counts
    respond(before, datetime(2025, 3, 1, 15), people[0], conocimiento=9, confianza="alta", calidad="buena")
    for i in range(6):
        extra = {"pocas": "1.5"} if i < 4 else {}
        respond(before, BEFORE, people[i], conocimiento=b["conocimiento"][i], confianza=b["confianza"][i],
                calidad=b["calidad"][i], comentario="texto", solo_antes=1, **extra)
        respond(after, AFTER, people[i], conocimiento=a["conocimiento"][i], confianza=a["confianza"][i],
                calidad=a["calidad"][i], comentario="texto", pocas="2,5", solo_despues=1)
    respond(before, BEFORE, people[6], conocimiento=0, confianza="baja", calidad="mala")   # no "after"
    respond(after, AFTER, None, conocimiento=10, confianza="alta", calidad="buena")         # anonymous
    return before, after
