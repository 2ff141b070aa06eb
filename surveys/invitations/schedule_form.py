"""The form of a survey's daily reminder (CSRF; plain HTML, no JavaScript)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from surveys.invitations.schedule import MAX_EVERY_DAYS


class _WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" message is the field's own Spanish text."""

    def __init__(self, *args, invalid: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid) from None


HOUR_MESSAGE = "La hora debe ser un número entero de 0 a 23 (por ejemplo, 9 para las 9:00)."
DAYS_MESSAGE = f"Los días entre recordatorios deben ser un número entero de 1 a {MAX_EVERY_DAYS}."


class ReminderScheduleForm(FlaskForm):
    enabled = BooleanField("Enviar recordatorios automáticamente cada día",
                           description="Solo a personas invitadas que no han respondido y que pueden recibir "
                                       "correos; nunca después del cierre de la encuesta.")
    hour = _WholeNumberField("Hora del envío (hora de la Ciudad de México, de 0 a 23)", invalid=HOUR_MESSAGE,
                             validators=[InputRequired(HOUR_MESSAGE), NumberRange(0, 23, HOUR_MESSAGE)],
                             render_kw={"inputmode": "numeric", "min": 0, "max": 23})
    every_days = _WholeNumberField(
        "Días mínimos entre dos correos a la misma persona", invalid=DAYS_MESSAGE,
        validators=[InputRequired(DAYS_MESSAGE), NumberRange(1, MAX_EVERY_DAYS, DAYS_MESSAGE)],
        description="Cuenta desde la invitación o el último recordatorio que recibió cada persona.",
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_EVERY_DAYS})
    save = SubmitField("Guardar recordatorio diario")
