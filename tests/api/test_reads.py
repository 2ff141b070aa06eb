"""What the API gives: roles (a matrix over every API path), paging, the indicators equal to the command
line's with ETag/304, people by network, responses equal to the export's rows, the audit entries, JSON errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from crm.auth.roles import PERMISSIONS, Role
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.responses.export import export_rows
from tests.api.conftest import bearer
from tests.factories import load_program, make_person, make_survey, make_user
from tests.surveys_staff.helpers import answer

# every API path -> the named permission of the web page that shows the same data
API_PATHS = {
    "/api/v1/indicators": "view_indicators",
    "/api/v1/people": "view_contacts",
    "/api/v1/organizations": "view_contacts",
    "/api/v1/activities": "view_events",
    "/api/v1/requests": "view_events",
    "/api/v1/agreements": "view_agreements",
    "/api/v1/surveys": "view_surveys",
    "/api/v1/surveys/{survey}/responses": "view_responses",
}


def _api_rules(app) -> set[str]:
    return {rule.rule.replace("<", "{").replace(">", "}") for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/")}


def test_the_matrix_names_every_api_route_with_the_web_s_permission(app):
    from crm.api.views.blueprint import load_views

    assert _api_rules(app) == set(API_PATHS)
    load_views(app)  # the views load on the first API request
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            view = app.view_functions[rule.endpoint]
            assert view.api_permission == API_PATHS[rule.rule.replace("<", "{").replace(">", "}")]
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_matrix_403_or_200_on_every_path(client, token_for, role):
    survey = make_survey(code="satisfaccion")
    _user, secret = token_for(role)
    problems = []
    for path, permission in API_PATHS.items():
        url = path.replace("{survey}", survey.code) + ("?year=2025" if "indicators" in path else "")
        response = client.get(url, headers=bearer(secret))
        expected = 200 if Role(role) in PERMISSIONS[permission] else 403
        if response.status_code != expected or not response.is_json:
            problems.append(f"{role} {url}: {response.status_code}, expected {expected}")
        elif expected == 403:
            assert response.get_json()["error"] == "forbidden" and response.get_json()["message"]
    assert not problems, problems


def test_paging_walks_every_person_exactly_once(app, client, token_for):
    people = [make_person(given_name=f"Persona{i}") for i in range(23)]
    _user, secret = token_for("coordinator")
    url, seen, pages = "/api/v1/people?per_page=10", [], 0
    while url:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["total"] == 23
        seen += [item["id"] for item in body["items"]]
        url, pages = body["next"], pages + 1
        if url:
            assert url.startswith(app.config["CRM_BASE_URL"] + "/api/v1/people?")  # never the Host header
    assert pages == 3
    assert seen == sorted(p.id for p in people)
    assert client.get("/api/v1/people?per_page=1000", headers=bearer(secret)).status_code == 400
    assert client.get("/api/v1/people?page=0", headers=bearer(secret)).get_json()["error"] == "bad_request"


def test_people_have_the_contacts_file_columns_and_are_filtered_by_network(client, token_for):
    from crm.contacts.exporter import STAFF_COLUMNS

    both = make_person(given_name="Ana", networks=("rvc", "observacion"))
    make_person(given_name="Luis", networks=("observacion",))
    make_person(given_name="Sin red")
    _user, secret = token_for("staff")
    body = client.get("/api/v1/people?red=rvc", headers=bearer(secret)).get_json()
    assert body["total"] == 1 and body["next"] is None
    (item,) = body["items"]
    assert set(item) == {"id", *STAFF_COLUMNS}  # the contacts file's columns and the staff download's oppositions
    assert item["id"] == both.id and item["nombre"] == "Ana" and sorted(item["red"]) == ["observacion", "rvc"]
    assert client.get("/api/v1/people?red=observacion", headers=bearer(secret)).get_json()["total"] == 2
    assert client.get("/api/v1/people", headers=bearer(secret)).get_json()["total"] == 3
    missing = client.get("/api/v1/people?red=ninguna", headers=bearer(secret))
    assert missing.status_code == 404 and "ninguna" in missing.get_json()["message"]


def test_indicators_equal_the_command_line_s_json_with_etag(app, client, token_for):
    load_program(2025)
    make_person(networks=("rvc",))
    _user, secret = token_for("viewer")
    cli = app.test_cli_runner().invoke(args=["indicators", "report", "--format", "json", "--year", "2025"])
    assert cli.exit_code == 0, cli.output
    response = client.get("/api/v1/indicators?year=2025", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == json.loads(cli.output)
    etag = response.headers["ETag"]
    again = client.get("/api/v1/indicators?year=2025", headers={**bearer(secret), "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/api/v1/indicators?year=2024", headers={**bearer(secret), "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    assert client.get("/api/v1/indicators?year=abc", headers=bearer(secret)).status_code == 400


def test_responses_equal_the_export_s_rows_and_are_audited(client, token_for):
    from surveys.models import Answer

    survey = make_survey(code="encuesta_api")
    for i, choice in enumerate(("buena", "mala", "buena", "regular", "buena")):
        response = answer(survey, choice)
        response.answers.append(Answer(question_id=survey.questions[1].id, value=f"Comentario {i}, con coma"))
        db.session.commit()
    user, secret = token_for("coordinator")
    header, rows = export_rows(survey)
    expected = [dict(zip(header, [str(v) if isinstance(v, str) else v for v in row], strict=True)) for row in rows]
    assert len(expected) == 5
    body = client.get("/api/v1/surveys/encuesta_api/responses?per_page=3", headers=bearer(secret)).get_json()
    second = client.get(body["next"], headers=bearer(secret)).get_json()
    assert body["total"] == 5 and second["next"] is None
    assert body["items"] + second["items"] == json.loads(json.dumps(expected, default=str))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api.read")).all()
    assert len(entries) == 2  # one per request, not per response
    assert all(e.actor_id == user.id and e.target_type == "Survey" for e in entries)
    missing = client.get("/api/v1/surveys/no-existe/responses", headers=bearer(secret))
    assert missing.status_code == 404 and missing.is_json


def test_every_read_of_personal_data_is_one_audit_entry(client, token_for):
    for i in range(12):
        make_person(given_name=f"P{i}")
    user, secret = token_for("admin")
    for path in ("/api/v1/people?per_page=5", "/api/v1/organizations", "/api/v1/activities", "/api/v1/requests",
                 "/api/v1/agreements"):
        assert client.get(path, headers=bearer(secret)).status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api.read")
                                 .order_by(AuditEntry.id)).all()
    assert [e.details["path"] for e in entries] == ["/api/v1/people", "/api/v1/organizations", "/api/v1/activities",
                                                    "/api/v1/requests", "/api/v1/agreements"]
    assert entries[0].details["items"] == 5 and entries[0].actor_id == user.id
    assert entries[0].details["token"] == secret[:12]
    client.get("/api/v1/indicators?year=2025", headers=bearer(secret))
    client.get("/api/v1/surveys", headers=bearer(secret))
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "api.read")) == 5  # no personal data


def test_json_errors_under_api_and_html_pages_elsewhere(client, token_for, login_as):
    _user, secret = token_for("admin")
    for response, status in ((client.get("/api/v1/nada", headers=bearer(secret)), 404),
                             (client.get("/api/nada"), 404),
                             (client.post("/api/v1/people", headers=bearer(secret)), 405),
                             (client.delete("/api/v1/indicators"), 405)):
        assert response.status_code == status and response.is_json, response.get_data(as_text=True)[:200]
        assert set(response.get_json()) == {"error", "message"}
    assert "GET" in client.post("/api/v1/people").headers["Allow"]
    login_as("staff")
    page = client.get("/contactos/no-existe-999")
    assert page.status_code == 404 and page.mimetype == "text/html" and "<html" in page.get_data(as_text=True)
    assert client.post("/").mimetype == "text/html"


def test_a_user_record_is_needed_for_nothing_else(client):
    make_user(role="admin")
    assert client.get("/api/openapi.json").status_code == 200
