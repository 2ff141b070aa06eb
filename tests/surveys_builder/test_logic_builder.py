"""The builder and a form with XLSForm logic: it shows the types and the logic, keeps every expression when it
edits, refuses the changes that would break one, and leaves the types it does not offer to the XLSForm."""

import pytest
from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.builder.base import BuilderError, ChoiceData, QuestionData
from surveys.builder.questions import add_question, delete_question, move_question, update_question
from surveys.models import QUESTION_TYPES, Question, Survey
from surveys.responses.describe import TYPE_LABELS, logic_lines, referenced_names
from tests.surveys_builder.logic_survey import make_logic_survey, question

READ_ONLY = "Esta pregunta se edita en el archivo XLSForm"


def reload(survey_id: int) -> Survey:
    db.session.expire_all()
    return db.session.get(Survey, survey_id)


def order(survey) -> list[str]:
    return [q.name or q.type for q in sorted(survey.questions, key=lambda q: q.position)]


def test_every_stored_type_has_a_spanish_label():
    assert set(QUESTION_TYPES) <= set(TYPE_LABELS)
    assert TYPE_LABELS["time"] == "Hora" and TYPE_LABELS["geopoint"] == "Ubicación (geopunto)"


def test_questions_page_shows_each_type_and_its_logic_as_written(client, login_as):
    survey = make_logic_survey()
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/preguntas").get_data(as_text=True)
    for label in ("Hora", "Fecha y hora", "Rango", "Ordenar opciones", "Ubicación (geopunto)", "Cálculo", "Imagen",
                  "Grupo repetible", "Inicio", "Fin", "Fin del grupo repetible «Hijas e hijos»"):
        assert label in page, label
    assert "Se muestra si: <code>${edad} &gt;= 18</code>" in page
    assert "Restricción: <code>regex(., &#39;^[^@]+@[^@]+$&#39;)</code> (mensaje: Escriba un correo válido)" in page
    assert "Obligatoria si: <code>${trabajo} = &#39;si&#39;</code> (mensaje: Si trabaja, escriba su correo)" in page
    assert "Cálculo: <code>${edad} * 12</code>" in page
    assert "Filtro de opciones: <code>estado = ${estado}</code>" in page
    assert "Valor inicial: <code>5</code>" in page and "Solo lectura" in page
    assert "Número de repeticiones: <code>${edad} div 10</code>" in page
    # the types the builder does not offer: a note and a «Ver» link, no delete button
    assert page.count(READ_ONLY) == 10
    calc = question(survey, "edad_meses")
    assert f'/preguntas/{calc.id}">Ver' in page and f"/preguntas/{calc.id}/eliminar" not in page
    assert f"/preguntas/{question(survey, 'estado').id}/eliminar" not in page
    assert "No se puede eliminar: la usan otras preguntas" in page
    assert "No se puede quitar: su condición se aplica a sus preguntas" in page


