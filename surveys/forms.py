from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

COMPONENT_CHOICES = [("", "Sin componente"), ("AI3", "AI3 · Vinculación local, academia y Red de Observación"),
                     ("AI5", "AI5 · Observación: Presupuesto Participativo"),
                     ("AI6", "AI6 · Observación: Elección del Poder Judicial")]


class XLSFormUploadForm(FlaskForm):
    file = FileField("Archivo XLSForm (.xlsx)", validators=[
        FileRequired("Elija un archivo."), FileAllowed(["xlsx"], "Use un archivo .xlsx con las hojas survey, choices y "
                                                              "settings.")])
    component = SelectField("Componente de la matriz", choices=COMPONENT_CHOICES, validators=[Optional()])
    year = IntegerField("Año del programa", validators=[Optional(), NumberRange(2000, 2100, "Escriba un año válido.")])
    anonymous = BooleanField("Encuesta anónima (las respuestas no se vinculan con ninguna persona)")
    submit = SubmitField("Crear encuesta")
