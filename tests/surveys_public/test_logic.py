"""The respondent page honours the form's XLSForm logic, server-side (issue 14, item 2): skip logic,
constraints with their messages, cascading choice filters, calculations, required expressions, ${ref} in
labels, read-only defaults, metadata, and the page without JavaScript ("questions were added" round trip).

The trees are compiled with surveys.logic.expressions.compile_expression, as the XLSForm import stores them.
"""

from __future__ import annotations

import json
from datetime import datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Response
from surveys.respond.page_logic import SHOWN_FIELD, START_FIELD
from tests.factories import make_survey
from tests.surveys_public.helpers import Page, answer

ADDED_ES = "Según sus respuestas, se agregaron preguntas; revíselas y envíe de nuevo."
ADDED_EN = "Based on your answers, questions were added; please review them and submit again."


def expr(src: str, context: str = "question") -> dict:
    return {"src": src, "tree": compile_expression(src, context=context)}


def labels(es: str, en: str | None = None) -> dict:
    return {"es": es, "en": en or es}


YES_NO = [("si", labels("Sí", "Yes"), False), ("no", labels("No"), False)]


class Boxes(HTMLParser):
    """Which question boxes, sections and choices the page hides (the `hidden` attribute)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.questions: dict[str, bool] = {}  # data-question -> hidden
        self.groups: dict[str, bool] = {}
        self.choices: dict[tuple[str, str], bool] = {}  # (field, value) -> hidden
        self.data = None
        self.scripts: list[str] = []
        self._choice_hidden = False
        self._in_data = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-question" in attrs:
            self.questions[attrs["data-question"]] = "hidden" in attrs
        if "data-group" in attrs:
            self.groups[attrs["data-group"]] = "hidden" in attrs
        if tag == "div" and attrs.get("class") == "form-check":
            self._choice_hidden = "hidden" in attrs
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            self.choices[(attrs["name"], attrs["value"])] = self._choice_hidden
        if tag == "script":
            if attrs.get("type") == "application/json" and attrs.get("id") == "survey-logic":
                self._in_data = True
            elif attrs.get("src"):
                self.scripts.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data = json.loads(data)

    def shown_choices(self, field: str) -> list[str]:
        return [value for (name, value), hidden in self.choices.items() if name == field and not hidden]


def stored(survey) -> dict[str, object]:
    """The one stored response's answers: {question name: choice name(s) or value}."""
    [response] = db.session.scalars(select(Response).where(Response.survey_id == survey.id)).all()
    found: dict[str, object] = {}
    for row in response.answers:
        value = row.choice.name if row.choice else row.value
        name = row.question.name
        found[name] = sorted([*found[name], value]) if name in found and isinstance(found[name], list) else (
            [found[name], value] if name in found else value)
    return found


def count_responses(survey) -> int:
    return db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id))


def post_page(client, token: str, page: Page, data: dict, *, script: bool = False, lang: str | None = None):
    """Submits `page` as a browser would: its hidden fields (the <noscript> list too, unless JavaScript runs)."""
    form = {name: page.hidden(name) for name in ("csrf_token", "_clave", "_lang", START_FIELD)
            if page.hidden(name) is not None}
    if not script and page.hidden(SHOWN_FIELD) is not None:
        form[SHOWN_FIELD] = page.hidden(SHOWN_FIELD)
    form.update(data)
    return client.post(f"/r/{token}" + (f"?lang={lang}" if lang else ""), data=form)


