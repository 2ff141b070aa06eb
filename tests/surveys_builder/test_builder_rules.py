"""Builder services: the rules that keep stored answers intact, validation, order, duplicates."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.builder.base import BuilderError, ChoiceData, QuestionData, SurveySettings, has_responses
from surveys.builder.questions import add_question, delete_question, move_question, update_question
from surveys.builder.settings import create_blank, duplicate, settings_of, update_settings
from surveys.models import Invitation, Question, Survey
from tests.factories import make_person, make_survey
from tests.surveys_builder.helpers import answer


def blank(**kwargs):
    settings = SurveySettings(title_es=kwargs.pop("title_es", "Encuesta de prueba"), **kwargs)
    return create_blank(settings)


def single(label="¿Le gustó?", choices=(("si", "Sí", True), ("no", "No", False)), **kwargs):
    return QuestionData(kind=kwargs.pop("kind", "single"), labels={"es": label},
                        choices=[ChoiceData(name=n, labels={"es": lab}, positive=p) for n, lab, p in choices],
                        **kwargs)


def test_blank_survey_stores_local_times_as_utc_and_links(app):
    survey = blank(title_en="Test survey", languages="es,en", anonymous=True, component_code="ai5", year=2025,
                   opens_at=datetime(2025, 6, 1, 9, 0), closes_at=datetime(2025, 6, 2, 18, 30))
    assert survey.state == "draft" and survey.code == "encuesta-de-prueba"
    assert survey.titles == {"es": "Encuesta de prueba", "en": "Test survey"}
    assert survey.languages == ["es", "en"] and survey.anonymous and survey.component_code == "AI5"
    assert survey.opens_at == datetime(2025, 6, 1, 15, 0)  # Mexico City is UTC-6 all year
    assert survey.closes_at == datetime(2025, 6, 3, 0, 30)
    assert len(survey.open_token) >= 43
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "surveys.create"))


def test_blank_survey_rejects_bad_settings(app):
    with pytest.raises(BuilderError, match="posterior"):
        blank(opens_at=datetime(2025, 6, 2), closes_at=datetime(2025, 6, 1))
    with pytest.raises(BuilderError, match="título"):
        blank(title_es="   ")
    with pytest.raises(BuilderError, match="actividad"):
        blank(activity_id=424242)


def test_question_kinds_and_presets(app):
    survey = blank(languages="es,en")
    scale = add_question(survey, QuestionData(kind="scale", labels={"es": "¿Cómo califica el taller?",
                                                                           "en": "How do you rate it?"},
                                                      indicator=True, required=True))
    assert scale.type == "select_one" and scale.indicator and scale.required
    assert [c.name for c in scale.choices] == ["excelente", "buena", "regular", "mala", "muy_mala"]
    assert [c.positive for c in scale.choices] == [True, True, False, False, False]
    assert scale.name == "como_califica_el_taller"
    yesno = add_question(survey, QuestionData(kind="yesno", labels={"es": "¿Volvería?"}))
    assert [(c.name, c.positive) for c in yesno.choices] == [("si", True), ("no", False)]
    long_text = add_question(survey, QuestionData(kind="long_text", labels={"es": "Comentarios"}))
    assert long_text.type == "text" and long_text.appearance == "multiline"
    note = add_question(survey, QuestionData(kind="note", labels={"es": "Gracias"}, required=True))
    assert note.type == "note" and not note.required
    section = add_question(survey, QuestionData(kind="section", labels={"es": "Datos"}))
    types = [q.type for q in sorted(survey.questions, key=lambda q: q.position)]
    assert types == ["select_one", "select_one", "text", "note", "begin_group", "end_group"]
    assert section.type == "begin_group"
    for kind in ("integer", "decimal", "date", "short_text"):
        add_question(survey, QuestionData(kind=kind, labels={"es": f"Pregunta {kind}"}))
    assert len({q.name for q in survey.questions if q.name}) == 9


def test_indicator_only_on_single_choice(app):
    survey = blank()
    with pytest.raises(BuilderError, match="opción única"):
        add_question(survey, single(kind="multiple", indicator=True))
    with pytest.raises(BuilderError, match="opción única"):
        add_question(survey, QuestionData(kind="short_text", labels={"es": "Texto"}, indicator=True))
    with pytest.raises(BuilderError, match="positiva"):
        add_question(survey, single(choices=(("a", "A", False), ("b", "B", False)), indicator=True))
    question = add_question(survey, single(indicator=True))
    with pytest.raises(BuilderError, match="opción única"):
        update_question(question, single(kind="multiple", indicator=True))
    assert db.session.scalar(select(func.count(Question.id)).where(Question.indicator.is_(True))) == 1


@pytest.mark.parametrize("code", ["1uno", "con espacio", "meta", "a/b", "x" * 81, "ñ?"])
def test_choice_codes_must_be_xml_names(app, code):
    survey = blank()
    with pytest.raises(BuilderError, match="código"):
        add_question(survey, single(choices=((code, "Uno", True), ("dos", "Dos", False))))


def test_choice_codes_are_unique_and_generated_from_labels(app):
    survey = blank()
    with pytest.raises(BuilderError, match="se repite"):
        add_question(survey, single(choices=(("a", "A", True), ("a", "B", False))))
    question = add_question(survey, single(choices=(("", "Muy útil", True), ("", "3 veces", False),
                                                            ("muy_util", "Otra", False))))
    assert [c.name for c in question.choices] == ["muy_util_2", "opcion_3_veces", "muy_util"]
    with pytest.raises(BuilderError, match="código de la pregunta"):
        add_question(survey, single(name="2x"))
    with pytest.raises(BuilderError, match="Ya hay otra"):
        add_question(survey, single(name=question.name))


def test_answered_question_keeps_its_type_code_and_answered_choices(app):
    survey = blank()
    question = add_question(survey, single(label="¿Le gustó?", name="gusto"))
    answer(survey, "gusto", choice="si")
    # labels, hints and positive flags can be corrected
    edited = single(label="¿Le gustó la sesión?", name="gusto", choices=(("si", "Sí, mucho", False),
                                                                          ("no", "No", True)))
    edited.choices[0].id, edited.choices[1].id = question.choices[0].id, question.choices[1].id
    edited.hints = {"es": "Elija una"}
    update_question(question, edited)
    assert question.labels["es"] == "¿Le gustó la sesión?" and question.hints == {"es": "Elija una"}
    assert [(c.label("es"), c.positive) for c in question.choices] == [("Sí, mucho", False), ("No", True)]
    # the unanswered option can go, a new one can come
    edited.choices = [edited.choices[0], ChoiceData(name="tal_vez", labels={"es": "Tal vez"})]
    update_question(question, edited)
    assert [c.name for c in question.choices] == ["si", "tal_vez"]
    # but not the answered one, nor its code, nor the type, nor the question's code
    with pytest.raises(BuilderError, match="no se puede eliminar"):
        update_question(question, single(name="gusto", choices=(("otra", "Otra", True), ("mas", "Más", False))))
    renamed = single(name="gusto", choices=(("yes", "Sí", True), ("no", "No", False)))
    renamed.choices[0].id = question.choices[0].id
    with pytest.raises(BuilderError, match="código no puede cambiar"):
        update_question(question, renamed)
    with pytest.raises(BuilderError, match="tipo"):
        update_question(question, single(kind="multiple", name="gusto"))
    with pytest.raises(BuilderError, match="código no puede cambiar"):
        update_question(question, single(name="otro_codigo"))
    with pytest.raises(BuilderError, match="no se puede eliminar"):
        delete_question(question)
    db.session.rollback()
    assert db.session.get(Question, question.id) is not None


def test_text_question_answered_can_switch_between_short_and_long(app):
    survey = blank()
    question = add_question(survey, QuestionData(kind="short_text", labels={"es": "Opinión"}, name="opinion"))
    answer(survey, "opinion", value="bien")
    update_question(question, QuestionData(kind="long_text", labels={"es": "Opinión"}, name="opinion"))
    assert question.appearance == "multiline" and question.type == "text"
    with pytest.raises(BuilderError, match="tipo"):
        update_question(question, QuestionData(kind="integer", labels={"es": "Opinión"}, name="opinion"))


def test_adding_questions_to_an_answered_survey_is_allowed(app):
    survey = blank()
    add_question(survey, single(name="gusto"))
    answer(survey, "gusto", choice="no")
    added = add_question(survey, QuestionData(kind="short_text", labels={"es": "¿Algo más?"}, required=True))
    assert added.position == 1


def test_unanswered_question_can_change_type_and_be_deleted(app):
    survey = blank()
    question = add_question(survey, QuestionData(kind="short_text", labels={"es": "Edad"}, name="edad"))
    update_question(question, QuestionData(kind="integer", labels={"es": "Edad"}, name="edad_anios"))
    assert question.type == "integer" and question.name == "edad_anios"
    update_question(question, single(label="Edad", name="edad_anios"))
    assert question.type == "select_one" and len(question.choices) == 2
    delete_question(question)
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_reorder_swaps_neighbours_and_keeps_sections_well_formed(app):
    survey = blank()
    a = add_question(survey, single(label="A", name="a"))
    b = add_question(survey, single(label="B", name="b"))
    section = add_question(survey, QuestionData(kind="section", labels={"es": "Sección"}, name="sec"))

    def order():
        return [q.name or "/" for q in sorted(survey.questions, key=lambda q: q.position)]

    assert order() == ["a", "b", "sec", "/"]
    move_question(b, "up")
    assert order() == ["b", "a", "sec", "/"]
    move_question(a, "down")  # into the section
    assert order() == ["b", "sec", "a", "/"]
    move_question(b, "up")  # already first: nothing happens
    assert order() == ["b", "sec", "a", "/"]
    move_question(section, "down")  # "a" leaves the section
    assert order() == ["b", "a", "sec", "/"]
    with pytest.raises(BuilderError, match="sin abrir o sin cerrar"):
        move_question(section, "down")  # the section would close before it opens
    db.session.rollback()
    assert order() == ["b", "a", "sec", "/"]


def test_a_section_cannot_close_before_it_opens(app):
    survey = blank()
    section = add_question(survey, QuestionData(kind="section", labels={"es": "Sección"}, name="sec"))
    with pytest.raises(BuilderError, match="sin abrir o sin cerrar"):
        move_question(section, "down")
    db.session.rollback()
    add_question(survey, single(label="A", name="a"))
    end = next(q for q in survey.questions if q.type == "end_group")
    move_question(end, "down")  # the question enters the section
    assert [q.name or "/" for q in sorted(survey.questions, key=lambda q: q.position)] == ["sec", "a", "/"]
    delete_question(section)  # deleting a section keeps its questions
    assert [q.name for q in survey.questions] == ["a"]


def test_duplicate_copies_questions_not_responses(app):
    survey = make_survey(state="open", component_code="AI3", year=2025, titles={"es": "Original", "en": "Original"})
    answer(survey, "calidad", choice="buena")
    person = make_person()
    db.session.add(Invitation(survey_id=survey.id, person_id=person.id, token="t" * 43))
    db.session.commit()
    copy = duplicate(survey)
    assert copy.id != survey.id and copy.state == "draft" and copy.code != survey.code
    assert copy.code.startswith(survey.code) and copy.open_token != survey.open_token
    assert copy.component_code == "AI3" and copy.year == 2025 and copy.titles["es"] == "Original (copia)"
    assert [(q.name, q.type, q.indicator) for q in copy.questions] == \
        [(q.name, q.type, q.indicator) for q in survey.questions]
    assert [(c.name, c.positive) for c in copy.questions[0].choices] == \
        [(c.name, c.positive) for c in survey.questions[0].choices]
    assert has_responses(copy) == 0
    assert db.session.scalar(select(func.count(Invitation.id)).where(Invitation.survey_id == copy.id)) == 0
    again = duplicate(survey)
    assert again.code != copy.code
    assert db.session.scalar(select(func.count(Survey.id))) == 3


def test_anonymity_cannot_change_once_there_are_responses(app):
    survey = blank()
    add_question(survey, single(name="gusto"))
    answer(survey, "gusto", choice="si")
    settings = settings_of(survey)
    settings.anonymous = True
    with pytest.raises(BuilderError, match="anónima"):
        update_settings(survey, settings)
    db.session.rollback()
    settings = settings_of(survey)
    settings.title_es = "Nuevo título"
    update_settings(survey, settings)
    assert survey.title == "Nuevo título"


def test_editing_keeps_texts_in_languages_the_builder_does_not_edit(app):
    survey = make_survey(languages=["es", "fr"], questions=[
        {"name": "q", "type": "select_one", "labels": {"es": "¿Bien?", "fr": "Bien ?"}, "hints": {"fr": "Aide"},
         "choices": [("oui", {"es": "Sí", "fr": "Oui"}, True), ("non", {"es": "No", "fr": "Non"}, False)]}])
    question = survey.questions[0]
    data = single(label="¿Todo bien?", name="q", choices=(("oui", "Sí", True), ("non", "No", False)))
    for row, choice in zip(data.choices, question.choices, strict=True):
        row.id = choice.id
    update_question(question, data)
    assert question.labels == {"es": "¿Todo bien?", "fr": "Bien ?"} and question.hints == {"fr": "Aide"}
    assert [c.labels for c in question.choices] == [{"es": "Sí", "fr": "Oui"}, {"es": "No", "fr": "Non"}]
