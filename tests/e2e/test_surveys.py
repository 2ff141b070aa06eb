"""Surveys in a real browser: building, inviting, answering (phone, English, keyboard), exporting, escaping,
accessibility.

Each test starts from an empty database (the `live_server` fixture). Staff build surveys through the builder
pages with CSRF on; fixtures that only set the scene (people, a ready-made survey) go straight to the database.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 390
TOKEN_IN_LINK = re.compile(r"/r/([A-Za-z0-9_-]{8,64})")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


# ---------------------------------------------------------------------------------------------
# helpers


def assert_accessible(page, axe_check, screenshot, name: str) -> None:
    """Screenshot, then no serious/critical axe violation; on a phone, no sideways scrolling either."""
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    assert ambiguous_labels(page) == [], f"{page.url}: labels pointing at no control or at several"
    if page.viewport_size["width"] <= PHONE_WIDTH:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways on a phone ({width}px wide)"


def ambiguous_labels(page) -> list[str]:
    """Labels whose `for` names no element or several (the label then names, and clicks, the wrong control)."""
    return page.evaluate("""() => [...document.querySelectorAll('label[for]')]
        .filter(label => document.querySelectorAll('#' + CSS.escape(label.htmlFor)).length !== 1)
        .map(label => `${label.htmlFor}: ${label.textContent.trim()}`)""")


def tab_until(page, locator, limit: int = 40) -> None:
    """Presses Tab (only the keyboard) until `locator` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {locator}")


def create_blank_survey(page, title_es: str, title_en: str) -> int:
    """Through /encuestas/nueva: a blank bilingual (es+en) survey; returns its id (on its questions page)."""
    expect = _expect()
    page.goto("/encuestas/")
    page.get_by_role("link", name="Nueva encuesta").click()
    expect(page.get_by_role("heading", name="Nueva encuesta", level=1)).to_be_visible()
    blank = page.get_by_role("region", name="Encuesta en blanco")
    blank.get_by_label("Título en español").fill(title_es)
    blank.get_by_label("Idiomas").select_option(label="Español e inglés")
    blank.get_by_label("Título en inglés").fill(title_en)
    blank.get_by_role("button", name="Crear encuesta").click()
    expect(page.get_by_text(re.compile(r"Encuesta creada en borrador con el código"))).to_be_visible()
    expect(page.get_by_role("heading", name=f"Preguntas de «{title_es}»", level=1)).to_be_visible()
    return int(re.search(r"/encuestas/(\d+)/preguntas", page.url).group(1))


def add_question(page, survey_id: int, kind: str, *, code: str, label_es: str, label_en: str,
                 choices: tuple[tuple[str, str, str, bool], ...] = (), required: bool = False,
                 indicator: bool = False) -> None:
    """Through the builder: kind is the link's text under «Añadir»; choices are (code, es, en, positive)."""
    expect = _expect()
    page.goto(f"/encuestas/{survey_id}/preguntas")
    page.get_by_role("region", name="Añadir").get_by_role("link", name=kind, exact=True).click()
    expect(page.get_by_role("heading", name="Nueva pregunta", level=1)).to_be_visible()
    page.get_by_label("Texto en español", exact=True).fill(label_es)
    page.get_by_label("Texto en inglés", exact=True).fill(label_en)
    page.get_by_label("Código de la pregunta").fill(code)
    if required:
        page.get_by_label("Respuesta obligatoria").check()
    if indicator:
        page.get_by_label("Pregunta del indicador de satisfacción").check()
    for number, (choice_code, choice_es, choice_en, positive) in enumerate(choices, start=1):
        page.get_by_label(f"Código de la opción {number}", exact=True).fill(choice_code)
        page.get_by_label(f"Etiqueta en español de la opción {number}", exact=True).fill(choice_es)
        page.get_by_label(f"Etiqueta en inglés de la opción {number}", exact=True).fill(choice_en)
        if positive:
            page.get_by_label(f"Opción {number} positiva", exact=True).check()
    page.get_by_role("button", name="Guardar pregunta").click()
    expect(page.get_by_text(f"Pregunta «{code}» guardada.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/encuestas/{survey_id}/preguntas#q-\d+$"))


