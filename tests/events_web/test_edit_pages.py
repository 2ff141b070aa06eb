"""Editing activities and requests: every field, Spanish validation messages, nothing typed lost on an error,
every change audited; requests reachable (menu, home tile), pending ones marked, the form on its own page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import Activity, PartnerRequest
from tests.factories import load_program, make_activity, make_organization


def _activity_form(**changes) -> dict:
    data = {"date": "2025-05-20", "action_code": "AI2.1", "title": "Foro de democracia local", "type": "foro",
            "modality": "virtual", "place": "Sala de consejo", "organizations": "INE; Universidad Autónoma",
            "description": "Segunda edición."}
    data.update(changes)
    return data


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_staff_edits_every_field_of_an_activity_and_the_change_is_audited(client, login_as):
    load_program()
    make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    activity = make_activity("AI4.1", on=date(2025, 2, 3), title="Taller inicial", type="taller",
                             modality="presencial", place="Sede")
    login_as("staff")
    page = client.get(f"/actividades/{activity.id}/editar").get_data(as_text=True)
    assert 'value="Taller inicial"' in page and 'value="2025-02-03"' in page and "Guardar cambios" in page
    response = client.post(f"/actividades/{activity.id}/editar", data=_activity_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    db.session.expire_all()
    item = db.session.get(Activity, activity.id)
    assert (item.date, item.action_line.code, item.title, item.type, item.modality, item.place, item.description) == (
        date(2025, 5, 20), "AI2.1", "Foro de democracia local", "foro", "virtual", "Sala de consejo",
        "Segunda edición.")
    assert sorted(o.name for o in item.organizations) == ["Instituto Nacional Electoral", "Universidad Autónoma"]
    (entry,) = _audits("activity.update")
    assert entry.target_id == str(activity.id)
    assert entry.details["changes"]["title"] == ["Taller inicial", "Foro de democracia local"]
    assert entry.details["changes"]["date"] == ["2025-02-03", "2025-05-20"]
    assert set(entry.details["changes"]) >= {"action_line_id", "type", "modality", "place", "description",
                                             "organizations"}
    # saving again without changes records nothing more
    assert client.post(f"/actividades/{activity.id}/editar", data=_activity_form()).status_code == 302
    assert len(_audits("activity.update")) == 1


def test_an_invalid_edit_shows_spanish_messages_keeps_what_was_typed_and_changes_nothing(client, login_as):
    load_program()
    make_activity("AI2.1", on=date(2025, 5, 20), title="Foro de democracia local")
    activity = make_activity("AI4.1", on=date(2025, 2, 3), title="Taller inicial")
    login_as("staff")
    response = client.post(f"/actividades/{activity.id}/editar",
                           data=_activity_form(title="", date="20/05/2025", place="Auditorio «Benito Juárez»"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Este campo es obligatorio." in page and "Escriba una fecha válida (AAAA-MM-DD)." in page
    assert "Auditorio «Benito Juárez»" in page and "Segunda edición." in page and "Universidad Autónoma" in page
    # the same date, line and title as another activity
    response = client.post(f"/actividades/{activity.id}/editar", data=_activity_form(title="FORO de democracia local"))
    assert response.status_code == 422 and "Ya está registrada una actividad" in response.get_data(as_text=True)
    # an action line of a year without program
    response = client.post(f"/actividades/{activity.id}/editar", data=_activity_form(date="2031-01-10"))
    assert response.status_code == 422 and "no existe en el programa 2031" in response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(Activity, activity.id)
    assert (item.title, item.date, item.organizations) == ("Taller inicial", date(2025, 2, 3), [])
    assert _audits("activity.update") == []


def test_staff_edits_a_request_and_a_wrong_attention_date_changes_nothing(client, login_as):
    load_program()
    requester = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    item = PartnerRequest(received_on=date(2025, 4, 2), requester_id=requester.id, subject="Apoyo con sedes",
                          subject_key="apoyo con sedes")
    db.session.add(item)
    db.session.commit()
    login_as("staff")
    page = client.get(f"/gestiones/{item.id}/editar").get_data(as_text=True)
    assert "Apoyo con sedes" in page and "Instituto Nacional Electoral (INE)" in page
    data = {"received_on": "2025-04-02", "requester": "Instituto Electoral de Coahuila (IEC)",
            "subject": "Apoyo con sedes y mobiliario", "action_code": "AI1.3", "attended_on": "2025-03-30",
            "notes": "Se envió oficio."}
    response = client.post(f"/gestiones/{item.id}/editar", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "no puede ser anterior a la de recepción" in page
    assert "Apoyo con sedes y mobiliario" in page and "Se envió oficio." in page
    db.session.expire_all()
    assert db.session.get(PartnerRequest, item.id).subject == "Apoyo con sedes"
    response = client.post(f"/gestiones/{item.id}/editar", data=dict(data, attended_on="2025-04-09"))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(PartnerRequest, item.id)
    assert (saved.requester.acronym, saved.subject, saved.action_line.code, saved.attended_on, saved.notes) == (
        "IEC", "Apoyo con sedes y mobiliario", "AI1.3", date(2025, 4, 9), "Se envió oficio.")
    (entry,) = _audits("request.update")
    assert entry.details["changes"]["attended_on"] == [None, "2025-04-09"]
    assert entry.details["changes"]["requester_id"][0] == requester.id


def test_requests_are_in_the_menu_pending_ones_marked_first_and_the_form_on_its_own_page(client, login_as):
    load_program()
    ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    db.session.add_all([
        PartnerRequest(received_on=date(2025, 1, 5), attended_on=date(2025, 1, 6), requester_id=ine.id,
                       subject="Ya atendida", subject_key="ya atendida"),
        PartnerRequest(received_on=date(2024, 12, 1), requester_id=ine.id, subject="Sigue pendiente",
                       subject_key="sigue pendiente"),
    ])
    db.session.commit()
    login_as("staff")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/gestiones?estado=pendientes&amp;anio=todos"' in home and 'href="/actividades"' in home
    page = client.get("/gestiones").get_data(as_text=True)
    assert '<a class="nav-link active" aria-current="page" href="/gestiones">Gestiones</a>' in page
    assert page.index("Sigue pendiente") < page.index("Ya atendida")  # pending first, whatever the year
    assert page.count("badge text-bg-warning") == 1 and ">Pendiente</span>" in page
    assert 'name="subject"' not in page and 'href="/gestiones/nueva"' in page
    new = client.get("/gestiones/nueva").get_data(as_text=True)
    assert 'name="subject"' in new and 'action="/gestiones"' in new
    response = client.post("/gestiones", data={"received_on": "", "requester": "", "subject": "Asunto escrito",
                                               "action_code": "", "attended_on": "", "notes": ""})
    assert response.status_code == 422
    assert "Asunto escrito" in response.get_data(as_text=True)


def test_viewer_and_coordinator_cannot_edit(client, login_as):
    activity = make_activity()
    login_as("viewer")
    assert client.get(f"/actividades/{activity.id}/editar").status_code == 403
    assert client.post(f"/actividades/{activity.id}/editar", data=_activity_form()).status_code == 403
    assert "Editar</a>" not in client.get(f"/actividades/{activity.id}").get_data(as_text=True)
    client.post("/salir")
    login_as("coordinator")
    assert client.get("/gestiones/nueva").status_code == 403
    assert client.get("/gestiones/1/editar").status_code == 403


def test_activities_open_on_the_latest_year_with_data_not_an_empty_current_year(client, login_as):
    make_activity("AI2.2", on=date(2025, 6, 1), title="Actividad del año del programa")
    login_as("viewer")
    page = client.get("/actividades").get_data(as_text=True)
    assert "Actividad del año del programa" in page and "<option selected>2025</option>" in page
    assert "1 actividad ·" in page
