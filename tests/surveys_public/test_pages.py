"""Respondent pages: language, accessible form, kind pages for unknown, used, draft and closed links."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.contacts.models import PrivacyNotice
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import Invitation
from tests.factories import make_person, make_survey
from tests.surveys_public.helpers import Page, invite


def page(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, Page(response.get_data(as_text=True))


# --- language ------------------------------------------------------------------------------------


def test_spanish_by_default(client, survey):
    response, html = page(client, f"/r/{survey.open_token}")
    assert response.status_code == 200
    assert html.lang == "es"
    assert "¿Cómo califica la sesión?" in html.legends[0]
    assert "Enviar respuestas" in html.html


def test_lang_parameter_switches_to_english(client, survey):
    response, html = page(client, f"/r/{survey.open_token}?lang=en")
    assert html.lang == "en"
    assert html.legends[0].startswith("How do you rate the session?")
    assert "Submit answers" in html.html
    assert "Enviar respuestas" not in html.html
    assert html.hidden("_lang") == "en"


def test_invited_persons_language_is_used(client, survey):
    person = make_person(language="en")
    invitation = invite(survey, person)
    _, html = page(client, f"/r/{invitation.token}")
    assert html.lang == "en"
    assert "Submit answers" in html.html


def test_lang_parameter_wins_over_the_persons_language(client, survey):
    invitation = invite(survey, make_person(language="en"))
    _, html = page(client, f"/r/{invitation.token}?lang=es")
    assert html.lang == "es"


def test_browser_preference_when_no_parameter(client, survey):
    _, html = page(client, f"/r/{survey.open_token}", **{"Accept-Language": "en-US,en;q=0.9"})
    assert html.lang == "en"
    _, html = page(client, f"/r/{survey.open_token}", **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.8"})
    assert html.lang == "es"


def test_unsupported_browser_language_falls_back_to_spanish(client, survey):
    _, html = page(client, f"/r/{survey.open_token}", **{"Accept-Language": "fr-FR,de;q=0.5"})
    assert html.lang == "es"


def test_persons_language_beats_the_browser(client, survey):
    invitation = invite(survey, make_person(language="es"))
    _, html = page(client, f"/r/{invitation.token}", **{"Accept-Language": "en"})
    assert html.lang == "es"


def test_unknown_lang_parameter_is_ignored(client, survey):
    _, html = page(client, f"/r/{survey.open_token}?lang=xx")
    assert html.lang == "es"


def test_language_switch_links_to_the_other_language(client, survey):
    _, html = page(client, f"/r/{survey.open_token}")
    assert {"href": f"/r/{survey.open_token}?lang=en", "lang": "en", "hreflang": "en",
            "class": "btn btn-outline-dark"} in html.links


# --- the form --------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_input_has_its_label(client, rich_survey, lang):
    _, html = page(client, f"/r/{rich_survey.open_token}?lang={lang}")
    fields = html.fields()
    assert len(fields) == 3 + 3 + 4  # radios, check boxes, four text-like inputs
    for field in fields:
        assert field.get("id"), field
        assert html.label_of(field["id"]), f"no <label for={field['id']}>"
    expected = {
        "es": {"Buena", "Regular", "Mala", "Voto", "Observación electoral", "Otro", "Edad", "Horas dedicadas",
               "Fecha de la actividad", "Comentarios"},
        "en": {"Good", "Fair", "Poor", "Voting", "Election observation", "Other", "Age", "Hours spent",
               "Date of the activity", "Comments"},
    }[lang]
    assert {html.label_of(f["id"]) for f in fields} == expected
    legends = {"es": ["¿Cómo califica la sesión?", "¿Qué temas le interesan?"],
               "en": ["How do you rate the session?", "Which topics interest you?"]}[lang]
    assert html.legends == legends


def test_choices_are_radios_and_check_boxes_in_fieldsets(client, rich_survey):
    _, html = page(client, f"/r/{rich_survey.open_token}")
    types = {f["name"]: f["type"] for f in html.fields()}
    assert types["q_calidad"] == "radio"
    assert types["q_temas"] == "checkbox"
    assert types["q_fecha"] == "date"
    assert html.html.count("<fieldset") == 2


def test_hints_required_notes_and_sections(client, rich_survey):
    response, html = page(client, f"/r/{rich_survey.open_token}")
    body = html.html
    assert 'aria-describedby="p2-ayuda"' in body  # the fieldset of "calidad" points at its hint
    assert 'id="p2-ayuda"' in body and "Elija la opción que mejor la describa." in body
    radios = [f for f in html.fields() if f["name"] == "q_calidad"]
    assert all("required" in f for f in radios)
    assert "required" in next(f for f in html.fields() if f["name"] == "q_comentarios")
    assert "Las preguntas marcadas con un asterisco (*) son obligatorias." in body
    assert "Gracias por participar." in body  # the note, as text
    assert '<h2 class="h4 mb-3" id="s1-titulo">Sobre la actividad</h2>' in body
    assert "Sección 1 de 2" in body and "Sección 2 de 2" in body


def test_short_privacy_notice_and_link_on_every_form(client, survey):
    _, html = page(client, f"/r/{survey.open_token}?lang=en")
    assert "Instituto Electoral de la Ciudad de México" in html.html
    assert any(link.get("href") == "/aviso-de-privacidad?lang=en" for link in html.links)
    assert "ARCO" in html.html
    _, html = page(client, f"/r/{survey.open_token}")
    assert any(link.get("href") == "/aviso-de-privacidad?lang=es" for link in html.links)


def test_labels_are_escaped(client):
    payload = '<script>alert("x")</script>'
    survey = make_survey(state="open", questions=[
        {"name": "q", "type": "select_one", "labels": {"es": f"Pregunta {payload}"},
         "hints": {"es": f"Ayuda {payload}"},
         "choices": [("a", {"es": f"Opción {payload}"}, True)]},
        {"name": "t", "type": "text", "labels": {"es": "Texto <img src=x onerror=alert(1)>"}},
    ], title=f"Encuesta {payload}")
    response = client.get(f"/r/{survey.open_token}")
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body
    html = Page(body)
    assert html.label_of("p0-0") == f"Opción {payload}"
    assert html.label_of("p1") == "Texto <img src=x onerror=alert(1)>"


def test_no_inline_script_or_style(client, rich_survey):
    response = client.get(f"/r/{rich_survey.open_token}")
    body = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", body)  # only files of our own (and data, never run)
    assert all(re.search(r' src="/static/[^"]+"', tag) or 'type="application/json"' in tag for tag in scripts), scripts
    assert "style=" not in body and "<style" not in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --- unknown, used, draft and closed links -------------------------------------------------------


def test_unknown_token_is_a_kind_404_without_form(client):
    response, html = page(client, "/r/EstoNoEsUnTokenValido123")
    assert response.status_code == 404
    assert html.forms == 0
    assert "No encontramos esta encuesta" in html.html
    response, html = page(client, "/r/EstoNoEsUnTokenValido123?lang=en")
    assert response.status_code == 404 and html.lang == "en"
    assert "We could not find this survey" in html.html


def test_junk_tokens_are_404(client):
    for token in ("a", "x" * 200, "abc$%25def12345"):
        assert client.get(f"/r/{token}").status_code == 404


def test_used_personal_link_says_so_without_form(client, survey):
    invitation = invite(survey, make_person(), answered_at=utcnow(), status="answered")
    response, html = page(client, f"/r/{invitation.token}")
    assert response.status_code == 200
    assert html.forms == 0
    assert "Esta encuesta ya fue respondida" in html.html


@pytest.mark.parametrize("state, title", [("draft", "Esta encuesta aún no está disponible"),
                                          ("closed", "Esta encuesta ya cerró")])
def test_draft_and_closed_surveys_say_so_without_form(client, state, title):
    survey = make_survey(state=state)
    invitation = invite(survey, make_person())
    for token in (survey.open_token, invitation.token):
        response, html = page(client, f"/r/{token}")
        assert response.status_code == 200
        assert html.forms == 0
        assert title in html.html


def test_closed_in_english(client):
    survey = make_survey(state="closed")
    _, html = page(client, f"/r/{survey.open_token}?lang=en")
    assert "This survey is closed" in html.html


def test_outside_the_answering_period(client):
    later = make_survey(state="open", opens_at=utcnow() + timedelta(days=2))
    response, html = page(client, f"/r/{later.open_token}")
    assert response.status_code == 200 and html.forms == 0
    assert "Podrá responderla a partir del" in html.html
    past = make_survey(state="open", closes_at=utcnow() - timedelta(minutes=1))
    response, html = page(client, f"/r/{past.open_token}")
    assert response.status_code == 200 and html.forms == 0
    assert "Esta encuesta ya cerró" in html.html


def test_opening_a_personal_link_records_it_and_uses_nothing(client, survey):
    invitation = invite(survey, make_person(), status="sent")
    assert client.get(f"/r/{invitation.token}").status_code == 200
    db.session.expire_all()
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.status == "opened"
    assert invitation.opened_at is not None
    assert invitation.answered_at is None
    response, html = page(client, f"/r/{invitation.token}")
    assert html.forms == 1


# --- privacy notice ------------------------------------------------------------------------------


def test_privacy_notice_page_in_both_languages(client):
    response, html = page(client, "/aviso-de-privacidad")
    assert response.status_code == 200 and html.lang == "es"
    body = html.html
    assert "Instituto Electoral de la Ciudad de México" in body
    assert "Derechos ARCO" in body and "usted" in body
    assert "Versión 2026-12" in body
    response, html = page(client, "/aviso-de-privacidad?lang=en")
    assert html.lang == "en"
    assert "ARCO rights" in html.html and "Version 2026-12" in html.html
    assert db.session.scalar(select(func.count(PrivacyNotice.id))) == 1


def test_current_notice_is_created_once_and_names_the_regulator(app):
    from crm.contacts.privacy.consent import current_notice, notice_data

    first = current_notice()
    assert current_notice().id == first.id
    assert first.version == "2026-12"
    assert "INFO CDMX" in first.full_text and "INFO CDMX" in first.full_text_en
    assert "{" not in first.full_text + first.short_text + first.full_text_en + first.short_text_en
    assert notice_data()["en"]["short"] == first.short_text_en


def test_the_latest_notice_is_the_one_in_force(app):
    from crm.contacts.privacy.consent import current_notice

    current_notice()
    newer = PrivacyNotice(version="2026-01", short_text="Aviso corto nuevo", full_text="Aviso integral nuevo",
                          published_at=utcnow() + timedelta(seconds=1))
    db.session.add(newer)
    db.session.commit()
    assert current_notice().version == "2026-01"


def test_a_head_request_from_a_link_checker_does_not_mark_the_link_opened(client, survey):
    invitation = invite(survey, make_person(), status="sent")
    assert client.head(f"/r/{invitation.token}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).status == "sent"
