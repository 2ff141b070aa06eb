"""The organization pages' forms (WTForms, CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from crm.contacts.catalogs import ORG_SCOPES, ORG_TYPES
from crm.contacts.countries import country_choices

REQUIRED = "Este campo es obligatorio."
DATE_MESSAGE = "Escriba la fecha como AAAA-MM-DD."
CLASSIFIED = [(code, label) for code, label in ORG_TYPES.items() if code != "sin_clasificar"]


class OrganizationForm(FlaskForm):
    name = StringField("Nombre", validators=[DataRequired(REQUIRED), Length(max=300)])
    acronym = StringField("Siglas", validators=[Optional(), Length(max=40)])
    type = SelectField("Tipo", choices=list(ORG_TYPES.items()), default="sin_clasificar")
    scope = SelectField("Ámbito", choices=[("", "Sin definir"), *ORG_SCOPES.items()], validators=[Optional()])
    country = SelectField("País", default="MX")
    website = StringField("Sitio web", validators=[Optional(), Length(max=300)],
                          description="Dirección completa, que empiece con https:// o http://.")
    email = EmailField("Correo electrónico institucional", validators=[Optional(), Length(max=254)])
    phone = StringField("Teléfono", validators=[Optional(), Length(max=40)],
                        description="Con clave internacional (+52 55 5483 3800) o nacional del país elegido.")
    began_on = DateField("Alta (inicio de la relación)", validators=[Optional()],
                         description="Si la deja vacía al registrar, se usa la fecha de hoy.")
    ended_on = DateField("Baja (fin de la relación)", validators=[Optional()],
                         description="Déjela vacía mientras la relación siga vigente. Una alta posterior a la baja "
                                     "registrada abre un nuevo periodo y conserva el anterior.")
    submit = SubmitField("Guardar")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class ClassifyForm(FlaskForm):
    type = SelectField("Tipo", choices=[("", "Elija un tipo"), *CLASSIFIED], validators=[DataRequired("Elija el tipo.")])
    scope = SelectField("Ámbito", choices=[("", "Sin definir"), *ORG_SCOPES.items()], validators=[Optional()])
    submit = SubmitField("Clasificar")


class MergeForm(FlaskForm):
    other_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Fusionar")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirmar")
