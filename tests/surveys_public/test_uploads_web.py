"""Files on the respondent page (issue 14, item 4): image/audio/video/file questions as file inputs, files stored
only once every other check passes, refused files with their message in the page's language and the other
answers kept, the friendly page for a request over MAX_CONTENT_LENGTH, and the signed keys that carry a stored
file between the pages of a field-list form."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from crm.core.extensions import db
from surveys.models import Answer, Question, Response, ResponseDraft
from surveys.uploads.storage import is_upload_key, upload_path
from surveys.uploads.web import KEY_PREFIX, signed_fields
from tests.factories import make_person, make_survey
from tests.surveys_public.helpers import Page, invite
from tests.surveys_uploads.helpers import PDF, PNG

FOTO = {"name": "foto", "type": "image", "labels": {"es": "Foto de la casilla", "en": "Photo of the polling station"}}
OPINION = {"name": "opinion", "type": "text", "labels": {"es": "Opinión", "en": "Opinion"}}


@pytest.fixture
def files(app, tmp_path):
    folder = tmp_path / "survey_files"
    app.config["CRM_UPLOAD_DIR"] = str(folder)
    return folder


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def answers_of(survey) -> list[dict]:
    rows = db.session.execute(select(Response.id, Question.name, Answer.value)
                              .join(Answer, Answer.response_id == Response.id)
                              .join(Question, Question.id == Answer.question_id)
                              .where(Response.survey_id == survey.id).order_by(Response.id, Question.position))
    found: dict[int, dict] = {}
    for response_id, name, value in rows:
        found.setdefault(response_id, {})[name] = value
    return list(found.values())


def responses(survey) -> int:
    return len(db.session.scalars(select(Response.id).where(Response.survey_id == survey.id)).all())


def hidden_fields(page: Page) -> dict:
    return {f["name"]: f.get("value", "") for f in page.inputs if f.get("type") == "hidden" and f.get("name")}


def start(client, survey, lang: str = "es") -> tuple[Page, dict]:
    page = Page(client.get(f"/r/{survey.open_token}?lang={lang}").get_data(as_text=True))
    return page, hidden_fields(page)


def post(client, survey, form: dict, lang: str = "es", **kwargs):
    response = client.post(f"/r/{survey.open_token}?lang={lang}", data=form, content_type="multipart/form-data",
                           **kwargs)
    return response, Page(response.get_data(as_text=True))


def upload(content: bytes, name: str = "casilla.png"):
    return (io.BytesIO(content), name)


# --- the page ------------------------------------------------------------------------------------


def test_upload_questions_render_a_file_input_and_a_multipart_form(client, files):
    survey = make_survey([FOTO, {"name": "voz", "type": "audio", "appearance": "new", "labels": {"es": "Mensaje"}},
                          {"name": "acta", "type": "file", "logic": {"accept": "application/pdf"},
                           "labels": {"es": "Acta"}}], state="open")
    page, _ = start(client, survey)
    assert 'enctype="multipart/form-data"' in page.html
    inputs = {f["name"]: f for f in page.inputs if f.get("type") == "file"}
    assert inputs["q_foto"]["accept"].startswith("image/jpeg,image/png")
    assert ".jpeg" in inputs["q_foto"]["accept"]
    assert "capture" not in inputs["q_foto"]  # a photo may also be chosen from the phone's gallery
    assert inputs["q_voz"]["capture"] == "user"  # appearance `new`: record straight away
    assert inputs["q_acta"]["accept"] == "application/pdf,.pdf"  # narrowed by the question's accept
    assert page.label_of(inputs["q_foto"]["id"]) == "Foto de la casilla"
    assert "Tipos aceptados: JPEG, PNG, WebP, GIF, HEIC. Cada archivo puede pesar hasta 10 MB." in page.html


def test_a_form_without_uploads_stays_urlencoded(client, survey):
    page, _ = start(client, survey)
    assert "multipart" not in page.html
    assert not [f for f in page.inputs if f.get("type") == "file"]


# --- one page ------------------------------------------------------------------------------------


def test_a_png_is_stored_and_linked_to_its_response(client, files):
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey)
    response, _ = post(client, survey, {**form, "q_foto": upload(PNG), "q_opinion": "Todo en orden"})
    assert response.status_code == 303
    [stored] = answers_of(survey)
    assert stored["opinion"] == "Todo en orden"
    key = stored["foto"]
    assert is_upload_key(key) and key.startswith(f"{survey.id}/") and key.endswith(".png")
    assert upload_path(key).read_bytes() == PNG
    assert stored_files(files) == [key.split("/")[1]]


def test_an_optional_upload_left_empty_stores_no_answer(client, files):
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey)
    response, _ = post(client, survey, {**form, "q_foto": upload(b"", ""), "q_opinion": "Sin foto"})
    assert response.status_code == 303
    assert answers_of(survey) == [{"opinion": "Sin foto"}]
    assert stored_files(files) == []


@pytest.mark.parametrize("lang, message, note", [
    ("es", "Este tipo de archivo no se acepta en esta pregunta. Tipos aceptados: JPEG, PNG, WebP, GIF, HEIC.",
     "Vuelva a elegir el archivo"),
    ("en", "This type of file is not accepted for this question. Accepted types: JPEG, PNG, WebP, GIF, HEIC.",
     "Please choose the file again"),
])
def test_a_pdf_in_an_image_question_is_refused_with_the_answers_kept(client, files, lang, message, note):
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey, lang)
    response, page = post(client, survey, {**form, "q_foto": upload(PDF, "foto.png"), "q_opinion": "Se ve bien"},
                          lang)
    assert response.status_code == 422
    assert message in page.html
    assert note in page.html
    assert page.value("q_opinion") == "Se ve bien"
    assert responses(survey) == 0 and stored_files(files) == []


def test_a_file_over_the_per_file_limit_is_refused(app, client, files):
    app.config["CRM_UPLOAD_MAX_MB"] = 1
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey)
    big = PNG + b"\x00" * (1024 * 1024)
    response, page = post(client, survey, {**form, "q_foto": upload(big), "q_opinion": "Grande"})
    assert response.status_code == 422
    assert "El archivo pesa más de 1 MB, el máximo permitido." in page.html
    assert page.value("q_opinion") == "Grande"
    assert responses(survey) == 0 and stored_files(files) == []


@pytest.mark.parametrize("lang, title, limit", [
    ("es", "Los archivos son demasiado grandes", "pesa más de 1 MB"),
    ("en", "The files are too large", "larger than 1 MB"),
])
def test_a_request_over_max_content_length_gets_a_respondent_page(app, client, files, lang, title, limit):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey, lang)
    response, page = post(client, survey, {**form, "q_foto": upload(PNG + b"\x00" * (2 * 1024 * 1024))}, lang)
    assert response.status_code == 413
    assert page.lang == lang
    assert title in page.html and limit in page.html
    assert "10 MB" in page.html  # each file's limit
    assert responses(survey) == 0 and stored_files(files) == []


@pytest.mark.parametrize("lang, message", [("es", "Elija un archivo."), ("en", "Choose a file.")])
def test_a_required_upload_without_a_file_is_required(client, files, lang, message):
    survey = make_survey([{**FOTO, "required": True}, OPINION], state="open")
    page, form = start(client, survey, lang)
    assert "required" in next(f for f in page.inputs if f.get("name") == "q_foto")
    # a text posted under the question's name (a stored file's key, say) is never its answer
    response, page = post(client, survey, {**form, "q_foto": f"{survey.id}/{'a' * 32}.png", "q_opinion": "x"}, lang)
    assert response.status_code == 422
    assert message in page.html
    assert responses(survey) == 0


def test_nothing_is_stored_when_another_question_fails(client, files):
    survey = make_survey([FOTO, {**OPINION, "required": True}], state="open")
    _, form = start(client, survey)
    response, page = post(client, survey, {**form, "q_foto": upload(PNG), "q_opinion": ""})
    assert response.status_code == 422
    assert "Responda esta pregunta." in page.html
    assert "Vuelva a elegir el archivo" in page.html  # a browser never keeps the file
    assert responses(survey) == 0 and stored_files(files) == []


def test_a_repeated_post_keeps_one_file(client, files):
    survey = make_survey([FOTO, OPINION], state="open")
    _, form = start(client, survey)
    for _ in range(2):  # a retry with the same submission key
        response, _ = post(client, survey, {**form, "q_foto": upload(PNG), "q_opinion": "Una vez"})
        assert response.status_code == 303
    [stored] = answers_of(survey)
    assert stored_files(files) == [stored["foto"].split("/")[1]]


def test_a_draft_keeps_no_file(client, files):
    survey = make_survey([FOTO, OPINION], state="open")
    invitation = invite(survey, make_person())
    page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))
    form = hidden_fields(page)
    response = client.post(f"/r/{invitation.token}", content_type="multipart/form-data",
                           data={**form, "q_foto": upload(PNG), "q_opinion": "A medias", "_guardar": "1"})
    assert response.status_code == 200
    draft = db.session.scalars(select(ResponseDraft).where(ResponseDraft.invitation_id == invitation.id)).one()
    assert draft.answers == {"q_opinion": "A medias"}
    assert stored_files(files) == []


# --- field-list pages: the signed key ------------------------------------------------------------

PAGED = [
    {"type": "begin_group", "name": "evidencia", "labels": {"es": "Evidencia"}, "appearance": "field-list"},
    {**FOTO, "required": True},
    {"type": "end_group", "name": "fin_evidencia"},
    {"type": "begin_group", "name": "cierre", "labels": {"es": "Cierre"}, "appearance": "field-list"},
    OPINION,
    {"type": "end_group", "name": "fin_cierre"},
]


def first_page(client, survey) -> tuple[Page, dict]:
    _, form = start(client, survey)
    response, page = post(client, survey, {**form, "q_foto": upload(PNG), "_ir": "siguiente"})
    assert response.status_code == 200
    assert "Página 2 de 2" in page.html
    return page, hidden_fields(page)


def test_a_file_chosen_on_an_earlier_page_travels_as_a_signed_key(client, files):
    survey = make_survey(PAGED, state="open")
    page, form = first_page(client, survey)
    assert KEY_PREFIX + "q_foto" in form and "q_foto" not in form  # the key, signed; never a plain answer
    [name] = stored_files(files)  # stored when its page was left
    response, _ = post(client, survey, {**form, "q_opinion": "Listo", "_ir": "enviar"})
    assert response.status_code == 303
    [stored] = answers_of(survey)
    assert stored == {"foto": f"{survey.id}/{name}", "opinion": "Listo"}
    assert stored_files(files) == [name]


def test_going_back_shows_the_file_received(client, files):
    survey = make_survey(PAGED, state="open")
    _, form = first_page(client, survey)
    response, page = post(client, survey, {**form, "_ir": "anterior"})
    assert "Página 1 de 2" in page.html
    assert "Ya se recibió su archivo (PNG)." in page.html
    assert "required" not in next(f for f in page.inputs if f.get("name") == "q_foto")
    response, page = post(client, survey, {**hidden_fields(page), "_ir": "siguiente"})
    response, _ = post(client, survey, {**hidden_fields(page), "q_opinion": "Sigue", "_ir": "enviar"})
    assert response.status_code == 303
    assert answers_of(survey)[0]["foto"].endswith(".png")


@pytest.mark.parametrize("forge", ["tampered", "other_submission", "other_question"])
def test_a_forged_key_is_refused(app, client, files, forge):
    survey = make_survey(PAGED, state="open")
    _, form = first_page(client, survey)
    field = KEY_PREFIX + "q_foto"
    signed = form[field]
    if forge == "tampered":
        form[field] = signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")
    else:  # a genuine signature, for another submission key or another question
        from types import SimpleNamespace

        from surveys.uploads.web import Posted

        key = f"{survey.id}/{stored_files(files)[0]}"
        other = "otra" if forge == "other_question" else "foto"
        posted = Posted(data=None, survey_id=survey.id, kept={other: key},
                        items={other: SimpleNamespace(name="q_foto")})
        clave = form["_clave"] if forge == "other_question" else "X" * 32
        [(_, form[field])] = signed_fields(posted, secret=app.secret_key, clave=clave)
    response, page = post(client, survey, {**form, "q_opinion": "Con trampa", "_ir": "enviar"})
    assert response.status_code == 422
    assert "Página 1 de 2" in page.html and "Elija un archivo." in page.html
    assert responses(survey) == 0


def test_a_file_for_a_question_that_is_not_relevant_is_not_stored(client, files):
    from surveys.logic.expressions import compile_expression

    relevant = "${tiene} = 'si'"
    survey = make_survey([
        {"name": "tiene", "type": "select_one", "labels": {"es": "¿Tiene foto?"},
         "choices": [("si", {"es": "Sí"}, True), ("no", {"es": "No"}, False)]},
        {**FOTO, "logic": {"relevant": {"src": relevant, "tree": compile_expression(relevant)}}},
    ], state="open")
    _, form = start(client, survey)
    response, _ = post(client, survey, {**form, "q_tiene": "no", "q_foto": upload(PNG)})
    assert response.status_code == 303
    assert answers_of(survey) == [{"tiene": None}]
    assert stored_files(files) == []


def test_a_received_file_can_be_removed(client, files):
    survey = make_survey([PAGED[0], FOTO, *PAGED[2:]], state="open")  # the photo is optional here
    _, form = first_page(client, survey)
    response, page = post(client, survey, {**form, "_ir": "anterior"})
    response, page = post(client, survey, {**hidden_fields(page), "_quitar_q_foto": "1", "_ir": "siguiente"})
    assert KEY_PREFIX + "q_foto" not in hidden_fields(page)
    response, _ = post(client, survey, {**hidden_fields(page), "q_opinion": "Sin foto", "_ir": "enviar"})
    assert response.status_code == 303
    assert answers_of(survey) == [{"opinion": "Sin foto"}]


def test_a_form_with_a_repeat_stores_its_upload(client, files):
    """The repeats' own validation (surveys.respond.repeats) reads uploads as the plain form does."""
    survey = make_survey([{**FOTO, "required": True},
                          {"type": "begin_repeat", "name": "miembro", "labels": {"es": "Miembro"}},
                          {"name": "nombre", "type": "text", "labels": {"es": "Nombre"}},
                          {"type": "end_repeat"}], state="open")
    _page, fields = start(client, survey)
    response, page = post(client, survey, {**fields, "q_nombre__1": "Ana"})
    assert response.status_code == 422 and answers_of(survey) == []  # the required photo, not silently empty
    response, _ = post(client, survey, {**fields, "q_nombre__1": "Ana", "q_foto": upload(PNG)})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    [answers] = answers_of(survey)
    assert answers["nombre"] == "Ana" and is_upload_key(answers["foto"]) and stored_files(files)
