"""The condition and restriction editors (issue 18, item 10): what they write is the logic the XLSForm import
writes (the same source compiled by surveys.logic), so the respondent page honours it, `export-form` writes it
back, and the XLSForm reader reads the same expression; a bad expression is refused in Spanish, keeping what
was typed; on a survey with answers a change that would break stored answers is refused."""

from __future__ import annotations

import pytest

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Question, Survey
from surveys.xlsform.reader import read_xlsform
from tests.factories import make_survey
from tests.surveys_public.helpers import Page, answer
from tests.surveys_public.test_logic import Boxes, stored

YES_NO = [("si", {"es": "Sí", "en": "Yes"}, False), ("no", {"es": "No", "en": "No"}, False)]
QUESTIONS = [
    {"name": "tiene_hijos", "type": "select_one", "labels": {"es": "¿Tiene hijas o hijos?"}, "choices": YES_NO},
    {"name": "temas", "type": "select_multiple", "labels": {"es": "Temas"},
     "choices": [("voto", {"es": "Voto"}, False), ("observacion", {"es": "Observación"}, False)]},
    {"name": "edad", "type": "integer", "labels": {"es": "Edad"}},
    {"name": "hijos", "type": "integer", "labels": {"es": "¿Cuántos?"}},
    {"name": "correo", "type": "text", "labels": {"es": "Correo"}},
]


@pytest.fixture
def survey(app):
    return make_survey(questions=QUESTIONS, state="open", languages=["es", "en"])


def q(survey, name: str) -> Question:
    db.session.expire_all()
    return next(x for x in db.session.get(Survey, survey.id).questions if x.name == name)


def logic_url(survey, name: str) -> str:
    return f"/encuestas/{survey.id}/preguntas/{q(survey, name).id}/logica"


def condition(rows: list[tuple[str, str, str]], joiner: str = "and") -> dict:
    data = {"cond-joiner": joiner, "cond-submit": "Guardar condición"}
    for index, (name, op, value) in enumerate(rows):
        data[f"cond-rows-{index}-question"] = name
        data[f"cond-rows-{index}-operator"] = op
        if name in ("tiene_hijos", "temas"):
            data[f"cond-rows-{index}-choice"] = f"{name}::{value}"
        else:
            data[f"cond-rows-{index}-value"] = value
    return data


def test_a_condition_hides_the_question_on_the_respondent_page(client, login_as, survey):
    login_as("staff")
    response = client.post(logic_url(survey, "hijos"), data=condition([("tiene_hijos", "eq", "si")]))
    assert response.status_code == 302, response.get_data(as_text=True)
    relevant = q(survey, "hijos").logic["relevant"]
    assert relevant == {"src": "${tiene_hijos} = 'si'", "tree": compile_expression("${tiene_hijos} = 'si'")}
    boxes = Boxes(client.get(f"/r/{survey.open_token}").get_data(as_text=True))
    assert boxes.questions["hijos"] is True and boxes.questions["edad"] is False
    assert answer(client, survey.open_token, {"q_tiene_hijos": "no", "q_hijos": "3"}).status_code == 303
    assert stored(survey) == {"tiene_hijos": "no"}  # hidden: its answer is not stored


def test_several_conditions_joined_by_o_and_the_editor_reads_them_back(client, login_as, survey):
    login_as("staff")
    data = condition([("edad", "ge", "18"), ("temas", "selected", "voto")], joiner="or")
    assert client.post(logic_url(survey, "correo"), data=data).status_code == 302
    assert q(survey, "correo").logic["relevant"]["src"] == "${edad} >= 18 or selected(${temas}, 'voto')"
    page = Page(client.get(logic_url(survey, "correo")).get_data(as_text=True))
    assert 'value="18"' in page.html and '<option selected value="temas::voto">' in page.html
    assert '<option selected value="or">' in page.html


def test_the_condition_round_trips_through_export_form(client, login_as, survey):
    login_as("staff")
    client.post(logic_url(survey, "hijos"), data=condition([("tiene_hijos", "ne", "no"), ("edad", "lt", "60")]))
    client.post(logic_url(survey, "edad"), data={"restr-minimum": "18", "restr-maximum": "120",
                                                 "restr-message_es": "Entre 18 y 120 años.",
                                                 "restr-message_en": "Between 18 and 120.",
                                                 "restr-submit": "Guardar restricción"})
    response = client.get(f"/encuestas/{survey.id}/formulario.xlsx")
    assert response.status_code == 200
    read = {x.name: x for x in read_xlsform(response.data, filename="f.xlsx").definition.questions}
    src = "${tiene_hijos} != 'no' and ${edad} < 60"
    assert read["hijos"].logic["relevant"] == {"src": src, "tree": compile_expression(src)}
    assert read["edad"].logic["constraint"]["src"] == ". >= 18 and . <= 120"
    assert read["edad"].logic["constraint_message"] == {"es": "Entre 18 y 120 años.", "en": "Between 18 and 120."}
    assert q(survey, "hijos").logic["relevant"] == read["hijos"].logic["relevant"]


def test_a_restriction_with_its_message_is_enforced_on_the_respondent_page(client, login_as, survey):
    login_as("staff")
    response = client.post(logic_url(survey, "correo"), data={
        "restr-max_length": "40", "restr-pattern": "^[^@ ]+@[^@ ]+$",
        "restr-message_es": "Escriba un correo válido.", "restr-submit": "Guardar restricción"})
    assert response.status_code == 302
    assert q(survey, "correo").logic["constraint"]["src"] == "string-length(.) <= 40 and regex(., '^[^@ ]+@[^@ ]+$')"
    refused = answer(client, survey.open_token, {"q_correo": "no-es-correo"})
    assert refused.status_code == 422
    page = Page(refused.get_data(as_text=True))
    assert "Escriba un correo válido." in page.html and page.value("q_correo") == "no-es-correo"
    assert answer(client, survey.open_token, {"q_correo": "ana@example.org"}).status_code == 303