def open_survey(page, survey_id: int) -> None:
    expect = _expect()
    page.goto(f"/encuestas/{survey_id}")
    page.get_by_role("button", name="Abrir encuesta").click()
    expect(page.get_by_text("La encuesta está abierta: los enlaces ya reciben respuestas.")).to_be_visible()
    expect(page.get_by_role("button", name="Cerrar encuesta")).to_be_visible()


def in_app(live_server, work):
    """work() inside the live server's app context; the session is cleaned up afterwards."""
    from crm.core.extensions import db

    with live_server.app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


def make_people(live_server, *people: dict) -> list[int]:
    """People with e-mails and a recorded consent (which every e-mail needs), active members of the Red Voto
    Chilango: [{"given", "surname", "email", ...}]."""
    from tests.factories import make_person

    def work():
        return [make_person(p["given"], p["surname"], email=p["email"], networks=("rvc",),
                            language=p.get("language", "es"), consent=True).id for p in people]

    return in_app(live_server, work)


def make_ready_survey(live_server, **kwargs):
    """A bilingual survey in the database (tests.factories.make_survey): -> (id, open token)."""
    from tests.factories import make_survey

    def work():
        survey = make_survey(**kwargs)
        return survey.id, survey.open_token

    return in_app(live_server, work)


def outbox_mark(live_server) -> int:
    from crm.core import mail

    return in_app(live_server, lambda: len(mail.outbox()))


def sent_since(live_server, mark: int) -> dict[str, tuple[str, str]]:
    """The messages the app 'sent' (no MAIL_SERVER: the in-process outbox) since `mark`: to -> (subject, body)."""
    from crm.core import mail

    def work():
        return {m["To"]: (m["Subject"], m.get_content()) for m in mail.outbox()[mark:]}

    return in_app(live_server, work)


def stored_responses(live_server, survey_id: int) -> list[dict]:
    from sqlalchemy import select

    from crm.core.extensions import db
    from surveys.models import Answer, Response

    def work():
        rows = []
        for response in db.session.scalars(select(Response).where(Response.survey_id == survey_id)
                                           .order_by(Response.submitted_at, Response.id)):
            answers = {}
            for answer in db.session.scalars(select(Answer).where(Answer.response_id == response.id)):
                answers[answer.question.name] = answer.choice.name if answer.choice else answer.value
            rows.append({"person_id": response.person_id, "language": response.language,
                         "submitted_at": response.submitted_at, "answers": answers})
        return rows

    return in_app(live_server, work)


def watch_dialogs(page, fired: list) -> None:
    """Any alert/confirm/prompt is recorded (and dismissed, so the page does not hang)."""
    def on_dialog(dialog):
        fired.append((page.url, dialog.type, dialog.message))
        dialog.dismiss()

    page.on("dialog", on_dialog)


# ---------------------------------------------------------------------------------------------
# 1. build, invite three, one answers on a phone in English, one double-submits, count and export


QUALITY_ES = "¿Qué tan útil fue el taller?"
QUALITY_EN = "How useful was the workshop?"
COMMENTS_ES = "Comentarios"
COMMENTS_EN = "Comments"


