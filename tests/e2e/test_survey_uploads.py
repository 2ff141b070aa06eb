"""A photo uploaded from a phone (issue 14, item 4), with JavaScript and without: a file of the wrong type comes
back with its message and the other answers kept, then an image is stored and linked to the response. With
JavaScript the form with a file chosen goes by the browser's own POST (crm/static/survey-logic.js); a form
whose file input was left empty still goes through the script's fetch (a multipart body)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, describe_violations
from tests.e2e.test_survey_logic import SCRIPT, labels, make_logic_survey, phone, stored_answers
from tests.surveys_uploads.helpers import PDF, PNG

QUESTIONS = [
    {"name": "foto", "type": "image", "required": True, "labels": labels("Foto de la casilla")},
    {"name": "opinion", "type": "text", "labels": labels("Opinión")},
]


@pytest.fixture
def upload_dir(live_server, tmp_path, monkeypatch):
    folder = tmp_path / "survey_files"
    monkeypatch.setitem(live_server.app.config, "CRM_UPLOAD_DIR", str(folder))
    return folder


@pytest.mark.parametrize("script", SCRIPT)
def test_an_image_uploaded_from_a_phone(live_server, new_page, csp_violations, axe_check, upload_dir, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, QUESTIONS)
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    photo = page.get_by_label("Foto de la casilla")
    expect(photo).to_have_attribute("type", "file")
    if script:
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    photo.set_input_files({"name": "casilla.png", "mimeType": "image/png", "buffer": PDF})  # a PDF, renamed
    page.get_by_label("Opinión").fill("Todo en orden")
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("alert")).to_contain_text("Este tipo de archivo no se acepta en esta pregunta")
    expect(page.get_by_text("Vuelva a elegir el archivo")).to_be_visible()
    expect(page.get_by_label("Opinión")).to_have_value("Todo en orden")
    assert stored_answers(live_server, survey_id) == []
    page.get_by_label("Foto de la casilla").set_input_files(
        {"name": "casilla.png", "mimeType": "image/png", "buffer": PNG})
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name="Enviar respuestas").click()
    assert posted.value.resource_type == "document"  # a file chosen: the browser's own POST, script or not
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    [answers] = stored_answers(live_server, survey_id)
    assert answers["opinion"] == "Todo en orden"
    key = answers["foto"]
    assert key.startswith(f"{survey_id}/") and key.endswith(".png")
    assert (upload_dir / key).read_bytes() == PNG
    assert csp_violations(page) == []


def test_an_empty_file_input_goes_through_the_scripts_fetch(live_server, new_page, upload_dir):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, [{**QUESTIONS[0], "required": False}, QUESTIONS[1]])
    page = phone(new_page, True)
    page.goto(f"/r/{token}")
    page.get_by_label("Opinión").fill("Sin foto")
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name="Enviar respuestas").click()
    assert posted.value.resource_type == "fetch"  # the script's retrying submission
    assert "multipart/form-data" in posted.value.headers["content-type"]
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"opinion": "Sin foto"}]
