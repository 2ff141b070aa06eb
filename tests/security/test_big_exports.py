"""Issue 12, finding 10: a large export runs as a background task, never inside the request.

The inline limit is lowered through configuration (CRM_EXPORT_INLINE_ROWS) so that three people make a
"large" export; tasks run inside the request in tests (CRM_TASKS_IMMEDIATE), so the job is done when the
redirect comes back. Before the fix the download answered 200 with the whole file inside the request
(test_a_large_people_export_is_queued_not_run_inline fails there), and there was no job to protect.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.exports.jobs import ExportJob, Phase
from surveys.models import Answer, Response
from tests.conftest import login
from tests.factories import make_person, make_survey, make_user


@pytest.fixture
def small_limit(app):
    app.config["CRM_EXPORT_INLINE_ROWS"] = 2
    return app


def _people(count: int = 3) -> None:
    for index in range(count):
        make_person(f"Persona{index}", "Grande", networks=("rvc",))


def _token(location: str) -> str:
    assert "/exportaciones/" in location, location
    return location.rstrip("/").rsplit("/", 1)[-1]


def test_a_large_people_export_is_queued_not_run_inline(small_limit, client, login_as):
    _people(3)
    owner = login_as("coordinator")
    response = client.get("/contactos/exportar.csv", query_string={"red": "rvc"})
    assert response.status_code == 302  # not the file: a job and its page
    token = _token(response.headers["Location"])
    page = client.get(f"/exportaciones/{token}")
    assert page.status_code == 200 and "Refresh" not in page.headers  # done: no more refreshing
    assert f"/exportaciones/{token}/descargar" in page.get_data(as_text=True)
    download = client.get(f"/exportaciones/{token}/descargar")
    assert download.status_code == 200
    assert 'filename=personas.csv' in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and "oposicion_correo" in rows[0]
    exported = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.export"))
    assert exported.actor_id == owner.id and exported.details["rows"] == 3
    downloaded = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.download"))
    assert downloaded.actor_id == owner.id and downloaded.details["rows"] == 3


def test_a_small_export_stays_inline(small_limit, client, login_as):
    _people(2)
    login_as("coordinator")
    response = client.get("/contactos/exportar.csv", query_string={"red": "rvc"})
    assert response.status_code == 200 and response.data.startswith("\ufeffnombre".encode())


def test_only_the_owner_and_administrators_may_see_or_download(small_limit, app, client, login_as):
    _people(3)
    login_as("coordinator")
    token = _token(client.get("/contactos/exportar.xlsx").headers["Location"])
    other = app.test_client()
    assert login(other, make_user(role="coordinator")).status_code in (302, 303)
    assert other.get(f"/exportaciones/{token}").status_code == 404
    assert other.get(f"/exportaciones/{token}/descargar").status_code == 404
    staff = app.test_client()
    assert login(staff, make_user(role="staff")).status_code in (302, 303)
    assert staff.get(f"/exportaciones/{token}/descargar").status_code == 403  # no export permission at all
    admin = app.test_client()
    assert login(admin, make_user(role="admin")).status_code in (302, 303)
    assert admin.get(f"/exportaciones/{token}/descargar").status_code == 200
    assert app.test_client().get(f"/exportaciones/{token}/descargar").status_code in (302, 303)  # to log-in


def test_progress_is_shown_and_the_page_refreshes_itself_without_javascript(app, client, login_as):
    owner = login_as("coordinator")
    job = ExportJob.new()
    job.save({"kind": "personas", "params": {}, "format": "csv", "owner": owner.id, "filename": "personas.csv",
              "back": "/contactos", "phase": Phase.WRITING, "done": 1500, "total": 6000})
    page = client.get(f"/exportaciones/{job.token}")
    text = page.get_data(as_text=True)
    assert page.headers.get("Refresh") == "2"
    assert "1,500 de 6,000 filas (25 %)" in text and "<script" not in text
    assert f"/exportaciones/{job.token}/descargar" not in text
    assert client.get(f"/exportaciones/{job.token}/descargar").status_code == 404  # nothing to download yet
    quiet = client.get(f"/exportaciones/{job.token}", query_string={"auto": "0"})
    assert "Refresh" not in quiet.headers


def test_a_large_responses_export_is_queued_and_downloadable(small_limit, client, login_as):
    survey = make_survey(state="open")
    question = next(q for q in survey.questions if q.name == "opinion")
    for index in range(3):
        response = Response(survey_id=survey.id, submitted_at=datetime(2025, 3, 1, 12, index))
        response.answers.append(Answer(question_id=question.id, value=f"=respuesta {index}"))
        db.session.add(response)
    db.session.commit()
    login_as("coordinator")
    response = client.get(f"/encuestas/{survey.id}/respuestas.csv")
    assert response.status_code == 302
    token = _token(response.headers["Location"])
    download = client.get(f"/exportaciones/{token}/descargar")
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [r["opinion"] for r in rows] == ["'=respuesta 0", "'=respuesta 1", "'=respuesta 2"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.export"))
    assert entry.details["rows"] == 3
