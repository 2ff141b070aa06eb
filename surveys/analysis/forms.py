"""The cross-tabulation's choice of question, group and (for the age bands) the question holding the age, read
from the query string (no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from surveys.analysis.ages import AgeSources, age_sources
from surveys.analysis.dimensions import (
    AGE,
    AGE_TITLE,
    BY_QUESTION,
    DIMENSION_BY_KEY,
    DIMENSIONS,
    Dimension,
    age_dimension,
    question_dimension,
)
from surveys.models import Question, Survey
from surveys.responses.repeats import repeat_layout

CROSSED = ("select_one", "select_multiple")
PERSON_GROUP = "Datos de la persona"
ANSWER_GROUP = "Respuestas de la encuesta"
NO_AGE = ("La encuesta no pregunta la edad de quien responde, y los registros de personas no guardan la fecha de "
          "nacimiento: no es posible agrupar por edad.")
PICK_AGE = ("Ninguna pregunta se reconoce como la edad: si una pregunta numérica la guarda, elíjala en «Pregunta "
            "de la edad».")


class CrossTabForm(FlaskForm):
    class Meta:
        csrf = False

    pregunta = SelectField("Pregunta", choices=[], coerce=str)
    grupo = SelectField("Agrupar por", choices=[], coerce=str)
    edad = SelectField("Pregunta de la edad", choices=[], coerce=str)

    def fill_choices(self, survey: Survey, lang: str) -> None:
        default = survey.default_language
        ordered = sorted(survey.questions, key=lambda q: (q.position, q.id))
        in_repeats = {id(q) for inner in repeat_layout(ordered).values() for q in inner}
        self.ages: AgeSources = age_sources(survey)
        self.groupers: dict[str, Question] = {
            f"{BY_QUESTION}{q.id}": q for q in ordered if q.type == "select_one" and id(q) not in in_repeats}
        self.crossed: dict[str, Question] = {str(q.id): q for q in ordered if q.type in CROSSED}
        self.pregunta.choices = [(key, q.label(lang, default) or q.name or "") for key, q in self.crossed.items()]
        age = SelectChoice(AGE, AGE_TITLE if self.ages.candidates else f"{AGE_TITLE} (no disponible)",
                           {} if self.ages.candidates else {"disabled": True}, ANSWER_GROUP)
        self.grupo.choices = ([SelectChoice(d.key, d.title, optgroup=PERSON_GROUP) for d in DIMENSIONS] + [age]
                              + [SelectChoice(key, f"Por la pregunta: {q.label(lang, default) or q.name}",
                                              optgroup=ANSWER_GROUP) for key, q in self.groupers.items()])
        self.edad.choices = ([] if self.ages.default else [("", "(ninguna elegida)")]) + [
            (str(q.id), q.label(lang, default) or q.name or "") for q in self.ages.candidates]
        if self.edad.data in (None, ""):
            self.edad.data = str(self.ages.default.id) if self.ages.default else ""

    @property
    def age_note(self) -> str:
        """Why «Grupo de edad» cannot be used (or needs a choice), empty when it can."""
        if not self.ages.candidates:
            return NO_AGE
        return "" if self.ages.default else PICK_AGE

    def chosen(self, lang: str, default: str) -> tuple[Question, Dimension] | None:
        """The crossed question and the dimension, once the form validated; errors go on `grupo`."""
        question = self.crossed.get(self.pregunta.data or "")
        if question is None:
            return None
        key = self.grupo.data
        if key == AGE:
            source = self.ages.find(self.edad.data)
            if source is None:
                self.grupo.errors.append(self.age_note or PICK_AGE)
                return None
            grouper, dimension = source, age_dimension(source)
        elif key in self.groupers:
            grouper = self.groupers[key]
            dimension = question_dimension(grouper, lang, default)
        else:
            return question, DIMENSION_BY_KEY[key]
        if grouper.id == question.id:
            self.grupo.errors.append("Elija una pregunta distinta de la que se cruza para agrupar las respuestas.")
            return None
        return question, dimension
