"""Forms of the survey builder (CSRF on every POST; plain HTML, no JavaScript)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from surveys.builder.base import KINDS, SCALES
from surveys.builder.conditions import JOINERS, OPERATORS
from surveys.builder.templates import TEMPLATES
from surveys.forms import COMPONENT_CHOICES
from surveys.models import DEFAULT_PER_ADDRESS_HOUR, MAX_PER_ADDRESS_HOUR, MAX_PER_BROWSER

LANGUAGE_CHOICES = [("es", "Español"), ("es,en", "Español e inglés")]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SurveyForm(FlaskForm):
    title_es = StringField("Título en español", validators=[DataRequired("Escriba el título."), Length(max=300)])
    title_en = StringField("Título en inglés", validators=[Optional(), Length(max=300)],
                           description="Solo si la encuesta también se ofrece en inglés.")
    languages = SelectField("Idiomas", choices=LANGUAGE_CHOICES, default="es")
    anonymous = BooleanField("Encuesta anónima (las respuestas no se vinculan con ninguna persona)")
    component = SelectField("Componente de la matriz", choices=COMPONENT_CHOICES, validators=[Optional()])
    year = IntegerField("Año del programa", validators=[Optional(), NumberRange(2000, 2100, "Escriba un año válido.")])
    activity = SelectField("Actividad relacionada", coerce=_optional_int, validators=[Optional()], validate_choice=False)
    program = SelectField("Programa de observación relacionado", coerce=_optional_int, validators=[Optional()],
                          validate_choice=False)
    opens_at = DateTimeLocalField("Abre el", format=DATETIME_FORMATS, validators=[Optional()],
                                  description="Hora de la Ciudad de México. Vacío: al abrirla.")
    closes_at = DateTimeLocalField("Cierra el", format=DATETIME_FORMATS, validators=[Optional()],
                                   description="Hora de la Ciudad de México. Vacío: hasta que la cierre.")
    open_link_limited = BooleanField(
        "Limitar las respuestas por el enlace abierto", default=True,
        description="Recomendado: evita que un programa envíe cientos de respuestas y altere los indicadores. "
                    "No aplica a los enlaces personales, que sirven para una sola respuesta.")
    open_link_per_browser = IntegerField(
        "Respuestas por navegador", default=1,
        validators=[Optional(), NumberRange(1, MAX_PER_BROWSER, "Escriba un número entre 1 y %(max)s.")],
        description="Si la encuesta se responde en un equipo compartido (por ejemplo, una tableta en un módulo "
                    "de atención), aumente este número o desactive el límite.")
    open_link_per_address_hour = IntegerField(
        "Respuestas por conexión cada hora", default=DEFAULT_PER_ADDRESS_HOUR,
        validators=[Optional(), NumberRange(1, MAX_PER_ADDRESS_HOUR, "Escriba un número entre 1 y %(max)s.")],
        description="Muchas personas comparten una misma conexión (una oficina, una compañía de telefonía "
                    "móvil): use un número amplio, sobre todo en jornadas electorales.")
    submit = SubmitField("Guardar")


class TemplateForm(FlaskForm):
    template = SelectField("Plantilla", choices=[(t.key, t.title["es"]) for t in TEMPLATES.values()])
    title = StringField("Título (opcional)", validators=[Optional(), Length(max=300)],
                        description="Vacío: el título de la plantilla.")
    # own ids: this form shares the «Nueva encuesta» page with SurveyForm, whose fields have the same names
    component = SelectField("Componente de la matriz", choices=COMPONENT_CHOICES, validators=[Optional()],
                            id="plantilla-component")
    year = IntegerField("Año del programa", validators=[Optional(), NumberRange(2000, 2100, "Escriba un año válido.")],
                        id="plantilla-year")
    anonymous = BooleanField("Encuesta anónima", id="plantilla-anonymous")
    submit = SubmitField("Crear desde plantilla")


class ChoiceRow(Form):
    """One option of a choice question (a sub-form: the CSRF token is the parent form's)."""

    choice_id = HiddenField()
    code = StringField("Código", validators=[Optional(), Length(max=81)])
    label_es = StringField("Etiqueta en español", validators=[Optional(), Length(max=300)])
    label_en = StringField("Etiqueta en inglés", validators=[Optional(), Length(max=300)])
    positive = BooleanField("Positiva")
    remove = BooleanField("Quitar")


class QuestionForm(FlaskForm):
    kind = SelectField("Tipo", choices=[(k.key, k.label) for k in KINDS.values()])
    scale = SelectField("Escala", choices=[(key, label) for key, (label, _) in SCALES.items()], default="calificacion")
    label_es = TextAreaField("Texto en español", validators=[Optional(), Length(max=1000)])
    label_en = TextAreaField("Texto en inglés", validators=[Optional(), Length(max=1000)])
    hint_es = TextAreaField("Ayuda en español", validators=[Optional(), Length(max=1000)],
                            description="Opcional: una aclaración que aparece bajo la pregunta.")
    hint_en = TextAreaField("Ayuda en inglés", validators=[Optional(), Length(max=1000)])
    name = StringField("Código de la pregunta", validators=[Optional(), Length(max=255)],
                       description="Nombre de la columna en las exportaciones. Vacío: se genera del texto.")
    required = BooleanField("Respuesta obligatoria")
    indicator = BooleanField("Pregunta del indicador de satisfacción",
                             description="Solo preguntas de opción única; sus opciones positivas cuentan para el "
                                         "indicador.")
    choices = FieldList(FormField(ChoiceRow), min_entries=0, max_entries=60)
    more = SubmitField("Añadir filas de opciones")
    submit = SubmitField("Guardar pregunta")



# --------------------------------------------------------------------------- sections, conditions, restrictions

class SectionForm(FlaskForm):
    title_es = StringField("Título de la sección en español",
                           validators=[DataRequired("Escriba el título de la sección."), Length(max=1000)])
    title_en = StringField("Título en inglés", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Guardar")


class ConditionRow(Form):
    """One row of «mostrar esta pregunta solo si…» (a sub-form: the CSRF token is the parent form's)."""

    question = SelectField("Pregunta", validate_choice=False)
    operator = SelectField("Comparación", choices=[("", "Elija")] + list(OPERATORS.items()), validate_choice=False)
    choice = SelectField("Opción", validate_choice=False)
    value = StringField("Valor", validators=[Optional(), Length(max=300)],
                        description="Número, texto o fecha (AAAA-MM-DD).")


class ConditionForm(FlaskForm):
    joiner = SelectField("Combinar las condiciones con", choices=list(JOINERS.items()), default="and")
    rows = FieldList(FormField(ConditionRow), min_entries=0, max_entries=20)
    more = SubmitField("Añadir otra condición")
    remove = SubmitField("Quitar la condición")
    submit = SubmitField("Guardar condición")


class RestrictionForm(FlaskForm):
    minimum = StringField("Valor mínimo", validators=[Optional(), Length(max=40)])
    maximum = StringField("Valor máximo", validators=[Optional(), Length(max=40)])
    min_length = StringField("Longitud mínima (caracteres)", validators=[Optional(), Length(max=10)])
    max_length = StringField("Longitud máxima (caracteres)", validators=[Optional(), Length(max=10)])
    pattern = StringField("Patrón (expresión regular)", validators=[Optional(), Length(max=300)],
                          description="Opcional. Por ejemplo ^[0-9]{5}$ para un código postal de cinco dígitos.")
    message_es = StringField("Mensaje si no se cumple, en español", validators=[Optional(), Length(max=1000)])
    message_en = StringField("Mensaje en inglés", validators=[Optional(), Length(max=1000)])
    remove = SubmitField("Quitar la restricción")
    submit = SubmitField("Guardar restricción")


class AdvancedForm(FlaskForm):
    relevant = TextAreaField("Condición (columna relevant)", validators=[Optional(), Length(max=2000)],
                             description="Por ejemplo: ${edad} >= 18 and selected(${temas}, 'voto'). Vacío: sin "
                                         "condición.")
    constraint = TextAreaField("Restricción (columna constraint)", validators=[Optional(), Length(max=2000)],
                               description="Use «.» para la respuesta de esta pregunta, por ejemplo: . >= 18. "
                                           "Vacío: sin restricción.")
    message_es = StringField("Mensaje de la restricción en español", validators=[Optional(), Length(max=1000)])
    message_en = StringField("Mensaje de la restricción en inglés", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Guardar expresiones")