def get_page(client, token: str, lang: str | None = None) -> Page:
    response = client.get(f"/r/{token}" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    return Page(response.get_data(as_text=True))


# --- the forms ----------------------------------------------------------------------------------------


@pytest.fixture
def skip_survey(app):
    return make_survey(state="open", questions=[
        {"name": "tiene_hijos", "type": "select_one", "required": True, "labels": labels("¿Tiene hijas o hijos?",
                                                                                         "Do you have children?"),
         "choices": YES_NO},
        {"name": "hijos", "type": "integer", "required": True, "labels": labels("¿Cuántos?", "How many?"),
         "logic": {"relevant": expr("${tiene_hijos} = 'si'")}},
        {"type": "begin_group", "name": "escuela", "labels": labels("Escuela", "School"),
         "logic": {"relevant": expr("${hijos} > 0")}},
        {"name": "escuela_nombre", "type": "text", "required": True, "labels": labels("Nombre de la escuela",
                                                                                      "Name of the school")},
        {"type": "end_group", "name": "fin_escuela"},
        {"name": "comentarios", "type": "text", "labels": labels("Comentarios", "Comments")},
    ])


@pytest.fixture
def constraint_survey(app):
    return make_survey(state="open", questions=[
        {"name": "edad", "type": "integer", "required": True, "labels": labels("Edad", "Age"),
         "logic": {"constraint": expr(". >= 18"),
                   "constraint_message": {"es": "Debe tener 18 años o más.", "en": "You must be 18 or older."}}},
        {"name": "correo", "type": "text", "labels": labels("Correo electrónico", "E-mail"),
         "logic": {"constraint": expr(r"regex(., '^[^@\s]+@[^@\s]+\.[a-z]{2,}$')")}},
        {"name": "opinion", "type": "text", "labels": labels("Opinión", "Opinion")},
    ])


def city(name: str, label: str, state: str) -> tuple:
    return (name, labels(label), False, {"state": state})


@pytest.fixture
def cascade_survey(app):
    """xlsform.org's cascading-selects example."""
    return make_survey(state="open", questions=[
        {"name": "state", "type": "select_one", "required": True, "labels": labels("Estado", "State"),
         "choices": [("texas", labels("Texas"), False), ("washington", labels("Washington"), False)]},
        {"name": "city", "type": "select_one", "required": True, "labels": labels("Ciudad", "City"),
         "logic": {"choice_filter": expr("state=${state}", "choice_filter")},
         "choices": [city("dallas", "Dallas", "texas"), city("austin", "Austin", "texas"),
                     city("seattle", "Seattle", "washington"), city("tacoma", "Tacoma", "washington")]},
    ])


# --- skip logic -----------------------------------------------------------------------------------------


def test_questions_not_relevant_are_hidden_on_the_first_render(client, skip_survey):
    page = get_page(client, skip_survey.open_token)
    boxes = Boxes(page.html)
    assert boxes.questions == {"tiene_hijos": False, "hijos": True, "escuela_nombre": True, "comentarios": False}
    assert boxes.groups == {"escuela": True}
    assert any("survey-logic.js?v=" in src for src in boxes.scripts)
    assert boxes.data["questions"]["hijos"]["relevant"] == ["op", "=", ["ref", "tiene_hijos"], ["str", "si"]]
    assert boxes.data["groups"]["escuela"] == {"relevant": ["op", ">", ["ref", "hijos"], ["num", 0.0]],
                                               "parent": None}


def test_hidden_required_questions_do_not_block_and_their_answers_are_not_stored(client, skip_survey):
    response = answer(client, skip_survey.open_token, {"q_tiene_hijos": "no", "q_hijos": "3",
                                                       "q_escuela_nombre": "Benito Juárez", "q_comentarios": "ok"})
    assert response.status_code == 303
    assert stored(skip_survey) == {"tiene_hijos": "no", "comentarios": "ok"}


def test_a_type_error_in_a_question_not_relevant_is_ignored(client, skip_survey):
    response = answer(client, skip_survey.open_token, {"q_tiene_hijos": "no", "q_hijos": "muchos"})
    assert response.status_code == 303
    assert stored(skip_survey) == {"tiene_hijos": "no"}


def test_relevant_required_questions_are_required(client, skip_survey):
    response = answer(client, skip_survey.open_token, {"q_tiene_hijos": "si", "q_hijos": "2"})
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert "Nombre de la escuela: Responda esta pregunta." in page.html
    assert Boxes(page.html).groups == {"escuela": False}  # shown now: the answers make it relevant
    assert page.value("q_hijos") == "2"
    assert count_responses(skip_survey) == 0
    assert answer(client, skip_survey.open_token, {"q_tiene_hijos": "si", "q_hijos": "2",
                                                   "q_escuela_nombre": "Primaria 5"}).status_code == 303
    assert stored(skip_survey) == {"tiene_hijos": "si", "hijos": "2", "escuela_nombre": "Primaria 5"}


# --- constraints ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, message", [("es", "Debe tener 18 años o más."), ("en", "You must be 18 or older.")])
def test_a_constraint_refuses_with_the_forms_message_in_the_pages_language(client, constraint_survey, lang,
                                                                           message):
    response = answer(client, constraint_survey.open_token, {"q_edad": "10", "q_opinion": "Útil"}, lang=lang)
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert page.lang == lang
    assert f"{'Edad' if lang == 'es' else 'Age'}: {message}" in page.html
    assert page.value("q_edad") == "10" and page.value("q_opinion") == "Útil"  # every answer kept
    assert count_responses(constraint_survey) == 0


@pytest.mark.parametrize("lang, message", [
    ("es", "Esta respuesta no cumple la condición que la encuesta pide para esta pregunta."),
    ("en", "This answer does not meet the condition the survey sets for this question.")])
def test_a_constraint_without_a_message_has_a_specific_default(client, constraint_survey, lang, message):
    response = answer(client, constraint_survey.open_token, {"q_edad": "30", "q_correo": "not-an-email"},
                      lang=lang)
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert message in page.html
    assert page.value("q_correo") == "not-an-email"


def test_answers_that_meet_the_constraints_are_stored(client, constraint_survey):
    response = answer(client, constraint_survey.open_token, {"q_edad": "18", "q_correo": "ana@example.org"})
    assert response.status_code == 303
    assert stored(constraint_survey) == {"edad": "18", "correo": "ana@example.org"}


def test_the_page_gives_the_script_the_messages_in_its_language(client, constraint_survey):
    data = Boxes(get_page(client, constraint_survey.open_token, lang="en").html).data
    assert data["questions"]["edad"]["messages"] == {"constraint": "You must be 18 or older."}
    assert data["messages"]["constraint"] == "This answer does not meet the condition the survey sets for this question."


# --- choice filters -------------------------------------------------------------------------------------


def test_a_choice_outside_its_filter_is_refused(client, cascade_survey):
    response = answer(client, cascade_survey.open_token, {"q_state": "texas", "q_city": "seattle"})
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert "Esta opción no corresponde a sus respuestas anteriores; elija otra de la lista." in page.html
    assert Boxes(page.html).shown_choices("q_city") == ["dallas", "austin"]
    assert page.checked("q_state") == ["texas"] and page.checked("q_city") == []
    assert count_responses(cascade_survey) == 0


def test_a_choice_inside_its_filter_is_stored(client, cascade_survey):
    assert answer(client, cascade_survey.open_token, {"q_state": "washington", "q_city": "tacoma"}).status_code == 303
    assert stored(cascade_survey) == {"state": "washington", "city": "tacoma"}


def test_choices_outside_the_filter_are_not_shown(client, cascade_survey):
    boxes = Boxes(get_page(client, cascade_survey.open_token).html)
    assert boxes.shown_choices("q_city") == []  # no state chosen yet
    assert boxes.shown_choices("q_state") == ["texas", "washington"]
    assert boxes.data["questions"]["city"]["choices"][2] == {"name": "seattle", "label": "Seattle",
                                                             "extra": {"state": "washington"}}


# --- calculations, required expressions, defaults, read-only ---------------------------------------------


def test_a_calculation_is_stored(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "precio", "type": "decimal", "labels": labels("Precio", "Price")},
        {"name": "cantidad", "type": "integer", "labels": labels("Cantidad", "Quantity")},
        {"name": "total", "type": "calculate", "logic": {"calculation": expr("${precio} * ${cantidad}")}},
    ])
    page = get_page(client, survey.open_token)
    assert "q_total" not in [field.get("name") for field in page.inputs]  # computed: no field
    assert answer(client, survey.open_token, {"q_precio": "2.5", "q_cantidad": "4"}).status_code == 303
    assert stored(survey) == {"precio": "2.5", "cantidad": "4", "total": "10"}


