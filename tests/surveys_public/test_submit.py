"""Submitting: errors come back with the answers, one response per form and per personal link, anonymity."""

import re

from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.models import Answer, Invitation, Response
from surveys.respond.store import new_submission_key, store
from surveys.respond.submission import choose_language, find_target
from tests.factories import make_person, make_survey
from tests.surveys_public.helpers import Page, answer, invite


def responses():
    return db.session.scalars(select(Response).order_by(Response.id)).all()


def count_responses() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_open_link_answer_is_stored_and_thanked(client, survey):
    response = answer(client, survey.open_token, {"q_calidad": "buena", "q_opinion": "Muy útil"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/r/{survey.open_token}/gracias?lang=es"
    [stored] = responses()
    assert (stored.survey_id, stored.person_id, stored.invitation_id) == (survey.id, None, None)
    assert stored.channel == "web" and stored.language == "es" and stored.submission_key
    values = {(a.question.name, a.choice.name if a.choice else a.value) for a in stored.answers}
    assert values == {("calidad", "buena"), ("opinion", "Muy útil")}
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert "Gracias por responder" in thanks.get_data(as_text=True)


def test_language_holds_through_the_post_to_the_thank_you_page(client, survey):
    response = answer(client, survey.open_token, {"q_calidad": "mala"}, lang="en")
    assert response.headers["Location"] == f"/r/{survey.open_token}/gracias?lang=en"
    thanks = Page(client.get(response.headers["Location"]).get_data(as_text=True))
    assert thanks.lang == "en"
    assert "Thank you for your answers" in thanks.html
    assert responses()[0].language == "en"


def test_hidden_language_field_is_used_without_the_query_parameter(client, survey):
    response = client.post(f"/r/{survey.open_token}", data={"_lang": "en", "q_opinion": "x"})
    assert response.status_code == 422
    html = Page(response.get_data(as_text=True))
    assert html.lang == "en"
    assert "Choose an option." in html.html


def test_missing_required_answer_comes_back_with_answers_kept(client, rich_survey):
    response = answer(client, rich_survey.open_token, {
        "q_temas": ["voto", "otro"], "q_edad": "doce", "q_horas": "2,5", "q_fecha": "2025-03-04",
        "q_comentarios": "Me <b>gustó</b>",
    })
    assert response.status_code == 422
    html = Page(response.get_data(as_text=True))
    body = html.html
    assert count_responses() == 0
    # the error summary comes first in <main>, links to each field, and says what to fix
    main = body[body.index('<main id="contenido"'):]
    assert main.index('id="resumen-errores"') < main.index("<h1")
    summary_tag = re.search(r'<div[^>]*id="resumen-errores"[^>]*>', main).group(0)
    assert 'tabindex="-1"' in summary_tag and 'role="alert"' in summary_tag
    assert '<a class="alert-link" href="#p2-0">¿Cómo califica la sesión?: Elija una opción.</a>' in body
    assert '<a class="alert-link" href="#p6">Edad: Escriba un número entero, por ejemplo 12.</a>' in body
    assert body.count('class="alert-link" href="#p') == 2
    # errors next to the fields, linked to them
    assert 'id="p2-error"' in body and 'aria-describedby="p2-ayuda p2-error"' in body
    assert 'aria-describedby="p6-error"' in body and 'aria-invalid="true"' in body
    # answers kept
    assert html.checked("q_temas") == ["voto", "otro"]
    assert html.value("q_edad") == "doce"
    assert html.value("q_horas") == "2,5"
    assert html.value("q_fecha") == "2025-03-04"
    assert html.value("q_comentarios") == "Me <b>gustó</b>"
    assert "Me &lt;b&gt;gustó&lt;/b&gt;" in body
    assert "<title>Error:" in body


def test_errors_then_success_keeps_one_submission_key(client, survey):
    first = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    key = first.hidden("_clave")
    again = client.post(f"/r/{survey.open_token}", data={"_clave": key, "_lang": "es"})
    assert again.status_code == 422
    assert Page(again.get_data(as_text=True)).hidden("_clave") == key
    done = client.post(f"/r/{survey.open_token}", data={"_clave": key, "_lang": "es", "q_calidad": "buena"})
    assert done.status_code == 303
    assert responses()[0].submission_key == key


def test_select_multiple_and_typed_answers_are_stored(client, rich_survey):
    response = answer(client, rich_survey.open_token, {
        "q_calidad": "regular", "q_temas": ["observacion", "voto"], "q_edad": "34", "q_horas": "2,5",
        "q_fecha": "2025-03-04", "q_comentarios": "  Bien  ",
    })
    assert response.status_code == 303
    [stored] = responses()
    values = sorted((a.question.name, a.choice.name if a.choice else a.value) for a in stored.answers)
    assert values == [("calidad", "regular"), ("comentarios", "Bien"), ("edad", "34"), ("fecha", "2025-03-04"),
                      ("horas", "2.5"), ("temas", "observacion"), ("temas", "voto")]


def test_a_choice_that_is_not_an_option_is_refused(client, survey):
    response = answer(client, survey.open_token, {"q_calidad": "excelente"})
    assert response.status_code == 422
    assert "Elija una de las opciones de la lista." in response.get_data(as_text=True)
    assert count_responses() == 0


def test_double_post_stores_one_response(client, survey):
    page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    form = {"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"}
    first = client.post(f"/r/{survey.open_token}", data=form)
    second = client.post(f"/r/{survey.open_token}", data=form)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert count_responses() == 1
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_each_rendered_form_is_a_new_response_on_an_open_link(client, survey):
    # one test client is one browser: with the survey's open-link limit on it would answer once
    # (tests/surveys_public/test_open_link_limits.py); here the limit is off
    survey.open_link_limited = False
    db.session.commit()
    for _ in range(3):
        assert answer(client, survey.open_token, {"q_calidad": "buena"}).status_code == 303
    assert count_responses() == 3


def test_personal_link_response_is_tied_to_the_person(client, survey):
    person = make_person()
    invitation = invite(survey, person, status="sent")
    response = answer(client, invitation.token, {"q_calidad": "buena"})
    assert response.status_code == 303
    [stored] = responses()
    assert (stored.person_id, stored.invitation_id, stored.anonymous) == (person.id, invitation.id, False)
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.status == "answered" and invitation.answered_at is not None


def test_personal_link_answered_twice_stores_once(client, survey):
    invitation = invite(survey, make_person())
    first_page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))
    second_page = Page(client.get(f"/r/{invitation.token}").get_data(as_text=True))  # a second tab
    first = client.post(f"/r/{invitation.token}",
                        data={"_clave": first_page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"})
    assert first.status_code == 303
    second = client.post(f"/r/{invitation.token}",
                         data={"_clave": second_page.hidden("_clave"), "_lang": "es", "q_calidad": "mala"})
    assert second.status_code == 200
    html = Page(second.get_data(as_text=True))
    assert html.forms == 0
    assert "Esta encuesta ya fue respondida" in html.html
    assert count_responses() == 1
    assert responses()[0].answers[0].choice.name == "buena"
    # the first tab's double click still ends on the thank-you page
    again = client.post(f"/r/{invitation.token}",
                        data={"_clave": first_page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"})
    assert again.status_code == 303 and count_responses() == 1


def test_anonymous_survey_stores_no_link_but_marks_the_invitation(client):
    survey = make_survey(state="open", anonymous=True)
    person = make_person()
    invitation = invite(survey, person)
    response = answer(client, invitation.token, {"q_calidad": "buena"})
    assert response.status_code == 303
    [stored] = responses()
    assert stored.anonymous is True
    assert stored.person_id is None and stored.invitation_id is None
    assert stored.submitted_at.minute == stored.submitted_at.second == 0  # no exact time to match on
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.status == "answered" and invitation.answered_at is not None
    # it cannot be answered twice
    again = answer(client, invitation.token, {"q_calidad": "mala"})
    assert again.status_code == 200
    assert "Esta encuesta ya fue respondida" in again.get_data(as_text=True)
    assert count_responses() == 1


def test_closed_between_opening_and_sending_stores_nothing(client, survey):
    page = Page(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    survey.state = "closed"
    db.session.commit()
    response = client.post(f"/r/{survey.open_token}",
                           data={"_clave": page.hidden("_clave"), "_lang": "es", "q_calidad": "buena"})
    assert response.status_code == 200
    assert "Esta encuesta ya cerró" in response.get_data(as_text=True)
    assert count_responses() == 0


def test_post_to_an_unknown_token_is_404(client):
    response = client.post("/r/EstoNoEsUnTokenValido123", data={"q_calidad": "buena"})
    assert response.status_code == 404
    assert client.get("/r/EstoNoEsUnTokenValido123/gracias").status_code == 404


def test_thank_you_page_shows_nothing_about_responses(client, survey):
    answer(client, survey.open_token, {"q_calidad": "buena", "q_opinion": "Texto muy particular"})
    stored = responses()[0]
    body = client.get(f"/r/{survey.open_token}/gracias?lang=es").get_data(as_text=True)
    assert "Texto muy particular" not in body
    assert stored.submission_key not in body
    assert f"/r/{survey.open_token}" in body  # only the language switch, to the same page


# --- the service, without HTTP ---------------------------------------------------------------------


def test_store_uses_a_personal_link_once_even_when_two_requests_race(app, survey):
    invitation = invite(survey, make_person())
    target_a = find_target(invitation.token)
    target_b = find_target(invitation.token)
    answers = [{"question_id": survey.questions[0].id, "choice_id": survey.questions[0].choices[0].id}]
    # both requests loaded the invitation before either stored (answered_at is None in both)
    assert store(target_a, answers, lang="es", submission_key=new_submission_key()) == "stored"
    assert store(target_b, answers, lang="es", submission_key=new_submission_key()) == "used"
    assert count_responses() == 1


def test_store_is_idempotent_per_submission_key(app, survey):
    target = find_target(survey.open_token)
    key = new_submission_key()
    assert store(target, [], lang="es", submission_key=key) == "stored"
    # a concurrent duplicate that passed the early check hits the unique key
    assert store(target, [], lang="es", submission_key=key) == "duplicate"
    assert count_responses() == 1


def test_language_choice_rules(app):
    survey = make_survey(languages=["es"])
    assert choose_language(survey, "en", None) == "en"  # asked for explicitly
    assert choose_language(survey, None, "en") == "es"  # the survey is not written in English
    assert choose_language(survey, None, None, lambda offered: None) == "es"
    bilingual = make_survey(languages=["es", "en"])
    assert choose_language(bilingual, None, "en") == "en"
    assert choose_language(bilingual, None, "fr", lambda offered: "en") == "en"
    assert choose_language(bilingual, "EN", None) == "en"
    assert choose_language(bilingual, None, "en-US") == "en"


def _post_concurrently(app, token: str, forms: list[dict]) -> list[int]:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(len(forms))

    def send(form):
        client = app.test_client()
        barrier.wait()
        return client.post(f"/r/{token}", data=form).status_code

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(send, forms))


def test_concurrent_posts_to_one_personal_link_store_one_response(app, survey):
    invitation = invite(survey, make_person())
    forms = [{"_clave": new_submission_key(), "_lang": "es", "q_calidad": "buena"} for _ in range(8)]
    statuses = _post_concurrently(app, invitation.token, forms)
    db.session.expire_all()
    assert sorted(statuses) == [200] * 7 + [303]  # one stored, seven "already answered"
    assert count_responses() == 1


def test_concurrent_repeats_of_one_form_store_one_response(app, survey):
    form = {"_clave": new_submission_key(), "_lang": "es", "q_calidad": "buena"}
    statuses = _post_concurrently(app, survey.open_token, [form] * 8)
    db.session.expire_all()
    assert statuses == [303] * 8
    assert count_responses() == 1


def test_a_stored_answer_does_not_resend_an_unchanged_session_cookie(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:  # the session holds the CSRF token, as in production
        client = app.test_client()
        survey = make_survey(state="open")
        assert any(c.startswith("session=") for c in client.get(f"/r/{survey.open_token}").headers.getlist("Set-Cookie"))
        response = answer(client, survey.open_token, {"q_calidad": "buena"})
        assert response.status_code == 303 and count_responses() == 1
        assert "Set-Cookie" not in response.headers  # the thank-you page refreshes it
        thanks = client.get(response.headers["Location"])
        assert "session=" in thanks.headers.get("Set-Cookie", "")


def test_staff_pages_still_refresh_the_idle_timeout_on_every_request(client, login_as):
    login_as("staff")
    for _ in range(2):
        assert "session=" in client.get("/").headers.get("Set-Cookie", "")