@pytest.mark.parametrize("typed, named", [
    ("${edad} >= = 18", "«=» inesperado"),
    ("${nadie} = 'si'", "${nadie}"),
    ("pulldata('x', 'y', 'z', 'w') = 1", "pulldata()"),
    ("${hijos} > 1", "esta misma pregunta"),
])
def test_a_bad_expression_is_refused_in_spanish_and_nothing_typed_is_lost(client, login_as, survey, typed, named):
    login_as("staff")
    response = client.post(logic_url(survey, "hijos"), data={
        "avz-relevant": typed, "avz-constraint": ". >= 0", "avz-message_es": "No puede ser negativo",
        "avz-submit": "Guardar expresiones"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    page = Page(html)
    assert "no es una expresión XLSForm válida" in html or "La condición usa" in html
    assert named.replace("'", "&#39;") in html or named in page.html
    assert "No puede ser negativo" in html and ". &gt;= 0" in html  # the form keeps what was typed
    textarea = html.split('id="avz-relevant"', 1)[1].split("</textarea>", 1)[0]
    assert typed.replace(">", "&gt;").replace("'", "&#39;") in textarea
    assert q(survey, "hijos").logic == {}  # nothing saved, the constraint neither


def test_the_advanced_field_writes_a_condition_the_simple_editor_cannot_show(client, login_as, survey):
    login_as("staff")
    src = "(${edad} > 10 or ${tiene_hijos} = 'si') and count-selected(${temas}) >= 1"
    response = client.post(logic_url(survey, "hijos"), data={"avz-relevant": src, "avz-submit": "Guardar"})
    assert response.status_code == 302
    assert q(survey, "hijos").logic["relevant"] == {"src": src, "tree": compile_expression(src)}
    html = client.get(logic_url(survey, "hijos")).get_data(as_text=True)
    assert "este editor no puede mostrar por partes" in html


def test_a_circle_of_conditions_is_refused(client, login_as, survey):
    login_as("staff")
    assert client.post(logic_url(survey, "hijos"), data=condition([("edad", "gt", "1")])).status_code == 302
    response = client.post(logic_url(survey, "edad"), data={"avz-relevant": "${hijos} > 0", "avz-submit": "G"})
    assert response.status_code == 422
    assert "formaría un círculo («edad» → «hijos» → «edad»)" in response.get_data(as_text=True)


def test_a_condition_row_with_an_operator_that_does_not_suit_the_type_is_refused(client, login_as, survey):
    login_as("staff")
    response = client.post(logic_url(survey, "hijos"), data=condition([("tiene_hijos", "gt", "si")]))
    assert response.status_code == 422
    assert "Condición 1 («¿Tiene hijas o hijos?»): elija una comparación" in response.get_data(as_text=True)
    response = client.post(logic_url(survey, "hijos"), data=condition([("edad", "ge", "mucho")]))
    assert "Condición 1 («Edad»): escriba un número" in response.get_data(as_text=True)
    assert q(survey, "hijos").logic == {}


def test_only_earlier_questions_are_offered(client, login_as, survey):
    login_as("staff")
    html = client.get(logic_url(survey, "edad")).get_data(as_text=True)
    assert 'value="tiene_hijos"' in html and 'value="temas"' in html
    assert 'value="hijos"' not in html and 'value="correo"' not in html


def test_with_answers_a_condition_that_hides_an_answered_question_is_refused(client, login_as, survey):
    answer(client, survey.open_token, {"q_tiene_hijos": "no", "q_hijos": "2", "q_edad": "40"})
    login_as("staff")
    response = client.post(logic_url(survey, "hijos"), data=condition([("tiene_hijos", "eq", "si")]))
    assert response.status_code == 422
    assert "«hijos» quedaría oculta en 1 respuesta guardada" in response.get_data(as_text=True)
    assert q(survey, "hijos").logic == {}
    # a condition every stored answer meets is allowed
    assert client.post(logic_url(survey, "hijos"), data=condition([("edad", "ge", "18")])).status_code == 302
    # a restriction a stored answer fails is refused; a looser one is allowed
    data = {"restr-minimum": "50", "restr-submit": "Guardar restricción"}
    response = client.post(logic_url(survey, "edad"), data=data)
    assert response.status_code == 422 and "dejaría de cumplirla en 1 respuesta guardada" in response.get_data(
        as_text=True)
    assert client.post(logic_url(survey, "edad"), data={**data, "restr-minimum": "18"}).status_code == 302
    assert q(survey, "edad").logic["constraint"]["src"] == ". >= 18"


def test_removing_a_condition_and_a_restriction(client, login_as, survey):
    login_as("staff")
    client.post(logic_url(survey, "hijos"), data=condition([("edad", "gt", "1")]))
    client.post(logic_url(survey, "hijos"), data={"restr-minimum": "0", "restr-message_es": "Mínimo 0",
                                                  "restr-submit": "Guardar"})
    assert set(q(survey, "hijos").logic) == {"relevant", "constraint", "constraint_message"}
    client.post(logic_url(survey, "hijos"), data={"cond-remove": "Quitar la condición"})
    client.post(logic_url(survey, "hijos"), data={"restr-remove": "Quitar la restricción"})
    assert q(survey, "hijos").logic == {}


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_the_logic_editor_needs_the_builders_permission(client, login_as, survey, role):
    login_as(role)
    assert client.get(logic_url(survey, "hijos")).status_code == 403
    response = client.post(logic_url(survey, "hijos"), data=condition([("edad", "gt", "1")]))
    assert response.status_code == 403
    assert q(survey, "hijos").logic == {}