def test_a_required_expression_applies_only_when_true(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "calificacion", "type": "select_one", "required": True, "labels": labels("Calificación"),
         "choices": [("buena", labels("Buena"), True), ("mala", labels("Mala"), False)]},
        {"name": "motivo", "type": "text", "labels": labels("Motivo", "Reason"),
         "logic": {"required": expr("${calificacion} = 'mala'"),
                   "required_message": {"es": "Díganos qué salió mal.", "en": "Tell us what went wrong."}}},
    ])
    refused = answer(client, survey.open_token, {"q_calificacion": "mala"}, lang="en")
    assert refused.status_code == 422
    assert "Reason: Tell us what went wrong." in refused.get_data(as_text=True)
    assert answer(client, survey.open_token, {"q_calificacion": "buena"}).status_code == 303


def test_read_only_questions_take_their_default_never_the_posted_value(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "pais", "type": "text", "labels": labels("País", "Country"),
         "logic": {"read_only_flag": True, "default_value": "México"}},
        {"name": "opinion", "type": "text", "labels": labels("Opinión")},
    ])
    page = get_page(client, survey.open_token)
    assert page.value("q_pais") == "México"
    assert "readonly" in next(f for f in page.inputs if f.get("name") == "q_pais")
    assert answer(client, survey.open_token, {"q_pais": "Otro", "q_opinion": "x"}).status_code == 303
    assert stored(survey) == {"pais": "México", "opinion": "x"}


