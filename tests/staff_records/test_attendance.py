"""Recording attendance with the person picker (no JavaScript: a search page and a form of checkboxes) and by a
whole network or a survey's invitation list: the one attendance rule (once per person, never an anonymised
record), the counts added and skipped, the audit entry, and the role checks."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import Attendance
from tests.factories import make_activity, make_network, make_person, make_survey


def _attendees(activity) -> set[int]:
    return set(db.session.scalars(select(Attendance.person_id).where(Attendance.activity_id == activity.id)))


def test_the_picker_finds_people_and_adds_the_ones_marked_without_javascript(app, client, login_as):
    activity = make_activity("AI4.1")
    ana = make_person("Ana", "Lozano", email="ana.lozano@example.org")
    anabel = make_person("Anabel", "Ruiz", email="anabel@example.org")
    make_person("Bruno", "Díaz")
    db.session.add(Attendance(activity_id=activity.id, person_id=anabel.id))
    db.session.commit()
    login_as("staff")
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert f'action="/actividades/{activity.id}/asistencia/buscar"' in page and 'name="q"' in page
    assert "staff/picker.js" in page
    results = client.get(f"/actividades/{activity.id}/asistencia/buscar", query_string={"q": "ana"})
    html = results.get_data(as_text=True)
    assert results.status_code == 200 and "<h1" in html and "2 personas encontradas" in html
    assert f'value="{ana.id}" id="persona-{ana.id}" >' in html and "ana.lozano@example.org" in html
    assert f'value="{anabel.id}" id="persona-{anabel.id}" disabled' in html and "ya registrada" in html
    assert "Bruno" not in html
    assert "Escriba al menos dos letras" in client.get(
        f"/actividades/{activity.id}/asistencia/buscar?q=a").get_data(as_text=True)
    fragment = client.get(f"/actividades/{activity.id}/asistencia/buscar?q=ana&fragmento=1").get_data(as_text=True)
    assert "<html" not in fragment and f'action="/actividades/{activity.id}/asistencia/personas"' in fragment
    response = client.post(f"/actividades/{activity.id}/asistencia/personas",
                           data={"persona": [str(ana.id), str(anabel.id), "999999"]}, follow_redirects=True)
    assert "Asistencia registrada: 1 persona agregada; 2 omitidas" in response.get_data(as_text=True)
    assert _attendees(activity) == {ana.id, anabel.id}
    nothing = client.post(f"/actividades/{activity.id}/asistencia/personas", data={}, follow_redirects=True)
    assert "Marque al menos una persona" in nothing.get_data(as_text=True)


def test_a_whole_network_is_added_once_with_counts_and_an_audit_entry(app, client, login_as):
    from crm.contacts.models import Membership

    activity = make_activity("AI2.1")
    members = [make_person(networks=("rvc",)) for _ in range(3)]
    gone = make_person(networks=("rvc",), status="anonymized")
    withdrawn = make_person()
    db.session.add(Membership(person_id=withdrawn.id, network_id=make_network("rvc").id, status="withdrawn"))
    db.session.add(Attendance(activity_id=activity.id, person_id=members[0].id))
    db.session.commit()
    network = make_network("rvc")
    user = login_as("staff")
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert f'<option value="red:{network.id}">Red: {network.name}</option>' in page
    response = client.post(f"/actividades/{activity.id}/asistencia/lista", data={"origen": f"red:{network.id}"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Red «{network.name}»: 2 personas agregadas; 2 omitidas" in html
    assert _attendees(activity) == {m.id for m in members}
    assert gone.id not in _attendees(activity) and withdrawn.id not in _attendees(activity)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "activity.attendance")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == user.id and entry.target_id == str(activity.id)
    assert entry.details == {"added": 2, "skipped": 2, "source": f"red:{network.id}"}
    again = client.post(f"/actividades/{activity.id}/asistencia/lista", data={"origen": f"red:{network.id}"},
                        follow_redirects=True)
    assert "0 personas agregadas; 4 omitidas" in again.get_data(as_text=True)
    refused = client.post(f"/actividades/{activity.id}/asistencia/lista", data={"origen": "red:999"},
                          follow_redirects=True)
    assert "Elija una red o una lista" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attendance.id))) == 3


def test_a_survey_invitation_list_is_added_at_once(app, client, login_as):
    from surveys.models import Invitation

    activity = make_activity("AI3.1")
    survey = make_survey(title="Encuesta del foro")
    invited = [make_person() for _ in range(2)]
    for person in invited:
        db.session.add(Invitation(survey_id=survey.id, person_id=person.id, token=secrets.token_urlsafe(32)))
    db.session.commit()
    login_as("admin")
    page = client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    assert f'<option value="encuesta:{survey.id}">Invitaciones de la encuesta «Encuesta del foro»</option>' in page
    response = client.post(f"/actividades/{activity.id}/asistencia/lista", data={"origen": f"encuesta:{survey.id}"},
                           follow_redirects=True)
    assert "Lista de invitación: 2 personas agregadas." in response.get_data(as_text=True)
    assert _attendees(activity) == {p.id for p in invited}


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_roles_without_manage_events_cannot_search_or_add(app, client, login_as, role):
    activity = make_activity("AI2.1")
    person = make_person("Ana", networks=("rvc",))
    login_as(role)
    assert client.get(f"/actividades/{activity.id}/asistencia/buscar?q=ana").status_code == 403
    assert client.get(f"/actividades/{activity.id}/asistencia/buscar?q=ana&fragmento=1").status_code == 403
    assert client.post(f"/actividades/{activity.id}/asistencia/personas",
                       data={"persona": [str(person.id)]}).status_code == 403
    network = make_network("rvc")
    assert client.post(f"/actividades/{activity.id}/asistencia/lista",
                       data={"origen": f"red:{network.id}"}).status_code == 403
    assert _attendees(activity) == set()
    assert "asistencia/buscar" not in client.get(f"/actividades/{activity.id}").get_data(as_text=True)


def test_the_search_is_rate_limited(app_with):
    from tests.conftest import login
    from tests.factories import make_user

    with app_with(RATELIMIT_ENABLED=True) as app:
        activity = make_activity("AI2.1")
        user = make_user("staff")
        client = app.test_client()
        login(client, user)
        codes = [client.get(f"/actividades/{activity.id}/asistencia/buscar?q=ana&fragmento=1").status_code
                 for _ in range(122)]
    assert codes[:120] == [200] * 120 and codes[-1] == 429
