"""A second, modest program year in the demo data (called by crm.app.demo.load_demo, idempotent like it), so the
indicators' «Comparación anual» has two years to compare: the 2026 program (the built-in matrix with a smaller
AI2.2 target and a new line AI4.5), some activities and requests through October 2026, and one satisfaction
survey of the Red Voto Chilango meetings with its answers (anonymous, closed at the end of October).

Each piece is looked up first (the program by year, activities and requests by their folded titles, the survey
by its code) and skipped when present."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select

from crm.contacts.models import Organization
from crm.core.extensions import db
from crm.core.text import fold
from crm.events.models import Activity, PartnerRequest
from crm.program import services as program_services
from surveys.models import Answer, Choice, Question, Response, Survey

YEAR = 2026
NEW_LINE = {"code": "AI4.5", "target": 6, "description": "Jornadas informativas en los consulados sobre el voto "
            "de las personas ciudadanas residentes en el extranjero"}
# (line, title, type, modality, how many, first day): spread over January to October
ACTIVITIES = [("AI2.2", "Boletín internacional 2026", "difusion", "virtual", 8, date(2026, 1, 12)),
              ("AI4.1", "Reunión 2026 con la Red Voto Chilango", "reunion", "virtual", 5, date(2026, 1, 28)),
              ("AI4.2", "Cápsula informativa 2026 para la comunidad en el exterior", "difusion", "virtual", 12,
               date(2026, 1, 20)),
              ("AI3.1", "Conversatorio 2026 con la academia", "conversatorio", "presencial", 2, date(2026, 3, 9)),
              ("AI4.5", "Jornada informativa en consulado", "reunion", "hibrida", 2, date(2026, 4, 14))]
REQUESTERS = ("INE", "IEEM", "UNAM", "OEA", "SRE", "TECDMX")  # demo organizations, by acronym
REQUESTS = ["Calendario de sesiones 2026", "Datos de la consulta de presupuesto participativo 2026",
            "Intercambio de materiales de capacitación", "Opinión sobre programa de trabajo 2026",
            "Información para misión de observación", "Estadísticas de voto desde el extranjero"]
SURVEY = ("demo-satisfaccion-rvc-2026", "Satisfacción de las reuniones 2026 con la Red Voto Chilango",
          "Satisfaction with the 2026 Red Voto Chilango meetings")


def load_year() -> None:
    if program_services.program_for_year(YEAR) is None:
        _program()
    _activities()
    _requests()
    db.session.commit()
    _survey()
    db.session.commit()


def _program() -> None:
    data = program_services.read_program_file(None)
    data["year"], data["title"] = YEAR, f"Programa Anual de Vinculación {YEAR}"
    for level in data["levels"]:
        if level["code"] == "AI2":
            line = next(line for line in level["action_lines"] if line["code"] == "AI2.2")
            line["target"] -= 4
            level["target"] -= 4
        if level["code"] == "AI4":
            level["action_lines"].append(dict(NEW_LINE))
            level["target"] += NEW_LINE["target"]
    program_services.load_program(data, actor="demo")


def _activities() -> None:
    for code, title, kind, modality, count, first in ACTIVITIES:
        line = program_services.action_line_by_code(YEAR, code)
        for i in range(count):
            full_title = f"{title} {i + 1}"
            if db.session.scalar(select(Activity.id).where(Activity.title_key == fold(full_title))):
                continue
            day = first + timedelta(days=int(250 * i / count))
            db.session.add(Activity(date=day, action_line_id=line.id, title=full_title, title_key=fold(full_title),
                                    type=kind, modality=modality,
                                    place="Ciudad de México" if modality != "virtual" else ""))


def _requests() -> None:
    for i, subject in enumerate(REQUESTS):
        if db.session.scalar(select(PartnerRequest.id).where(PartnerRequest.subject_key == fold(subject))):
            continue
        received = date(2026, 1, 14) + timedelta(days=41 * i)
        line = program_services.action_line_by_code(YEAR, f"AI1.{i % 7 + 1}")
        requester = db.session.scalars(select(Organization.id).where(
            Organization.acronym_key == fold(REQUESTERS[i % len(REQUESTERS)])).order_by(Organization.id)).first()
        db.session.add(PartnerRequest(received_on=received, attended_on=received + timedelta(days=4) if i != 3 else None,
                                      requester_id=requester, subject=subject, subject_key=fold(subject),
                                      action_line_id=line.id))


def _survey() -> None:
    code, title_es, title_en = SURVEY
    if db.session.scalar(select(Survey.id).where(Survey.code == code)):
        return
    survey = Survey(code=code, form_id=code, title=title_es, titles={"es": title_es, "en": title_en}, state="closed",
                    languages=["es", "en"], component_code="AI3", year=YEAR, open_token=secrets.token_urlsafe(32),
                    created_at=datetime(2026, 1, 26, 16), opens_at=datetime(2026, 2, 2, 15),
                    closes_at=datetime(2026, 10, 31, 23))
    question = Question(position=0, type="select_one", name="satisfaccion", list_name="escala", required=True,
                        indicator=True, labels={"es": "En general, ¿qué tan satisfecha o satisfecho quedó?",
                                                "en": "Overall, how satisfied were you?"})
    scale = [("muy_satisfecho", "Muy satisfecha o satisfecho", "Very satisfied", True),
             ("satisfecho", "Satisfecha o satisfecho", "Satisfied", True),
             ("poco", "Poco satisfecha o satisfecho", "Somewhat dissatisfied", False),
             ("nada", "Nada satisfecha o satisfecho", "Not satisfied", False)]
    for position, (name, es, en, positive) in enumerate(scale):
        question.choices.append(Choice(position=position, name=name, labels={"es": es, "en": en}, positive=positive))
    survey.questions.append(question)
    db.session.add(survey)
    db.session.flush()
    rng = random.Random(f"demo-{YEAR}")
    for i in range(30):
        when = datetime(2026, 2, 3, 17) + timedelta(days=int(260 * i / 30), hours=rng.randint(0, 6))
        response = Response(survey_id=survey.id, submitted_at=when, language="es" if i % 4 else "en", channel="web")
        choice = rng.choices(question.choices, weights=[0.5, 0.38, 0.09, 0.03])[0]
        response.answers.append(Answer(question_id=question.id, choice_id=choice.id))
        db.session.add(response)