def test_a_question_of_a_type_from_the_xlsform_is_shown_read_only(client, login_as):
    survey = make_logic_survey()
    calc = question(survey, "edad_meses")
    login_as("staff")
    response = client.get(f"/encuestas/{survey.id}/preguntas/{calc.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and READ_ONLY in page and "<code>${edad} * 12</code>" in page
    response = client.post(f"/encuestas/{survey.id}/preguntas/{calc.id}",
                           data={"kind": "short_text", "label_es": "Otra cosa", "name": "otra"})
    assert response.status_code == 409 and "No se guardó ningún cambio" in response.get_data(as_text=True)
    response = client.post(f"/encuestas/{survey.id}/preguntas/{calc.id}/eliminar", follow_redirects=True)
    assert READ_ONLY in response.get_data(as_text=True)
    calc = db.session.get(Question, calc.id)
    assert calc is not None and calc.type == "calculate" and calc.logic["calculation"]["src"] == "${edad} * 12"
    with pytest.raises(BuilderError, match=READ_ONLY):
        update_question(calc, QuestionData(kind="short_text", labels={"es": "X"}))


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_the_read_only_page_needs_the_builders_permission(client, login_as, role):
    survey = make_logic_survey()
    login_as(role)
    assert client.get(f"/encuestas/{survey.id}/preguntas/{question(survey, 'hora').id}").status_code == 403


def test_editing_texts_keeps_logic_appearance_and_required_condition(client, login_as):
    survey = make_logic_survey()
    correo, trabajo = question(survey, "correo"), question(survey, "trabajo")
    logic_before = dict(correo.logic)
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/preguntas/{correo.id}").get_data(as_text=True)
    assert "Lógica del archivo XLSForm" in page and "Obligatoria según la condición" in page
    assert 'name="required"' not in page
    response = client.post(f"/encuestas/{survey.id}/preguntas/{correo.id}",
                           data={"kind": "short_text", "name": "correo", "label_es": "Correo electrónico",
                                 "hint_es": "Por ejemplo, nombre@dominio.mx", "required": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rows = {f"choices-{i}-choice_id": str(c.id) for i, c in enumerate(trabajo.choices)}
    rows.update({f"choices-{i}-code": c.name for i, c in enumerate(trabajo.choices)})
    rows.update({f"choices-{i}-label_es": c.labels["es"] + "." for i, c in enumerate(trabajo.choices)})
    response = client.post(f"/encuestas/{survey.id}/preguntas/{trabajo.id}",
                           data={"kind": "single", "name": "trabajo", "label_es": "¿Tiene trabajo?", "required": "y",
                                 **rows})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    survey = reload(survey.id)
    correo, trabajo = question(survey, "correo"), question(survey, "trabajo")
    assert correo.labels["es"] == "Correo electrónico" and correo.logic == logic_before
    assert correo.required is False  # «required if» stays the XLSForm's
    assert trabajo.appearance == "minimal" and trabajo.labels["es"] == "¿Tiene trabajo?"
    assert question(survey, "grupo_mayor").appearance == "field-list"
    ciudad = question(survey, "ciudad")
    choices = [ChoiceData(name=c.name, labels={"es": c.labels["es"]}, id=c.id) for c in ciudad.choices]
    update_question(ciudad, QuestionData(kind="single", name="ciudad", labels={"es": "Municipio"}, choices=choices))
    survey = reload(survey.id)
    ciudad = question(survey, "ciudad")
    assert ciudad.logic["choice_filter"]["src"] == "estado = ${estado}"
    assert [c.extra for c in ciudad.choices] == [{"estado": "cdmx"}, {"estado": "jal"}]


def test_a_group_keeps_its_condition_and_page_when_its_title_changes(app):
    survey = make_logic_survey()
    group = question(survey, "grupo_mayor")
    update_question(group, QuestionData(kind="section", name="grupo_mayor", labels={"es": "Adultos"}))
    group = question(reload(survey.id), "grupo_mayor")
    assert group.labels == {"es": "Adultos"} and group.appearance == "field-list"
    assert group.logic["relevant"]["src"] == "${edad} >= 18"


def test_a_question_other_questions_use_cannot_be_deleted_renamed_or_retyped(client, login_as):
    survey = make_logic_survey()
    edad, correo = question(survey, "edad"), question(survey, "correo")
    login_as("staff")
    response = client.post(f"/encuestas/{survey.id}/preguntas/{edad.id}/eliminar", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "La pregunta «edad» no se puede eliminar" in page
    assert "«grupo_mayor», «edad_meses», «hijos»" in page
    response = client.post(f"/encuestas/{survey.id}/preguntas/{edad.id}",
                           data={"kind": "integer", "name": "anios", "label_es": "¿Qué edad tiene?"})
    assert response.status_code == 422 and "su código no puede cambiar" in response.get_data(as_text=True)
    response = client.post(f"/encuestas/{survey.id}/preguntas/{question(survey, 'estado').id}",
                           data={"kind": "short_text", "name": "estado", "label_es": "Estado"})
    assert response.status_code == 422 and "su tipo no puede cambiar" in response.get_data(as_text=True)
    assert "«ciudad»" in response.get_data(as_text=True)
    # a label that shows ${correo} uses it too
    with pytest.raises(BuilderError, match="«saludo»"):
        delete_question(correo)
    db.session.rollback()
    survey = reload(survey.id)
    assert question(survey, "edad").name == "edad" and question(survey, "correo") is not None
    assert question(survey, "estado").type == "select_one"


def test_a_question_with_logic_keeps_its_type_and_an_unused_one_can_go(app):
    survey = make_logic_survey()
    with pytest.raises(BuilderError, match="Restricción: regex"):
        update_question(question(survey, "correo"), QuestionData(kind="integer", name="correo",
                                                                  labels={"es": "Correo"}))
    db.session.rollback()
    survey = reload(survey.id)
    assert question(survey, "correo").type == "text"
    delete_question(question(survey, "comentario"))  # nobody refers to it
    assert "comentario" not in order(reload(survey.id))


def test_a_section_with_a_condition_cannot_be_removed(app):
    survey = make_logic_survey()
    with pytest.raises(BuilderError, match="tiene una condición"):
        delete_question(question(survey, "grupo_mayor"))
    db.session.rollback()
    assert "grupo_mayor" in order(reload(survey.id))


def test_moves_never_change_which_condition_or_repeat_holds_a_question(app):
    survey = make_logic_survey()
    # «correo» right after the end of «grupo_mayor»: moving it up would put it inside the condition
    with pytest.raises(BuilderError, match="grupo_mayor|Personas adultas"):
        move_question(question(survey, "correo"), "up")
    db.session.rollback()
    survey = reload(survey.id)
    with pytest.raises(BuilderError, match="Hijas e hijos"):
        move_question(question(survey, "nombre_hijo"), "up")
    db.session.rollback()
    survey = reload(survey.id)
    with pytest.raises(BuilderError, match="grupo repetible"):
        move_question(question(survey, "saludo"), "up")  # into the repeat
    db.session.rollback()
    survey = reload(survey.id)
    before = order(survey)
    move_question(question(survey, "hora"), "down")  # no container changes: allowed
    survey = reload(survey.id)
    after = order(survey)
    assert after.index("hora") == before.index("hora") + 1 and after.index("cuando") == before.index("cuando") - 1


def test_the_builders_own_types_can_still_be_added_and_labels_refer_only_to_questions(app):
    survey = make_logic_survey()
    added = add_question(survey, QuestionData(kind="short_text", labels={"es": "Y usted, a los ${edad} años?"}))
    assert added.logic == {"label_refs": True} and referenced_names(added) == {"edad"}
    with pytest.raises(BuilderError, match=r"\$\{nadie\}"):
        add_question(survey, QuestionData(kind="note", labels={"es": "Hola ${nadie}"}))
    db.session.rollback()
    survey = reload(survey.id)
    # the new question now uses «edad» as well
    with pytest.raises(BuilderError, match=added.name):
        delete_question(question(survey, "edad"))
    db.session.rollback()
    survey = reload(survey.id)
    update_question(question(survey, "saludo"), QuestionData(kind="note", name="saludo", labels={"es": "Gracias"}))
    assert question(reload(survey.id), "saludo").logic == {}
    delete_question(question(reload(survey.id), "correo"))  # nothing refers to it any longer
    assert "correo" not in order(reload(survey.id))


def test_duplicate_keeps_the_logic_and_the_choice_columns(client, login_as):
    survey = make_logic_survey()
    login_as("staff")
    assert client.post(f"/encuestas/{survey.id}/duplicar").status_code == 302
    copy = db.session.scalar(select(Survey).where(Survey.id != survey.id))
    assert {q.name: q.logic for q in copy.questions} == {q.name: q.logic for q in reload(survey.id).questions}
    assert [c.extra for c in question(copy, "ciudad").choices] == [{"estado": "cdmx"}, {"estado": "jal"}]
    assert db.session.scalar(select(func.count(Question.id))) == 2 * len(survey.questions)


def test_logic_lines_read_as_plain_spanish():
    class Q:
        type, required = "integer", True
        logic = {"required_message": {"es": "Falta la edad", "en": "Age missing"}}

    assert [(line.label, line.message) for line in logic_lines(Q(), "en")] == [("Obligatoria", "Age missing")]


def test_an_option_an_expression_writes_keeps_its_code(app):
    survey = make_logic_survey()
    trabajo = question(survey, "trabajo")  # «correo» is required if ${trabajo} = 'si'
    si, no = trabajo.choices

    def edit(rows):
        update_question(question(reload(survey.id), "trabajo"),
                        QuestionData(kind="single", name="trabajo", labels={"es": "¿Trabaja?"}, choices=rows))

    with pytest.raises(BuilderError, match="«si».*«correo»"):
        edit([ChoiceData(name="sí_trabaja", labels={"es": "Sí"}, id=si.id), ChoiceData(name="no", labels={"es": "No"},
                                                                                      id=no.id)])
    db.session.rollback()
    with pytest.raises(BuilderError, match="no puede quitarse"):
        edit([ChoiceData(name="no", labels={"es": "No"}, id=no.id), ChoiceData(name="quiza", labels={"es": "Quizá"})])
    db.session.rollback()
    edit([ChoiceData(name="si", labels={"es": "Sí, trabajo"}, id=si.id), ChoiceData(name="nunca", labels={"es": "No"},
                                                                                    id=no.id)])
    assert [(c.name, c.labels["es"]) for c in question(reload(survey.id), "trabajo").choices] == \
        [("si", "Sí, trabajo"), ("nunca", "No")]


def test_a_name_kept_as_its_path_can_be_kept_when_the_label_changes(client, login_as):
    survey = make_logic_survey()
    comentario = question(survey, "comentario")
    comentario.name = "grupo_mayor/comentario"  # how the import keeps a name reused in another group
    db.session.commit()
    login_as("staff")
    response = client.post(f"/encuestas/{survey.id}/preguntas/{comentario.id}",
                           data={"kind": "short_text", "name": "grupo_mayor/comentario", "label_es": "Observaciones"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    comentario = db.session.get(Question, comentario.id)
    db.session.refresh(comentario)
    assert (comentario.name, comentario.labels["es"]) == ("grupo_mayor/comentario", "Observaciones")
