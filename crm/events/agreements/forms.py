from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.events.agreements.models import AGREEMENT_TYPES, MAX_AREA, MAX_FOLIO, MAX_TITLE, STATES

REQUIRED = "Este campo es obligatorio."
DATE_MSG = "Escriba una fecha válida (AAAA-MM-DD)."
NO_LINE = ("", "Sin línea de acción (no cuenta en el programa)")


class AgreementForm(FlaskForm):
    folio = StringField("Folio", validators=[DataRequired(REQUIRED), Length(max=MAX_FOLIO)],
                        description="Por ejemplo: IECM/CONV/012/2025. No se repite (sin importar mayúsculas).")
    title = StringField("Título", validators=[DataRequired(REQUIRED), Length(max=MAX_TITLE)])
    counterparts = StringField("Organizaciones contraparte", validators=[DataRequired(REQUIRED), Length(max=2000)],
                               description="Nombres o siglas separados por punto y coma (;). Las organizaciones "
                                           "nuevas se registran sin clasificar.")
    type = SelectField("Tipo", choices=[("", "Sin especificar"), *AGREEMENT_TYPES.items()], validators=[Optional()])
    responsible_area = StringField("Área responsable", validators=[Optional(), Length(max=MAX_AREA)],
                                   description="El área del Instituto que lo solicitó.")
    opinion_on = DateField("Fecha del dictamen de procedencia", validators=[Optional()])
    opinion_line = SelectField("Línea de acción del dictamen", validators=[Optional()],
                               description="El dictamen cuenta como una actividad realizada de esta línea, en su "
                                           "fecha (por ejemplo AI1.7).")
    signed_on = DateField("Fecha de firma", validators=[Optional()])
    signing_line = SelectField("Línea de acción de la firma", validators=[Optional()],
                               description="La firma cuenta como una actividad realizada de esta línea, en su fecha "
                                           "(por ejemplo AI1.6 o AI2.3).")
    valid_until = DateField("Fin de la vigencia", validators=[Optional()],
                            description="No puede ser anterior a la firma.")
    notes = TextAreaField("Notas", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Guardar convenio")


class NewAgreementForm(AgreementForm):
    since = DateField("En negociación desde", validators=[Optional()],
                      description="El día en que empezó la negociación (vacío: hoy).")


class TransitionForm(FlaskForm):
    to_state = SelectField("Nuevo estado", validators=[DataRequired(REQUIRED)])
    on_date = DateField("Fecha del cambio", validators=[DataRequired(DATE_MSG)],
                        description="El día en que ocurrió (el dictamen o la firma toman esta fecha).")
    line = SelectField("Línea de acción del dictamen o de la firma", validators=[Optional()],
                       description="Solo para «dictaminado» y «firmado»; déjela vacía para conservar la que tenga.")
    submit = SubmitField("Registrar cambio de estado")


class DocumentForm(FlaskForm):
    document = FileField("Documento firmado (PDF)", validators=[FileRequired("Elija el archivo PDF del convenio.")],
                         description="Se revisa que el contenido sea un PDF; tamaño máximo según la configuración.")
    submit = SubmitField("Adjuntar documento")


def state_choices(states) -> list[tuple[str, str]]:
    return [(code, STATES[code]) for code in states]
