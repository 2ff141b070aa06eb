"""Object-level access: ids of other records, put where a form or URL expects ids of *this* record.

The role matrix (test_role_matrix.py) checks who may open which route. Here the person may open the route,
but the URL or the form names a record that belongs elsewhere: a question of another survey, a choice of
another question, an upload of another user, a membership of another network, a submission key of another
survey's response, a record that does not exist. Each must be refused (404 or a form error), change
nothing, and never end in a server error.
"""

from __future__ import annotations

import io
import re
import secrets

from sqlalchemy import func, select

from crm.core.extensions import db
from tests.conftest import login
from tests.factories import make_survey, make_user
from tests.security.html_checks import parse_forms
from tests.security.world import describe, fetch


def _form(client, path: str):
    """The page's own POST form (not the log-out button of the menu)."""
    page = fetch(client, path).get_data(as_text=True)
    return next(f for f in parse_forms(page, path) if f.method == "post" and f.action == path)


def _snapshot() -> dict[str, int]:
    """Row counts of every table but the audit log: "nothing changed"."""
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name != "audit_entry"}


def _other_survey_with_question():
    from surveys.models import Question

    survey = make_survey(state="open", code=f"ajena_{secrets.token_hex(3)}")
    question = db.session.scalar(select(Question).where(Question.survey_id == survey.id, Question.type == "select_one"))
    return survey, question


def test_a_question_of_another_survey_is_not_reachable_through_this_survey(admin, world):
    from surveys.models import Question

    other, question = _other_survey_with_question()
    labels_before = dict(question.labels)
    before = _snapshot()
    base = f"/encuestas/{world.survey_id}/preguntas/{question.id}"
    for method, path, data in (("GET", base, None),
                               ("POST", base, {"kind": "single", "label_es": "cambiada", "choices-0-code": "x"}),
                               ("POST", f"{base}/mover", {"direccion": "arriba"}),
                               ("POST", f"{base}/eliminar", {})):
        response = fetch(admin, path, method, data=data)
        assert response.status_code == 404, (method, path, describe(response))
    db.session.expire_all()
    assert db.session.get(Question, question.id).labels == labels_before
    assert _snapshot() == before


def test_a_choice_of_another_question_cannot_be_edited_through_this_question(admin, world):
    from surveys.models import Choice, Question

    _, foreign_question = _other_survey_with_question()
    foreign = foreign_question.choices[0]
    foreign_labels = dict(foreign.labels)
    mine = db.session.scalar(select(Question).where(Question.survey_id == world.survey_id,
                                                    Question.name == "calidad"))
    path = f"/encuestas/{world.survey_id}/preguntas/{mine.id}"
    form = _form(admin, path)
    data = dict(form.defaults())
    ids = [name for name in data if re.fullmatch(r"choices-\d+-choice_id", name) and data[name]]
    assert ids, "the question form carries no choice ids: the test needs updating"
    for forged in (str(foreign.id), "²", "99999999999", "-1", "1 OR 1=1"):
        data[ids[0]] = forged
        data[ids[0].replace("choice_id", "label_es")] = "etiqueta forjada"
        response = fetch(admin, path, "POST", data=data)
        assert response.status_code in (302, 422), (forged, describe(response))
    db.session.expire_all()
    assert db.session.get(Choice, foreign.id).labels == foreign_labels
    assert db.session.get(Choice, foreign.id).question_id == foreign_question.id


def test_an_upload_of_another_user_cannot_be_previewed_confirmed_or_downloaded(app, world, admin):
    upload = fetch(admin, "/importar/contactos", "POST", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(b"nombre,primer_apellido,correo\r\nAna,Ruiz,ana.r@example.org\r\n"),
                                  "lista.csv")})
    token = upload.headers["Location"].split("/revisar/", 1)[1].split("?", 1)[0]
    other = app.test_client()
    login(other, make_user(role="staff", email="otra.persona@iecm.mx"))
    before = _snapshot()
    for method, path, data in (("GET", f"/importar/contactos/revisar/{token}", None),
                               ("GET", f"/importar/contactos/revisar/{token}/problemas.csv", None),
                               ("GET", f"/importar/actividades/revisar/{token}", None),
                               ("POST", "/importar/contactos/confirmar", {"token": token}),
                               ("GET", f"/importar/contactos/revisar/..%2F{token}", None),
                               ("POST", "/importar/contactos/confirmar", {"token": f"../1-{token}"})):
        response = fetch(other, path, method, data=data)
        assert response.status_code in (400, 404), (method, path, describe(response))
    assert _snapshot() == before


def test_a_membership_of_another_network_cannot_be_reviewed_from_this_one(admin, world):
    from crm.contacts.models import Membership, Network

    observacion = db.session.scalar(select(Network).where(Network.code == "observacion"))
    applicant = db.session.scalar(select(Membership).where(Membership.status == "applicant"))
    assert applicant.network_id != observacion.id
    for value in (str(applicant.id), "²", "99999999999999999999", "abc"):
        response = fetch(admin, "/redes/observacion/solicitudes", "POST", data={"membresia": value,
                                                                               "decision": "aprobar"})
        assert response.status_code == 404, (value, describe(response))
    db.session.expire_all()
    assert db.session.get(Membership, applicant.id).status == "applicant"