def test_defaults_fill_the_first_render(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "visitas", "type": "integer", "labels": labels("Visitas"), "logic": {"default": expr("1 + 1")}},
        {"name": "temas", "type": "select_multiple", "labels": labels("Temas"),
         "logic": {"default_value": "voto otro"},
         "choices": [("voto", labels("Voto"), False), ("otro", labels("Otro"), False)]},
    ])
    page = get_page(client, survey.open_token)
    assert page.value("q_visitas") == "2"
    assert page.checked("q_temas") == ["voto", "otro"]


# --- ${ref} in labels and hints ---------------------------------------------------------------------------


def test_references_in_labels_and_hints_are_replaced_by_the_answers(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "nombre", "type": "text", "required": True, "labels": labels("Nombre", "Name")},
        {"name": "color", "type": "select_one", "labels": labels("Color"),
         "choices": [("rojo", labels("Rojo", "Red"), False)]},
        {"name": "edad", "type": "integer", "required": True, "labels": labels("¿Qué edad tiene ${nombre}?",
                                                                               "How old is ${nombre}?"),
         "hints": labels("Le gusta el ${color}.", "Likes ${color}.")},
    ])
    first = get_page(client, survey.open_token)
    assert first.label_of("p2") == "¿Qué edad tiene ?"
    assert 'data-label-template="¿Qué edad tiene ${nombre}?"' in first.html
    response = answer(client, survey.open_token, {"q_nombre": "Ana <b>", "q_color": "rojo"}, lang="en")
    assert response.status_code == 422
    page = Page(response.get_data(as_text=True))
    assert page.label_of("p2") == "How old is Ana <b>?"  # escaped in the HTML, as every answer
    assert "Ana &lt;b&gt;" in page.html and "Likes Red." in page.html


# --- without JavaScript: questions the answers add --------------------------------------------------------


