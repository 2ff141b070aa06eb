"""The staff download of an uploaded file: who may fetch it (the same roles as the survey's responses), the
audit entry naming the person, the file and the response, the headers, and the keys refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.uploads.access import upload_url
from tests.conftest import login
from tests.factories import make_user
from tests.surveys_uploads.helpers import PNG, answer_with_file, survey_with_upload

# who may download a respondent's file: exactly who may see the responses (crm/auth/roles.py view_responses)
EXPECTED = {"viewer": 403, "coordinator": 200, "staff": 200, "admin": 200}


def _url(key: str) -> str:
    return upload_url(key, external=False)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_matrix(app, files, role):
    survey = survey_with_upload()
    _response, key = answer_with_file(survey)
    client = app.test_client()
    assert client.get(_url(key)).status_code in (302, 303)  # anonymous: to the log-in page
    user = make_user(role=role)
    assert login(client, user).status_code in (302, 303)
    got = client.get(_url(key))
    assert got.status_code == EXPECTED[role]
    if got.status_code == 200:
        assert got.data == PNG


def test_download_headers_and_audit(client, files, login_as):
    survey = survey_with_upload()
    response, key = answer_with_file(survey)
    user = login_as("staff")
    got = client.get(_url(key))
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Content-Type"] == "image/png"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{survey.code}-{response.id}-foto.png" in disposition
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in got.headers["Cache-Control"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.view_upload")).one()
    assert entry.actor_id == user.id
    assert (entry.target_type, entry.target_id) == ("Response", str(response.id))
    assert entry.details == {"survey": survey.id, "question": "foto", "file": key}


def test_unknown_foreign_and_malformed_keys_are_not_found_and_not_audited(client, files, login_as):
    survey, other = survey_with_upload(), survey_with_upload()
    _response, key = answer_with_file(survey)
    token = key.split("/", 1)[1]
    (files / "secreto.txt").write_text("no")
    login_as("admin")
    for path in (f"/encuestas/{other.id}/archivos/{token}",  # another survey's address for the file
                 f"/encuestas/{survey.id}/archivos/{'0' * 32}.png",  # no such file
                 f"/encuestas/{survey.id}/archivos/../secreto.txt",
                 f"/encuestas/{survey.id}/archivos/..%2F..%2Fsecreto.txt",
                 f"/encuestas/{survey.id}/archivos/{token}/../../../secreto.txt",
                 f"/encuestas/{survey.id}/archivos/{token.upper()}"):
        assert client.get(path).status_code == 404, path
    # a file on disk that no answer refers to (an abandoned submission) is not served either
    (files / str(survey.id) / f"{'a' * 32}.png").write_bytes(PNG)
    assert client.get(f"/encuestas/{survey.id}/archivos/{'a' * 32}.png").status_code == 404
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.view_upload")).all()


def test_a_file_gone_from_disk_is_not_found(client, files, login_as):
    survey = survey_with_upload()
    _response, key = answer_with_file(survey)
    (files / key).unlink()
    login_as("admin")
    assert client.get(_url(key)).status_code == 404


def test_upload_url_is_absolute_on_the_base_url_without_a_request(app, files):
    app.config["CRM_BASE_URL"] = "https://vinculo.example.mx"
    key = "12/" + "ab" * 16 + ".pdf"
    assert upload_url(key) == "https://vinculo.example.mx/encuestas/12/archivos/" + "ab" * 16 + ".pdf"
    with app.test_request_context():
        from flask import url_for

        assert upload_url(key, external=False) == url_for("surveys.upload_download", survey_id=12,
                                                          name="ab" * 16 + ".pdf")
    with pytest.raises(ValueError):
        upload_url("../etc/passwd")
