"""`flask demo load`: realistic demo data so a newcomer sees a living system. Idempotent."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from crm.app import demo_2026, demo_coding, demo_year
from crm.contacts.catalogs import ALCALDIAS, NETWORKS
from crm.contacts.models import (
    Affiliation,
    Consent,
    Membership,
    Network,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
)
from crm.core.extensions import db
from crm.core.text import fold
from crm.events.agreements.models import Agreement
from crm.events.models import Activity, Attendance, ObservationProgram, Participant, PartnerRequest
from crm.program import services as program_services
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey

demo_cli = AppGroup("demo", help="Datos de demostración.")

DEMO_MARK = "demo"

ORGANIZATIONS = [
    ("Instituto Nacional Electoral", "INE", "electoral", "nacional", "MX"),
    ("Instituto Electoral del Estado de México", "IEEM", "electoral", "local", "MX"),
    ("Instituto Electoral y de Participación Ciudadana de Jalisco", "IEPC Jalisco", "electoral", "local", "MX"),
    ("Tribunal Electoral de la Ciudad de México", "TECDMX", "electoral", "local", "MX"),
    ("Universidad Nacional Autónoma de México", "UNAM", "academica", "nacional", "MX"),
    ("El Colegio de México", "COLMEX", "academica", "nacional", "MX"),
    ("Universidad de Guadalajara", "UdeG", "academica", "nacional", "MX"),
    ("Secretaría de Relaciones Exteriores", "SRE", "gubernamental", "nacional", "MX"),
    ("Consulado General de México en Chicago", "", "gubernamental", "internacional", "US"),
    ("Consulado General de México en Los Ángeles", "", "gubernamental", "internacional", "US"),
    ("Alcaldía Coyoacán", "", "gubernamental", "local", "MX"),
    ("Organización de los Estados Americanos", "OEA", "internacional", "internacional", "US"),
    ("Instituto Internacional para la Democracia y la Asistencia Electoral", "IDEA Internacional", "internacional",
     "internacional", "SE"),
    ("Programa de las Naciones Unidas para el Desarrollo", "PNUD", "internacional", "internacional", "US"),
    ("Observatorio Ciudadano de la Ciudad de México", "", "sociedad_civil", "local", "MX"),
    ("Red de Mujeres Migrantes en Canadá", "", "sociedad_civil", "internacional", "CA"),
    ("Casa de México en España", "", "sociedad_civil", "internacional", "ES"),
    ("Fundación para la Democracia Digital", "", "privada", "nacional", "MX"),
    ("Canal del Congreso de la Ciudad de México", "", "medios", "local", "MX"),
    ("Dirección Ejecutiva de Organización Electoral y Geoestadística", "DEOEyG", "area_interna", "local", "MX"),
]

GIVEN_F = ["María", "Guadalupe", "Rosa", "Ana", "Fernanda", "Ximena", "Itzel", "Lucía", "Mariana", "Alejandra",
           "Sofía", "Daniela", "Verónica", "Citlali", "Patricia"]
GIVEN_M = ["José", "Juan", "Luis", "Carlos", "Óscar", "Miguel", "Jorge", "Alejandro", "Emiliano", "Raúl",
           "Jesús", "Ricardo", "Tonatiuh", "Andrés", "Diego"]
SURNAMES = ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
            "Cruz", "Flores", "Gómez", "Téllez", "Nava", "Ortiz", "Jiménez", "Núñez", "Ávila", "Bautista", "Xolalpa"]
ABROAD = [
    ("US", "Illinois", "Chicago", "+1312555{:04d}"), ("US", "California", "Los Ángeles", "+1213555{:04d}"),
    ("US", "Texas", "Houston", "+1713555{:04d}"), ("US", "Nueva York", "Nueva York", "+1212555{:04d}"),
    ("CA", "Ontario", "Toronto", "+1416555{:04d}"), ("CA", "Quebec", "Montreal", "+1514555{:04d}"),
    ("ES", "Madrid", "Madrid", "+3491{:07d}"), ("DE", "Berlín", "Berlín", "+4930{:08d}"),
    ("FR", "Île-de-France", "París", "+331{:08d}"), ("GB", "Inglaterra", "Londres", "+4420{:08d}"),
]


def _org(index, name, acronym, kind, scope, country) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.name_key == fold(name)))
    if org is None:
        org = Organization(name=name, name_key=fold(name), acronym=acronym or None,
                           acronym_key=fold(acronym) if acronym else None, type=kind, scope=scope, country=country)
        org.relations = demo_year.relation_periods(name, index)  # alta (and baja) in the past, not today
        db.session.add(org)
    return org


def _network(code: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.code == code))
    if network is None:
        network = Network(code=code, name=NETWORKS[code])
        db.session.add(network)
    return network


def _person(rng: random.Random, index: int, networks: dict[str, Network], orgs: list[Organization]) -> None:
    email = f"persona.demo{index:03d}@example.org"
    if db.session.scalar(select(PersonEmail.id).where(PersonEmail.address_key == email)):
        return
    female = rng.random() < 0.55
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    first, second = rng.choice(SURNAMES), rng.choice(SURNAMES)
    person = Person(given_name=given, first_surname=first, second_surname=second,
                    sex="mujer" if female else "hombre", language="es")
    if index % 3 == 0:  # natives abroad: Red Voto Chilango
        country, state, city, phone = ABROAD[index % len(ABROAD)]
        person.country, person.state, person.city = country, state, city
        person.origin_alcaldia = ALCALDIAS[index % len(ALCALDIAS)]
        person.phones.append(PersonPhone(e164=phone.format(index + 2000), is_primary=True, whatsapp=True))
        network_codes = ["rvc"]
    else:  # Mexico City residents: Red de Observación
        person.country, person.state, person.city = "MX", "Ciudad de México", "Ciudad de México"
        person.alcaldia = ALCALDIAS[index % len(ALCALDIAS)]
        person.phones.append(PersonPhone(e164=f"+5255{12340000 + index:08d}", is_primary=True))  # valid, one each
        network_codes = ["observacion"] if index % 3 == 1 else []
    person.name_key = fold(person.full_name)
    person.emails.append(PersonEmail(address=email, address_key=email, is_primary=True))
    person.consents.append(Consent(notice_version="2025-01", channel="import",
                                   accepted_at=datetime(2025, 1, 15) + timedelta(days=index)))
    for code in network_codes:
        person.memberships.append(Membership(network=networks[code], status="active", source=DEMO_MARK))
    if index % 4 == 2:
        person.affiliations.append(Affiliation(organization=orgs[index % len(orgs)], position="Enlace institucional"))
    db.session.add(person)


def load_demo(seed: int = 2025) -> dict[str, int]:
    rng = random.Random(seed)
    if program_services.program_for_year(2025) is None:
        program_services.load_program(program_services.read_program_file(None), actor="demo")
    networks = {code: _network(code) for code in NETWORKS}
    orgs = [_org(index, *row) for index, row in enumerate(ORGANIZATIONS)]
    demo_year.unclassified_organizations()
    db.session.flush()
    for index in range(1, 61):
        _person(rng, index, networks, orgs)
    # a few foreign visitors for the observation programs
    visitors = [("Claire", "Dubois", "FR", "claire.dubois@example.fr"), ("John", "Miller", "US", "john.miller@example.com"),
                ("Ingrid", "Schulz", "DE", "ingrid.schulz@example.de"), ("Laura", "Fernández", "ES", "laura.fernandez@example.es")]
    for given, surname, country, email in visitors:
        if not db.session.scalar(select(PersonEmail.id).where(PersonEmail.address_key == email)):
            person = Person(given_name=given, first_surname=surname, country=country, nationality=country,
                            language="en" if country in ("US", "DE") else "es", sex="mujer" if given != "John" else "hombre")
            person.name_key = fold(person.full_name)
            person.emails.append(PersonEmail(address=email, address_key=email, is_primary=True))
            db.session.add(person)
    db.session.flush()
    _programs()
    _activities(rng, orgs)
    _requests(orgs)
    db.session.commit()
    _surveys(rng)
    db.session.commit()
    demo_year.load_agreements()  # through their services, which commit
    demo_year.load_evidence()
    demo_year.load_reference_figures()
    demo_2026.load_year()  # a second, smaller program year, for the indicators' year-over-year comparison
    demo_coding.load_coding()  # codes of the comments of one survey
    return {
        "people": db.session.scalar(select(func.count(Person.id))),
        "organizations": db.session.scalar(select(func.count(Organization.id))),
        "activities": db.session.scalar(select(func.count(Activity.id))),
        "agreements": db.session.scalar(select(func.count(Agreement.id))),
    }


def _programs() -> None:
    specs = [("pp2025", "Consulta de Presupuesto Participativo 2025", date(2025, 5, 4), "AI5"),
             ("pj2025", "Elección local del Poder Judicial 2025", date(2025, 6, 1), "AI6")]
    for code, name, day, component in specs:
        program = db.session.scalar(select(ObservationProgram).where(ObservationProgram.code == code))
        if program is None:
            program = ObservationProgram(code=code, name=name, election_date=day, component_code=component, year=2025)
            db.session.add(program)
            db.session.flush()
            observers = db.session.scalars(
                select(Person).join(Membership).join(Network).where(Network.code == "observacion").order_by(Person.id)
                .limit(8)).all()
            for i, person in enumerate(observers):
                program.participants.append(Participant(
                    person=person, role="observer", training_completed=i % 3 != 0,
                    accreditation_status="accredited" if i % 4 else "in_review", folio=f"{code.upper()}-OBS-{i + 1:03d}"))
            visitors = db.session.scalars(select(Person).where(Person.nationality.is_not(None)).order_by(Person.id)).all()
            for i, person in enumerate(visitors):
                program.participants.append(Participant(person=person, role="visitor", training_completed=True,
                                                        accreditation_status="accredited",
                                                        folio=f"{code.upper()}-VE-{i + 1:03d}"))


def _activities(rng: random.Random, orgs: list[Organization]) -> None:
    plan = [("AI2.2", "Boletín internacional", "difusion", "virtual", 10), ("AI4.1", "Reunión con la Red Voto Chilango",
            "reunion", "virtual", 6), ("AI4.2", "Cápsula informativa para la comunidad en el exterior", "difusion",
            "virtual", 20), ("AI3.3", "Curso para personas observadoras", "curso", "hibrida", 4),
            ("AI3.1", "Conversatorio con la academia", "conversatorio", "presencial", 3),
            ("AI2.1", "Seminario internacional de justicia electoral", "seminario", "hibrida", 1)]
    for code, title, kind, modality, count in plan:
        line = program_services.action_line_by_code(2025, code)
        for i in range(count):
            day = date(2025, 1, 10) + timedelta(days=int(300 * i / max(count, 1)) + random.Random(f"{code}-{i}").randint(0, 9))
            full_title = f"{title} {i + 1}"
            exists = db.session.scalar(select(Activity.id).where(Activity.title_key == fold(full_title)))
            if exists:
                continue
            activity = Activity(date=day, action_line_id=line.id, title=full_title, title_key=fold(full_title),
                                type=kind, modality=modality, place="Ciudad de México" if modality != "virtual" else "")
            if code in ("AI3.1", "AI2.1"):
                activity.organizations.append(orgs[(i * 5) % len(orgs)])
            db.session.add(activity)
            db.session.flush()
            if code in ("AI4.1", "AI3.3"):
                network = "rvc" if code == "AI4.1" else "observacion"
                members = db.session.scalars(select(Person.id).join(Membership).join(Network)
                                             .where(Network.code == network).order_by(Person.id).limit(6)).all()
                for person_id in members:
                    db.session.add(Attendance(activity_id=activity.id, person_id=person_id))


def _requests(orgs: list[Organization]) -> None:
    ine = orgs[0]
    subjects = ["Informe de sesiones del Consejo General", "Actualización del sistema de vinculación",
                "Solicitud de información sobre convenios", "Intercambio de experiencias con el OPLE",
                "Opinión sobre convenio de colaboración"]
    for i in range(16):
        received = date(2025, 1, 8) + timedelta(days=19 * i)
        subject = f"{subjects[i % len(subjects)]} ({i + 1})"
        if db.session.scalar(select(PartnerRequest.id).where(PartnerRequest.subject_key == fold(subject))):
            continue
        attended = received + timedelta(days=3) if i % 5 != 4 else None
        line = program_services.action_line_by_code(2025, f"AI1.{i % 7 + 1}")
        db.session.add(PartnerRequest(received_on=received, attended_on=attended, requester_id=(orgs[i % 3]).id
                                      if i % 2 else ine.id, subject=subject, subject_key=fold(subject),
                                      action_line_id=line.id))


def _surveys(rng: random.Random) -> None:
    specs = [("demo-satisfaccion-rvc", "Satisfacción de la reunión con la Red Voto Chilango",
              "Satisfaction with the Red Voto Chilango meeting", "AI3", 40),
             ("demo-observacion-pp2025", "Satisfacción de las personas observadoras: Presupuesto Participativo 2025",
              "Observer satisfaction: Participatory Budget 2025", "AI5", 60)]
    for code, title_es, title_en, component, answers in specs:
        if db.session.scalar(select(Survey.id).where(Survey.code == code)):
            continue
        # the 2025 program year's surveys: open through the year, closed at its end (not "Abierta" in 2026)
        survey = Survey(code=code, form_id=code, title=title_es, titles={"es": title_es, "en": title_en},
                        state="closed", languages=["es", "en"], component_code=component, year=2025,
                        open_token=secrets.token_urlsafe(32), created_at=datetime(2025, 1, 13, 16),
                        opens_at=datetime(2025, 1, 20, 15), closes_at=datetime(2025, 12, 19, 23))
        scale = [("muy_satisfecho", "Muy satisfecha o satisfecho", "Very satisfied", True),
                 ("satisfecho", "Satisfecha o satisfecho", "Satisfied", True),
                 ("poco", "Poco satisfecha o satisfecho", "Somewhat dissatisfied", False),
                 ("nada", "Nada satisfecha o satisfecho", "Not satisfied", False)]
        q1 = Question(position=0, type="select_one", name="satisfaccion", list_name="escala", required=True,
                      indicator=True, labels={"es": "En general, ¿qué tan satisfecha o satisfecho quedó?",
                                              "en": "Overall, how satisfied were you?"})
        for pos, (name, es, en, positive) in enumerate(scale):
            q1.choices.append(Choice(position=pos, name=name, labels={"es": es, "en": en}, positive=positive))
        q2 = Question(position=1, type="text", name="comentarios", labels={"es": "Comentarios", "en": "Comments"})
        survey.questions.extend([q1, q2])
        db.session.add(survey)
        db.session.flush()
        for i in range(answers):
            when = datetime(2025, 1, 20, 17) + timedelta(days=int(320 * i / answers), hours=rng.randint(0, 6))
            response = Response(survey_id=survey.id, submitted_at=when, language="es" if i % 4 else "en", channel="web")
            weights = [0.45, 0.35, 0.15, 0.05]
            choice = rng.choices(q1.choices, weights=weights)[0]
            response.answers.append(Answer(question_id=q1.id, choice_id=choice.id))
            if i % 5 == 0:
                response.answers.append(Answer(question_id=q2.id, value=demo_coding.comment(i // 5)))
            db.session.add(response)
        if component == "AI5":
            _invite_program_participants(survey, q1)


def _invite_program_participants(survey, question) -> None:
    """The observation program's participants are invited; the first half answered with their link."""
    program = db.session.scalar(select(ObservationProgram).where(ObservationProgram.code == "pp2025"))
    survey.observation_program_id = program.id
    for i, participant in enumerate(sorted(program.participants, key=lambda p: p.id)):
        invitation = Invitation(survey_id=survey.id, person_id=participant.person_id, token=secrets.token_urlsafe(32),
                                status="sent", channel="email", source="programa:pp2025",
                                sent_at=datetime(2025, 5, 5, 15))
        db.session.add(invitation)
        if i % 2 == 0:
            db.session.flush()
            when = datetime(2025, 5, 5, 18) + timedelta(hours=i)
            invitation.status, invitation.opened_at, invitation.answered_at = "answered", when, when
            response = Response(survey_id=survey.id, person_id=participant.person_id, invitation_id=invitation.id,
                                submitted_at=when, language="es", channel="web")
            response.answers.append(Answer(question_id=question.id, choice_id=question.choices[i % 3].id))
            db.session.add(response)


@demo_cli.command("load")
def load() -> None:
    """Carga datos de demostración (programa 2025, contactos, organizaciones, actividades, convenios, encuestas).
    Idempotente."""
    counts = load_demo()
    click.echo(f"demo: {counts['people']} personas, {counts['organizations']} organizaciones, "
               f"{counts['activities']} actividades, {counts['agreements']} convenios")