def test_build_invite_answer_twice_count_and_export(live_server, page, phone_page, new_page, screenshot,
                                                     csp_violations):
    expect = _expect()
    started = datetime.now(UTC) - timedelta(seconds=2)
    ana, beto, carla = make_people(
        live_server,
        {"given": "Ana", "surname": "Ibarra", "email": "ana.ibarra@example.org", "language": "en"},
        {"given": "Beto", "surname": "Cruz", "email": "beto.cruz@example.org"},
        {"given": "Carla", "surname": "Nava", "email": "carla.nava@example.org"},
    )
    staff = live_server.create_user(role="staff", name="Rosa Téllez")
    log_in(page, staff)

    # the builder: a blank bilingual survey, an indicator question and a text question
    survey_id = create_blank_survey(page, "Taller de voto en el extranjero", "Workshop on voting from abroad")
    add_question(page, survey_id, "Opción única", code="utilidad", label_es=QUALITY_ES, label_en=QUALITY_EN,
                 required=True, indicator=True,
                 choices=(("muy_util", "Muy útil", "Very useful", True),
                          ("poco_util", "Poco útil", "Not very useful", False)))
    add_question(page, survey_id, "Texto corto", code="comentarios", label_es=COMMENTS_ES, label_en=COMMENTS_EN)
    listing = page.get_by_role("region", name="2 elementos")
    expect(listing.get_by_role("listitem").filter(has_text=QUALITY_ES).first).to_contain_text("indicador")
    expect(listing).to_contain_text(f"EN: {QUALITY_EN}")
    expect(listing).to_contain_text("Muy útil muy_util positiva")
    screenshot(page, "survey-builder-questions")

    open_survey(page, survey_id)

    # invite the network's three members by e-mail
    mark = outbox_mark(live_server)
    page.get_by_role("link", name="Invitar").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Invitar a responder"), level=1)).to_be_visible()
    page.get_by_label("Una red").check()
    page.get_by_label("Red", exact=True).select_option("rvc")
    page.get_by_role("button", name="Ver a quiénes se invitará").click()
    expect(page.get_by_role("heading", name=re.compile(r": 3 personas$"))).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="recibirían ahora la invitación por correo")) \
        .to_contain_text("3 recibirían")
    screenshot(page, "survey-invite-preview")
    page.get_by_role("button", name="Enviar invitaciones por correo").click()
    expect(page).to_have_url(re.compile(rf"/encuestas/{survey_id}/invitaciones$"))
    expect(page.get_by_text("Invitaciones por correo: 3 enviadas (3 invitaciones nuevas).")).to_be_visible()

    messages = sent_since(live_server, mark)
    assert set(messages) == {"ana.ibarra@example.org", "beto.cruz@example.org", "carla.nava@example.org"}
    subject_a, body_a = messages["ana.ibarra@example.org"]
    assert subject_a == "Invitation: Workshop on voting from abroad" and "Dear Ana Ibarra" in body_a
    assert messages["beto.cruz@example.org"][0] == "Invitación: Taller de voto en el extranjero"
    links = {to: "/r/" + TOKEN_IN_LINK.search(body).group(1) for to, (_, body) in messages.items()}
    assert len(set(links.values())) == 3

    # A answers on a phone; her personal link opens in English (her language), fields found by English text
    a = phone_page
    a.goto(links["ana.ibarra@example.org"])
    assert a.locator("html").get_attribute("lang") == "en"
    expect(a.get_by_role("heading", name="Workshop on voting from abroad", level=1)).to_be_visible()
    expect(a.get_by_role("group", name=QUALITY_EN)).to_be_visible()
    a.get_by_label("Very useful", exact=True).check()
    a.get_by_label(COMMENTS_EN, exact=True).fill("Clear and practical")
    expect(a.get_by_label("Muy útil")).to_have_count(0)
    screenshot(a, "survey-answer-en-phone")
    width = a.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the survey form scrolls sideways on a phone ({width}px wide)"
    a.get_by_role("button", name="Submit answers").click()
    expect(a).to_have_url(re.compile(r"/r/[A-Za-z0-9_-]+/gracias\?lang=en$"))
    expect(a.get_by_role("heading", name="Thank you for your answers", level=1)).to_be_visible()
    assert a.locator("html").get_attribute("lang") == "en"
    assert csp_violations(a) == []

    # B double-submits: the filled form is posted twice at once (what a double tap sends when the browser does
    # not coalesce it), then the same form, still on screen, is sent once more with a double click
    b = new_page()
    b.goto(links["beto.cruz@example.org"])
    assert b.locator("html").get_attribute("lang") == "es"
    b.get_by_label("Poco útil", exact=True).check()
    b.get_by_label(COMMENTS_ES, exact=True).fill("Más horarios, por favor")
    landed = b.evaluate("""async () => {
        const form = document.querySelector('main form');
        const send = () => fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form))});
        const responses = await Promise.all([send(), send()]);
        return responses.map(r => [r.status, new URL(r.url).pathname + new URL(r.url).search]);
    }""")
    assert [status for status, _ in landed] == [200, 200], landed
    assert all(re.fullmatch(r"/r/[A-Za-z0-9_-]+/gracias\?lang=es", where) for _, where in landed), landed
    assert len(stored_responses(live_server, survey_id)) == 2  # A's and one of B's
    b.get_by_role("button", name="Enviar respuestas").dblclick()
    expect(b.get_by_role("heading", name="Gracias por responder", level=1)).to_be_visible()
    b.goto(links["beto.cruz@example.org"])  # the used link: a page that says so, no form
    expect(b.get_by_role("heading", name="Esta encuesta ya fue respondida", level=1)).to_be_visible()
    expect(b.locator("form")).to_have_count(0)

    # C does not answer. Two responses, each tied to its person
    responses = stored_responses(live_server, survey_id)
    assert [(r["person_id"], r["language"], r["answers"]) for r in responses] == [
        (ana, "en", {"utilidad": "muy_util", "comentarios": "Clear and practical"}),
        (beto, "es", {"utilidad": "poco_util", "comentarios": "Más horarios, por favor"}),
    ]
    assert carla not in {r["person_id"] for r in responses}

    # A's used personal link: "already answered", in her language, and no form
    a.goto(links["ana.ibarra@example.org"])
    expect(a.get_by_role("heading", name="This survey has already been answered", level=1)).to_be_visible()
    expect(a.get_by_text("This personal link has already been used")).to_be_visible()
    expect(a.locator("form")).to_have_count(0)
    expect(a.get_by_role("button", name="Submit answers")).to_have_count(0)
    screenshot(a, "survey-already-answered-en-phone")

    # staff see two responses: the list, the survey page and the invitations
    page.goto("/encuestas/")
    row = page.get_by_role("row").filter(has_text="Taller de voto en el extranjero")
    expect(row.get_by_role("cell").nth(4)).to_have_text("3")
    expect(row.get_by_role("cell").nth(5)).to_have_text("2")
    row.get_by_role("link", name="Taller de voto en el extranjero").click()
    expect(page.get_by_role("heading", name="Resultados por pregunta (2 respuestas)")).to_be_visible()
    quality = page.get_by_role("table", name="Conteo de opciones de utilidad")
    expect(quality.get_by_role("row").filter(has_text="Muy útil").get_by_role("cell").nth(1)).to_have_text("1")
    expect(quality.get_by_role("row").filter(has_text="Poco útil").get_by_role("cell").nth(1)).to_have_text("1")
    expect(page.get_by_role("link", name="Respuestas (CSV)")).to_have_count(0)  # staff cannot export
    screenshot(page, "survey-detail-two-responses")
    page.goto(f"/encuestas/{survey_id}/invitaciones")
    counts = page.get_by_role("table", name="Invitaciones por estado")
    expect(counts.locator("tbody td")).to_have_text(["0", "1", "0", "2", "0", "3"])
    page.goto(f"/encuestas/{survey_id}/preguntas")  # answered options keep their codes; new rows take one
    page.get_by_role("link", name="Editar utilidad").click()
    expect(page.get_by_label("Código de la opción 1", exact=True)).not_to_be_editable()
    expect(page.get_by_label("Código de la opción 2", exact=True)).not_to_be_editable()
    expect(page.get_by_label("Código de la opción 3", exact=True)).to_be_editable()

    # a coordinator (export_data) downloads the responses CSV: exactly two rows with the right values
    coordinator = new_page()
    log_in(coordinator, live_server.create_user(role="coordinator", name="Coordinación"))
    coordinator.goto(f"/encuestas/{survey_id}")
    with coordinator.expect_download() as download_info:
        coordinator.get_by_role("link", name="Respuestas (CSV)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-respuestas.csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["submitted_at", "utilidad", "comentarios"]
    assert [row[1:] for row in rows[1:]] == [["muy_util", "Clear and practical"],
                                              ["poco_util", "Más horarios, por favor"]]
    finished = datetime.now(UTC) + timedelta(seconds=2)
    for row, response in zip(rows[1:], responses, strict=True):
        at = datetime.fromisoformat(row[0])
        assert at.tzinfo is not None, row[0]
        assert started <= at <= finished, (row[0], started, finished)
        assert at.astimezone(UTC).replace(tzinfo=None) == response["submitted_at"]
    assert csp_violations(page) == [] and csp_violations(b) == []


# ---------------------------------------------------------------------------------------------
# 2. stored XSS: labels with markup are text everywhere


def _assert_inert(page, *texts: str) -> None:
    """The page shows `texts` literally and runs none of them: no <img src=x>, no script with alert(1)."""
    expect = _expect()
    for text in texts:
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    assert page.locator("img[src='x']").count() == 0, f"{page.url}: an injected <img> became an element"
    injected = page.evaluate("() => [...document.scripts].filter(s => s.textContent.includes('alert(1)')).length")
    assert injected == 0, f"{page.url}: an injected <script> became an element"
    assert page.locator("[onerror]").count() == 0, f"{page.url}: an onerror attribute reached the DOM"


def test_markup_in_labels_and_answers_is_shown_as_text(live_server, page, new_page, csp_violations):
    expect = _expect()
    fired: list = []
    watch_dialogs(page, fired)
    question_es, question_en = f"¿Le gustó? {SCRIPT}", f"Did you like it? {SCRIPT}"
    choice_es, choice_en = f"Sí {IMG}", f"Yes {IMG}"
    comments_es, comments_en = f"Opinión {IMG}", f"Opinion {IMG}"
    answer = f"{SCRIPT} y {IMG}"
    title = f"Encuesta {SCRIPT}"

    log_in(page, live_server.create_user(role="admin", name="Administración"))
    survey_id = create_blank_survey(page, title, f"Survey {SCRIPT}")
    add_question(page, survey_id, "Opción única", code="gusto", label_es=question_es, label_en=question_en,
                 required=True, indicator=True,
                 choices=(("si", choice_es, choice_en, True), ("no", "No", "No", False)))
    add_question(page, survey_id, "Texto corto", code="opinion", label_es=comments_es, label_en=comments_en)

    _assert_inert(page, question_es, f"EN: {question_en}", choice_es, comments_es)  # the questions page
    page.get_by_role("link", name="Editar gusto").click()
    expect(page.get_by_label("Texto en español", exact=True)).to_have_value(question_es)
    expect(page.get_by_label("Etiqueta en inglés de la opción 1", exact=True)).to_have_value(choice_en)
    _assert_inert(page)
    for lang, texts in (("es", (question_es, choice_es, comments_es)), ("en", (question_en, choice_en, comments_en))):
        page.goto(f"/encuestas/{survey_id}/vista-previa?lang={lang}")
        _assert_inert(page, *texts)
    open_survey(page, survey_id)
    open_link = page.get_by_role("region", name="Enlaces para responder").locator("code").inner_text()
    open_path = "/r/" + TOKEN_IN_LINK.search(open_link).group(1)

    # respondents, in both languages: every label is the literal text of its field
    for lang, question, choice, comments, send, thanks in (
            ("es", question_es, choice_es, comments_es, "Enviar respuestas", "Gracias por responder"),
            ("en", question_en, choice_en, comments_en, "Submit answers", "Thank you for your answers")):
        respondent = new_page()
        watch_dialogs(respondent, fired)
        respondent.goto(f"{open_path}?lang={lang}")
        _assert_inert(respondent, question, choice, comments)
        expect(respondent.get_by_role("group", name=question)).to_be_visible()
        respondent.get_by_role("button", name=send).click()  # the error summary repeats the label
        expect(respondent.get_by_role("alert")).to_contain_text(question)
        _assert_inert(respondent, question)
        respondent.get_by_label(choice, exact=True).check()
        respondent.get_by_label(comments, exact=True).fill(answer)
        respondent.get_by_role("button", name=send).click()
        expect(respondent.get_by_role("heading", name=thanks, level=1)).to_be_visible()
        assert csp_violations(respondent) == []

    # staff pages that show the labels, the choices and the answers
    for path, texts in ((f"/encuestas/{survey_id}", (choice_es, answer)),
                        (f"/encuestas/{survey_id}?idioma=en", (question_en, choice_en)),
                        (f"/encuestas/{survey_id}/respuestas", (question_es, choice_es, answer)),
                        ("/encuestas/", (title,)),
                        (f"/encuestas/{survey_id}/invitar?origen=red&red=rvc", (title,)),
                        (f"/encuestas/{survey_id}/invitaciones", (title,)),
                        (f"/encuestas/{survey_id}/preguntas", (question_es,))):
        page.goto(path)
        _assert_inert(page, *texts)
    page.goto(f"/encuestas/{survey_id}")
    expect(page.get_by_role("heading", name=question_es)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Respuestas (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert [row[1:] for row in rows[1:]] == [["si", answer], ["si", answer]]
    assert fired == [], f"a dialog fired: {fired}"
    assert csp_violations(page) == []


# ---------------------------------------------------------------------------------------------
# 3. keyboard only


def test_a_survey_can_be_completed_with_the_keyboard_only(live_server, page, screenshot):
    expect = _expect()
    survey_id, token = make_ready_survey(live_server, state="open",
                                         titles={"es": "Encuesta de satisfacción", "en": "Satisfaction survey"})

    page.goto(f"/r/{token}")  # opening the link is the only thing that is not a key press
    send = page.get_by_role("button", name="Enviar respuestas")
    tab_until(page, send, limit=10)
    page.keyboard.press("Enter")  # nothing answered: the required question comes back with its message

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("¿Cómo califica la sesión?: Elija una opción.")
    expect(page.locator("#resumen-errores")).to_be_focused()  # focus lands on the summary
    error_link = summary.get_by_role("link", name=re.compile(r"^¿Cómo califica la sesión\?"))
    page.keyboard.press("Tab")
    expect(error_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#p0-0$"))
    good = page.get_by_role("radio", name="Buena")
    fair = page.get_by_role("radio", name="Regular")
    expect(good).to_be_focused()  # the summary's link takes the focus to the question's first option
    page.keyboard.press("Space")
    expect(good).to_be_checked()
    page.keyboard.press("ArrowDown")  # arrows move within the group and choose
    expect(fair).to_be_focused()
    expect(fair).to_be_checked()
    expect(good).not_to_be_checked()

    opinion = page.get_by_label("Opinión", exact=True)
    page.keyboard.press("Tab")  # one Tab leaves the group for the next field
    expect(opinion).to_be_focused()
    page.keyboard.type("Todo quedó claro")
    screenshot(page, "survey-keyboard-filled")
    tab_until(page, send, limit=5)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Gracias por responder", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/r/{re.escape(token)}/gracias\?lang=es$"))
    responses = stored_responses(live_server, survey_id)
    assert [r["answers"] for r in responses] == [{"calidad": "regular", "opinion": "Todo quedó claro"}]


# ---------------------------------------------------------------------------------------------
# 4. accessibility: respondent pages in both languages, phone and desktop; staff survey pages


RESPONDENT_TEXT = {
    "es": {"title": "Encuesta de satisfacción", "send": "Enviar respuestas", "error": "Elija una opción.",
           "good": "Buena", "thanks": "Gracias por responder", "closed": "Esta encuesta ya cerró",
           "used": "Esta encuesta ya fue respondida", "draft": "Esta encuesta aún no está disponible",
           "unknown": "No encontramos esta encuesta", "privacy": "Aviso de privacidad integral"},
    "en": {"title": "Satisfaction survey", "send": "Submit answers", "error": "Choose an option.",
           "good": "Good", "thanks": "Thank you for your answers", "closed": "This survey is closed",
           "used": "This survey has already been answered", "draft": "This survey is not available yet",
           "unknown": "We could not find this survey", "privacy": "Full privacy notice"},
}


def _seed_respondent_pages(live_server) -> dict[str, str]:
    from crm.core.extensions import db
    from crm.core.timeutil import utcnow
    from surveys.models import Invitation
    from tests.factories import make_person, make_survey

    titles = {"es": "Encuesta de satisfacción", "en": "Satisfaction survey"}

    def work():
        opened = make_survey(state="open", titles=titles)
        closed = make_survey(state="closed", titles=titles)
        draft = make_survey(state="draft", titles=titles)
        person = make_person("Lucía", "Ramírez", email="lucia.ramirez@example.org")
        now = utcnow()
        used = Invitation(survey_id=opened.id, person_id=person.id, token="enlace-personal-ya-usado-0001",
                          status="answered", channel="email", source="red:rvc", created_at=now, sent_at=now,
                          answered_at=now)
        db.session.add(used)
        db.session.commit()
        return {"open": opened.open_token, "closed": closed.open_token, "draft": draft.open_token,
                "used": used.token}

    return in_app(live_server, work)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_respondent_pages_have_no_serious_accessibility_problem(live_server, viewport, lang, request, axe_check,
                                                                screenshot, csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = f"{lang}-{'desktop' if viewport == 'page' else 'phone'}"
    words = RESPONDENT_TEXT[lang]
    tokens = _seed_respondent_pages(live_server)

    def check(path: str, name: str, heading: str, status: int = 200):
        response = page.goto(path)
        assert response.status == status, (path, response.status)
        assert page.locator("html").get_attribute("lang") == lang
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"survey-{name}-{label}")

    check(f"/r/{tokens['open']}?lang={lang}", "form", words["title"])
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("alert")).to_contain_text(words["error"])
    expect(page.get_by_role("radio", name=words["good"])).to_have_class(re.compile(r"\bis-invalid\b"))
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, axe_check, screenshot, f"survey-form-errors-{label}")
    page.get_by_role("radio", name=words["good"]).check()
    page.get_by_role("button", name=words["send"]).click()
    expect(page.get_by_role("heading", name=words["thanks"], level=1)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, axe_check, screenshot, f"survey-thanks-{label}")

    check(f"/r/{tokens['closed']}?lang={lang}", "closed", words["closed"])
    expect(page.locator("form")).to_have_count(0)
    check(f"/r/{tokens['draft']}?lang={lang}", "draft", words["draft"])
    check(f"/r/{tokens['used']}?lang={lang}", "used", words["used"])
    expect(page.locator("form")).to_have_count(0)
    check(f"/r/no-existe-este-enlace-0000?lang={lang}", "unknown", words["unknown"], status=404)
    check(f"/aviso-de-privacidad?lang={lang}", "privacy", words["privacy"])
    assert csp_violations(page) == []


