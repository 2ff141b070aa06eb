from datetime import date

from sqlalchemy import func, select

from crm.core.extensions import db
from crm.events.models import Activity, Attendance, ObservationProgram, Participant, PartnerRequest
from tests.factories import load_program, make_activity, make_organization, make_person


def test_staff_registers_an_activity_with_new_and_known_organizations(client, login_as):
    load_program()
    make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    login_as("staff")
    response = client.post("/actividades/nueva", data={
        "date": "2025-03-10", "action_code": "AI2.1", "title": "Foro de justicia electoral", "type": "foro",
        "modality": "hibrida", "place": "Ciudad de México", "organizations": "ine; OEA", "description": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    activity = db.session.scalar(select(Activity))
    assert sorted(o.name for o in activity.organizations) == ["Instituto Nacional Electoral", "OEA"]
    # the same activity twice is refused with a clear message
    response = client.post("/actividades/nueva", data={
        "date": "2025-03-10", "action_code": "AI2.1", "title": "foro de JUSTICIA electoral", "type": "foro",
        "modality": "", "place": "", "organizations": "", "description": ""})
    assert response.status_code == 422
    assert "Ya está registrada" in response.get_data(as_text=True)


def test_attendance_by_email_reports_unknown_addresses(client, login_as):
    activity = make_activity("AI4.1")
    make_person(email="rosa@example.org")
    login_as("staff")
    response = client.post(f"/actividades/{activity.id}/asistencia",
                           data={"emails": "ROSA@example.org, nadie@example.org"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Asistencia registrada: 1" in page and "nadie@example.org" in page
    assert db.session.scalar(select(func.count(Attendance.id))) == 1
    client.post(f"/actividades/{activity.id}/asistencia", data={"emails": "rosa@example.org"})
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_requests_are_registered_and_attended(client, login_as):
    load_program()
    login_as("staff")
    response = client.post("/gestiones", data={"received_on": "2025-04-02", "requester": "Instituto Nacional Electoral (INE)",
                                               "subject": "Actualización del sistema", "action_code": "AI1.3",
                                               "attended_on": ""})
    assert response.status_code == 302
    item = db.session.scalar(select(PartnerRequest))
    assert item.requester.acronym == "INE" and item.attended_on is None
    response = client.post(f"/gestiones/{item.id}/atender", data={"attended_on": "2025-04-01"}, follow_redirects=True)
    assert "no puede ser anterior" in response.get_data(as_text=True)
    client.post(f"/gestiones/{item.id}/atender", data={"attended_on": "2025-04-03"})
    db.session.refresh(item)
    assert item.attended_on == date(2025, 4, 3)


def test_viewer_sees_activities_but_cannot_register(client, login_as):
    make_activity()
    login_as("viewer")
    assert client.get("/actividades?anio=2025").status_code == 200
    assert client.get("/actividades/nueva").status_code == 403
    assert client.post("/gestiones", data={}).status_code == 403


def test_program_page_lists_participants_with_status(client, login_as):
    person = make_person("Claire", "Dubois", nationality="FR", country="FR")
    program = ObservationProgram(code="pp2025", name="Consulta de Presupuesto Participativo 2025")
    program.participants.append(Participant(person_id=person.id, role="visitor", accreditation_status="in_review"))
    db.session.add(program)
    db.session.commit()
    login_as("staff")
    page = client.get("/observacion/pp2025").get_data(as_text=True)
    assert "Claire Dubois" in page and "Persona visitante extranjera" in page and "Francia" in page
    participant = program.participants[0]
    client.post(f"/observacion/participantes/{participant.id}", data={"accreditation_status": "accredited",
                                                                      "folio": "VE-001", "training_completed": "y"})
    db.session.refresh(participant)
    assert participant.accreditation_status == "accredited" and participant.folio == "VE-001"
    assert participant.training_completed


def test_staff_adds_a_foreign_visitor_to_a_program(client, login_as):
    person = make_person("John", "Miller", email="john@example.com", nationality="US", country="US")
    db.session.add(ObservationProgram(code="pj2025", name="Elección del Poder Judicial 2025"))
    db.session.commit()
    login_as("staff")
    response = client.post("/observacion/pj2025/participantes", data={"email": "JOHN@example.com", "role": "visitor"},
                           follow_redirects=True)
    assert "quedó registrada" in response.get_data(as_text=True)
    participant = db.session.scalar(select(Participant))
    assert participant.person_id == person.id and participant.role == "visitor"
    response = client.post("/observacion/pj2025/participantes", data={"email": "john@example.com", "role": "visitor"},
                           follow_redirects=True)
    assert "ya participa" in response.get_data(as_text=True)
    assert client.post("/observacion/pj2025/participantes", data={"email": "nadie@example.com", "role": "observer"},
                       follow_redirects=True).status_code == 200
    assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_activity_and_program_pages_link_their_surveys_and_show_who_answered(client, login_as):
    from surveys.models import Response
    from tests.factories import make_survey

    activity = make_activity("AI3.1")
    workshop = make_survey(title="Satisfacción del taller", activity_id=activity.id)
    answered, silent = make_person("Ana", "Ríos"), make_person("Beto", "Luna")
    program = ObservationProgram(code="pp2025", name="Consulta 2025")
    program.participants.extend([Participant(person_id=answered.id), Participant(person_id=silent.id)])
    db.session.add(program)
    db.session.commit()
    survey = make_survey(title="Encuesta de observación", observation_program_id=program.id)
    db.session.add(Response(survey_id=survey.id, person_id=answered.id, channel="import"))
    db.session.commit()
    login_as("staff")
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert f'<a href="/encuestas/{workshop.id}">Satisfacción del taller</a>' in page
    page = client.get("/observacion/pp2025").get_data(as_text=True)
    assert "encuestas: Encuesta de observación" in page
    assert page.count("Respondió") == 1