def test_removing_attendance_only_touches_the_named_activity(admin, world):
    from crm.events.models import Activity, Attendance

    attended = db.session.scalar(select(Attendance).limit(1))
    other_activity = db.session.scalar(select(Activity).where(Activity.id != attended.activity_id).limit(1))
    response = fetch(admin, f"/actividades/{other_activity.id}/asistencia/{attended.person_id}/quitar", "POST")
    assert response.status_code in (302, 303, 404), describe(response)
    db.session.expire_all()
    assert db.session.get(Attendance, attended.id) is not None


def test_merging_a_person_with_itself_is_refused(admin, world):
    from crm.contacts.models import Person

    before = _snapshot()
    path = f"/contactos/fusionar/{world.person_id}/{world.person_id}"
    for method in ("GET", "POST"):
        response = fetch(admin, path, method, data={"conservar": str(world.person_id)})
        assert response.status_code < 500, (method, describe(response))
    db.session.expire_all()
    assert db.session.get(Person, world.person_id).status == "active"
    assert _snapshot() == before


def test_links_to_records_that_do_not_exist_are_refused_in_forms(admin, world):
    """Select boxes that accept any id (the survey's activity and observation program), the ARCO form's
    person number: an id that does not exist is a form error, not a broken foreign key."""
    from surveys.models import Survey

    path = f"/encuestas/{world.survey_id}/editar"
    form = _form(admin, path)
    for field in ("activity", "program"):
        for value in ("999999", "²", "-3", "99999999999999999999"):
            response = fetch(admin, path, "POST", data={**dict(form.defaults()), field: value})
            assert response.status_code in (302, 422), (field, value, describe(response))
    db.session.expire_all()
    survey = db.session.get(Survey, world.survey_id)
    assert survey.activity_id is None and survey.observation_program_id is None
    for value in ("999999", "999999999999", "²", " 1 ", "-1"):
        response = fetch(admin, "/privacidad/solicitudes", "POST",
                         data={"person_id": value, "kind": "access", "received_on": "2025-03-03"})
        assert response.status_code in (302, 422), (value, describe(response))


def test_a_submission_key_of_another_surveys_response_stores_nothing_there(app, world):
    """The respondent form's hidden `_clave` is the client's: a key already used for survey A, sent with an
    answer to survey B, must neither touch A's response nor fail; B's answer is stored (once)."""
    from surveys.models import Response

    other, _ = _other_survey_with_question()
    client = app.test_client()
    page = client.get(f"/r/{other.open_token}").get_data(as_text=True)
    key = re.search(r'name="_clave" value="([^"]+)"', page).group(1)
    assert client.post(f"/r/{other.open_token}", data={"_clave": key, "q_calidad": "buena"}).status_code == 303
    stored = db.session.scalar(select(Response).where(Response.submission_key == key))
    assert stored.survey_id == other.id

    response = fetch(client, f"/r/{world.open_token}", "POST", data={"_clave": key, "_lang": "es",
                                                                     "q_calidad": "buena"})
    assert response.status_code in (303, 422), describe(response)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id)).where(Response.submission_key == key)) == 1
    assert db.session.scalar(select(Response.survey_id).where(Response.submission_key == key)) == other.id
    if response.status_code == 303:
        assert db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == world.survey_id)) == 1


def test_answers_to_questions_of_another_survey_are_ignored(app, world):
    from surveys.models import Answer, Response

    other, question = _other_survey_with_question()
    client = app.test_client()
    response = fetch(client, f"/r/{world.open_token}", "POST", data={
        "_clave": secrets.token_urlsafe(24), "q_calidad": "buena", f"q_{question.name}": "buena",
        f"q_{question.id}": "buena", "q_comentario": "hola"})
    assert response.status_code == 303, describe(response)
    assert db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == other.id)) == 0
    assert not db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question.id))


def test_a_personal_link_answers_only_its_own_survey(app, world):
    from surveys.models import Invitation, Response

    client = app.test_client()
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == world.invitation_token))
    response = fetch(client, f"/r/{world.invitation_token}", "POST", data={
        "_clave": secrets.token_urlsafe(24), "q_calidad": "buena", "q_satisfaccion": "muy_satisfecho"})
    assert response.status_code == 303
    stored = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id))
    assert stored.survey_id == world.survey_id and stored.person_id == invitation.person_id
    again = fetch(client, f"/r/{world.invitation_token}", "POST", data={
        "_clave": secrets.token_urlsafe(24), "q_calidad": "mala"})
    assert again.status_code == 200 and "ya fue respondida" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id)).where(Response.invitation_id == invitation.id)) == 1