def test_without_javascript_added_questions_come_back_before_storing(client, skip_survey):
    token = skip_survey.open_token
    first = get_page(client, token)
    assert first.hidden(SHOWN_FIELD) == ""  # the shown list only names what the answers decide on
    response = post_page(client, token, first, {"q_tiene_hijos": "si"})
    assert response.status_code == 200
    second = Page(response.get_data(as_text=True))
    assert ADDED_ES in second.html
    assert "Revise sus respuestas" not in second.html  # no error for a question the person has not seen
    assert Boxes(second.html).questions["hijos"] is False
    assert second.checked("q_tiene_hijos") == ["si"]
    assert count_responses(skip_survey) == 0
    response = post_page(client, token, second, {"q_tiene_hijos": "si", "q_hijos": "0"})
    assert response.status_code == 303
    assert stored(skip_survey) == {"tiene_hijos": "si", "hijos": "0"}


def test_without_javascript_the_message_is_in_english(client, skip_survey):
    first = get_page(client, skip_survey.open_token, lang="en")
    response = post_page(client, skip_survey.open_token, first, {"q_tiene_hijos": "si"}, lang="en")
    assert ADDED_EN in response.get_data(as_text=True)


def test_without_javascript_changed_choices_come_back(client, cascade_survey):
    token = cascade_survey.open_token
    first = get_page(client, token)
    response = post_page(client, token, first, {"q_state": "texas"})
    assert response.status_code == 200
    second = Page(response.get_data(as_text=True))
    assert ADDED_ES in second.html
    assert Boxes(second.html).shown_choices("q_city") == ["dallas", "austin"]
    assert post_page(client, token, second, {"q_state": "texas", "q_city": "austin"}).status_code == 303
    assert stored(cascade_survey) == {"state": "texas", "city": "austin"}


def test_with_javascript_no_list_is_posted_and_the_answers_are_checked(client, skip_survey):
    first = get_page(client, skip_survey.open_token)
    response = post_page(client, skip_survey.open_token, first, {"q_tiene_hijos": "si", "q_hijos": "0"},
                         script=True)
    assert response.status_code == 303


def test_forms_without_logic_load_no_script(client, survey):
    html = get_page(client, survey.open_token).html
    # no logic data (the script itself is on every form: drafts and retries, tests/surveys_public/test_drafts.py)
    assert 'id="survey-logic"' not in html and "data-question" not in html and SHOWN_FIELD not in html


# --- metadata -----------------------------------------------------------------------------------------------


def test_metadata_is_filled_by_the_server(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "inicio", "type": "start"}, {"name": "fin", "type": "end"}, {"name": "hoy", "type": "today"},
        {"name": "equipo", "type": "deviceid"}, {"name": "usuario", "type": "username"},
        {"name": "opinion", "type": "text", "labels": labels("Opinión")},
    ])
    page = get_page(client, survey.open_token)
    assert [f.get("name") for f in page.fields()] == ["q_opinion"]
    response = post_page(client, survey.open_token, page, {"q_opinion": "x", "q_inicio": "1999-01-01T00:00:00"})
    assert response.status_code == 303
    answers = stored(survey)
    start, end = datetime.fromisoformat(answers["inicio"]), datetime.fromisoformat(answers["fin"])
    assert start <= end and (end - start).total_seconds() < 3600 and start.year > 1999
    assert answers["hoy"] == end.date().isoformat()
    [response_row] = db.session.scalars(select(Response).where(Response.survey_id == survey.id)).all()
    assert answers["equipo"] == response_row.browser_key  # the keyed hash it already stores, nothing more
    assert "usuario" not in answers


def test_a_forged_start_is_not_believed(client, app):
    survey = make_survey(state="open", questions=[
        {"name": "inicio", "type": "start"}, {"name": "opinion", "type": "text", "labels": labels("Opinión")}])
    page = get_page(client, survey.open_token)
    forged = page.hidden(START_FIELD).rsplit(".", 2)[0] + ".AAAAAA.forged"
    response = post_page(client, survey.open_token, page, {"q_opinion": "x", START_FIELD: forged})
    assert response.status_code == 303
    assert "inicio" not in stored(survey)
