"""The form that names the people list's current filters (WTForms, CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from crm.contacts.saved_filters.models import NAME_MAX


class SavedFilterForm(FlaskForm):
    name = StringField("Nombre del filtro", validators=[DataRequired("Escriba un nombre para el filtro."),
                                                        Length(max=NAME_MAX, message=f"Use a lo más {NAME_MAX} caracteres.")])
    submit = SubmitField("Guardar este filtro")