def _seed_staff_pages(live_server) -> dict:
    from werkzeug.datastructures import MultiDict

    from surveys.respond import submission
    from surveys.respond.form import build_form, validate
    from surveys.respond.store import store
    from tests.factories import make_person, make_survey

    def work():
        survey = make_survey(state="open", titles={"es": "Encuesta de satisfacción", "en": "Satisfaction survey"})
        for number, (choice, opinion) in enumerate((("buena", "Muy clara"), ("regular", "Faltó tiempo"))):
            target = submission.find_target(survey.open_token)
            form = build_form(target.survey, "es", target.questions)
            result = validate(form, MultiDict({"q_calidad": choice, "q_opinion": opinion}))
            assert result.ok, result.errors
            store(target, result.answers, lang="es", submission_key=f"clave-de-prueba-{number:08d}")
        make_person("Lucía", "Ramírez", email="lucia.ramirez@example.org", networks=("rvc",))
        make_person("Tomás", "Güemes", email=None, networks=("rvc",))
        question_id = survey.questions[0].id
        return {"survey": survey.id, "question": question_id}

    return in_app(live_server, work)


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_staff_survey_pages_have_no_serious_accessibility_problem(live_server, viewport, request, axe_check,
                                                                  screenshot, csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    ids = _seed_staff_pages(live_server)
    survey = ids["survey"]
    log_in(page, live_server.create_user(role="admin", name="Administración"))

    def check(path: str, name: str, heading: str | re.Pattern):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"staff-{name}-{label}")

    check("/encuestas/", "survey-list", "Encuestas")
    check(f"/encuestas/{survey}", "survey-detail", "Encuesta de satisfacción")
    expect(page.get_by_role("heading", name="Resultados por pregunta (2 respuestas)")).to_be_visible()
    check(f"/encuestas/{survey}/preguntas", "survey-questions", "Preguntas de «Encuesta de satisfacción»")
    check(f"/encuestas/{survey}/preguntas/{ids['question']}", "survey-question-edit", re.compile("^Editar pregunta"))
    check(f"/encuestas/{survey}/preguntas/nueva?tipo=single", "survey-question-new", "Nueva pregunta")
    check(f"/encuestas/{survey}/vista-previa?lang=en", "survey-preview", "Vista previa de «Encuesta de satisfacción»")
    check(f"/encuestas/{survey}/invitar", "survey-invite", "Invitar a responder «Encuesta de satisfacción»")
    page.get_by_role("button", name="Ver a quiénes se invitará").click()
    expect(page.get_by_role("heading", name=re.compile(r": 2 personas$"))).to_be_visible()
    assert_accessible(page, axe_check, screenshot, f"staff-survey-invite-preview-{label}")
    check(f"/encuestas/{survey}/invitaciones", "survey-invitations", re.compile("^Invitaciones de"))
    check(f"/encuestas/{survey}/respuestas", "survey-responses", "Respuestas: Encuesta de satisfacción")
    check("/encuestas/nueva", "survey-new", "Nueva encuesta")
    blank = page.get_by_role("region", name="Encuesta en blanco")
    blank.get_by_text("Encuesta anónima (las respuestas no se vinculan con ninguna persona)").click()
    anonymous = re.compile("^Encuesta anónima")  # the blank form also has the open-link limit's box
    expect(blank.get_by_role("checkbox", name=anonymous)).to_be_checked()  # the label checks its own form's box
    expect(page.get_by_role("region", name="Crear desde plantilla").get_by_role("checkbox")).not_to_be_checked()
    assert csp_violations(page) == []
