from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm.core.display import register_labels
from crm.events.models import ACTIVITY_TYPES, MODALITIES

REQUIRED = "Este campo es obligatorio."
DATE_MSG = "Escriba una fecha válida (AAAA-MM-DD)."


class ActivityForm(FlaskForm):
    date = DateField("Fecha", validators=[DataRequired(DATE_MSG)])
    action_code = SelectField("Línea de acción", validators=[DataRequired(REQUIRED)])
    title = StringField("Título", validators=[DataRequired(REQUIRED), Length(max=300)])
    type = SelectField("Tipo", choices=[("", "Sin especificar")] + list(ACTIVITY_TYPES.items()), validators=[Optional()])
    modality = SelectField("Modalidad", choices=[("", "Sin especificar")] + list(MODALITIES.items()),
                           validators=[Optional()])
    place = StringField("Lugar", validators=[Optional(), Length(max=300)])
    organizations = StringField("Organizaciones participantes", validators=[Optional(), Length(max=2000)],
                                description="Nombres o siglas separados por punto y coma (;). Se registran si son nuevas.")
    description = TextAreaField("Descripción", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Registrar actividad")


class AttendanceForm(FlaskForm):
    emails = TextAreaField("Correos de las personas asistentes", validators=[DataRequired(REQUIRED), Length(max=20000)],
                           description="Un correo por línea o separados por comas; deben estar registrados.")
    submit = SubmitField("Registrar asistencia")


class PickPeopleForm(FlaskForm):
    """The people chosen in the person picker's results (their record numbers)."""

    persona = SelectMultipleField("Personas encontradas", coerce=int, validate_choice=False,
                                  validators=[DataRequired("Marque al menos una persona.")])
    submit = SubmitField("Agregar a las personas marcadas")


class BulkAttendanceForm(FlaskForm):
    """A whole network (its active members) or a survey's invitation list, added at once."""

    origen = SelectField("Red o lista de invitación", validators=[DataRequired("Elija una red o una lista de invitación.")])
    submit = SubmitField("Agregar a toda la lista")


class RequestForm(FlaskForm):
    received_on = DateField("Fecha de recepción", validators=[DataRequired(DATE_MSG)])
    requester = StringField("Organismo solicitante", validators=[DataRequired(REQUIRED), Length(max=300)],
                            description="Por ejemplo: INE, un organismo público local electoral o un área interna.")
    subject = StringField("Asunto", validators=[DataRequired(REQUIRED), Length(max=500)])
    action_code = SelectField("Línea de acción (AI1)", validators=[Optional()])
    attended_on = DateField("Fecha de atención", validators=[Optional()],
                            description="Déjela vacía mientras la gestión esté pendiente.")
    notes = TextAreaField("Notas", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Registrar gestión")


class EvidenceLinkForm(FlaskForm):
    link_title = StringField("Descripción del medio de verificación", validators=[DataRequired(REQUIRED), Length(max=300)],
                        description="Por ejemplo: «Informe de la actividad» o «Nota publicada en el sitio del IECM».")
    url = StringField("Dirección del enlace", validators=[DataRequired(REQUIRED), Length(max=2000)],
                      description="Debe empezar con https:// o http://.")
    submit = SubmitField("Agregar enlace")


class EvidenceFileForm(FlaskForm):
    file_title = StringField("Descripción del archivo", validators=[DataRequired(REQUIRED), Length(max=300)],
                        description="Por ejemplo: «Lista de asistencia firmada» o «Fotografía del evento».")
    file = FileField("Archivo", validators=[FileRequired("Elija un archivo PDF, JPEG o PNG.")])
    submit = SubmitField("Adjuntar archivo")


class AttendForm(FlaskForm):
    attended_on = DateField("Fecha de atención", validators=[DataRequired(DATE_MSG)])
    submit = SubmitField("Marcar como atendida")


class ParticipantForm(FlaskForm):
    accreditation_status = SelectField("Acreditación", choices=[
        ("requested", "Solicitada"), ("in_review", "En revisión"), ("accredited", "Acreditada"),
        ("rejected", "No procedente"), ("cancelled", "Cancelada")])
    folio = StringField("Folio", validators=[Optional(), Length(max=60)])
    training_completed = BooleanField("Capacitación concluida")
    submit = SubmitField("Guardar")


class NewParticipantForm(FlaskForm):
    email = StringField("Correo de la persona registrada", validators=[DataRequired(REQUIRED), Length(max=254)])
    role = SelectField("Participa como", choices=[("observer", "Persona observadora"),
                                                  ("visitor", "Persona visitante extranjera")])
    submit = SubmitField("Agregar participante")


register_labels("acreditacion", dict(ParticipantForm.accreditation_status.kwargs["choices"]))
register_labels("tipo_actividad", ACTIVITY_TYPES)
register_labels("modalidad", MODALITIES)
