"""The compose form (WTForms, CSRF) and the bounce upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.contacts.catalogs import NETWORKS
from crm.contacts.models import Tag
from crm.contacts.saved_filters import services as saved_filters
from crm.core.extensions import db

REQUIRED = "Este campo es obligatorio."


def segment_choices() -> list[tuple[str, str]]:
    choices = [(f"red:{code}", name) for code, name in NETWORKS.items()]
    choices += [(f"tag:{name}", f"Etiqueta «{name}»") for name in db.session.scalars(select(Tag.name).order_by(Tag.name))]
    choices += [(f"filtro:{saved.name}", f"Filtro guardado «{saved.name}»") for saved in saved_filters.all_filters()]
    return [*choices, ("todos", "Todas las personas del directorio")]


class ComposeForm(FlaskForm):
    segment = SelectField("Destinatarios", validators=[DataRequired(REQUIRED)])
    subject = StringField("Asunto", validators=[DataRequired(REQUIRED), Length(max=250)])
    body = TextAreaField("Mensaje", validators=[DataRequired(REQUIRED), Length(max=50000)],
                         description="Texto (se admite Markdown). {nombre} se sustituye por el nombre de pila.")
    subject_en = StringField("Asunto en inglés (opcional)", validators=[Optional(), Length(max=250)])
    body_en = TextAreaField("Mensaje en inglés (opcional)", validators=[Optional(), Length(max=50000)],
                            description="Para las personas cuyo idioma es el inglés.")
    action = SelectField("Línea de acción (opcional)", validators=[Optional()],
                         description="El envío cuenta como una actividad de difusión realizada en esa línea.")
    preview_person = SelectField("Vista previa como", validators=[Optional()], coerce=str)
    preview = SubmitField("Ver destinatarios y vista previa")
    send = SubmitField("Enviar")


class BounceUploadForm(FlaskForm):
    file = FileField("Avisos de no entrega (.eml o mbox)", validators=[FileRequired("Elija un archivo.")])
