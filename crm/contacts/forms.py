from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.contacts.catalogs import ALCALDIAS, SEXES
from crm.contacts.countries import country_choices

REQUIRED = "Este campo es obligatorio."
LANGUAGES = [("es", "Español"), ("en", "Inglés"), ("fr", "Francés"), ("de", "Alemán"), ("pt", "Portugués"),
             ("it", "Italiano")]


class PersonForm(FlaskForm):
    given_name = StringField("Nombre(s)", validators=[DataRequired(REQUIRED), Length(max=150)])
    first_surname = StringField("Primer apellido", validators=[DataRequired(REQUIRED), Length(max=150)])
    second_surname = StringField("Segundo apellido", validators=[Optional(), Length(max=150)])
    sex = SelectField("Sexo", choices=[("", "Sin registrar")] + list(SEXES.items()), validators=[Optional()])
    email = EmailField("Correo electrónico", validators=[Optional(), Length(max=254)],
                       description="Se necesita al menos un correo o un teléfono.")
    phone = StringField("Teléfono", validators=[Optional(), Length(max=40)],
                        description="Con lada internacional (+1 312 555 2368) o nacional del país de residencia.")
    country = SelectField("País de residencia", default="MX")
    state = StringField("Estado o provincia", validators=[Optional(), Length(max=150)])
    city = StringField("Ciudad", validators=[Optional(), Length(max=150)])
    alcaldia = SelectField("Alcaldía (si reside en la Ciudad de México)",
                           choices=[("", "No aplica")] + [(a, a) for a in ALCALDIAS], validators=[Optional()])
    origin_alcaldia = SelectField("Alcaldía de origen (personas originarias que residen en el extranjero)",
                                  choices=[("", "No aplica")] + [(a, a) for a in ALCALDIAS], validators=[Optional()])
    language = SelectField("Idioma preferido", choices=LANGUAGES, default="es")
    submit = SubmitField("Guardar")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class NoteForm(FlaskForm):
    body = TextAreaField("Nueva nota", validators=[DataRequired("Escriba el texto de la nota."), Length(max=5000)])
    submit = SubmitField("Agregar nota")


class ArcoRequestForm(FlaskForm):
    person_id = StringField("Número de registro de la persona (opcional)", validators=[Optional(), Length(max=12)],
                            description="Aparece en la dirección de su ficha: /contactos/NÚMERO.")
    kind = SelectField("Tipo de derecho", choices=[("access", "Acceso"), ("rectification", "Rectificación"),
                                                   ("cancellation", "Cancelación"), ("opposition", "Oposición")])
    received_on = StringField("Fecha de recepción (AAAA-MM-DD)", validators=[DataRequired(REQUIRED), Length(max=10)])
    details = TextAreaField("Detalle de la solicitud", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Registrar solicitud")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirmar")


class OppositionForm(FlaskForm):
    channel = SelectField("Canal", choices=[("email", "Correo electrónico"), ("whatsapp", "WhatsApp"),
                                            ("phone", "Teléfono")])
    opted_out = SelectField("Decisión", choices=[("1", "Se opone"), ("0", "Acepta")])
    submit = SubmitField("Registrar")
