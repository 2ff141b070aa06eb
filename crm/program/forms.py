"""The program pages' forms: the chronogram (12 monthly counts per action line) and a conditional
component's switch for the year."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from crm.program.models import ProgramYear

MONTH_NAMES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
               "noviembre", "diciembre"]
MAX_MONTHLY = 100_000


def field_name(code: str, month: int) -> str:
    """The form field of an action line's month (0 = January): AI1.6 -> AI1_6_m01."""
    return f"{code.replace('.', '_')}_m{month + 1:02d}"


class ScheduleForm(FlaskForm):
    submit = SubmitField("Guardar cronograma")


def schedule_form(program: ProgramYear, formdata=None) -> ScheduleForm:
    """A ScheduleForm with one whole-number field per action line and month, filled with the stored counts."""

    class _Form(ScheduleForm):
        pass

    for component in program.components:
        for line in component.action_lines:
            months = line.monthly()
            for month in range(12):
                setattr(_Form, field_name(line.code, month), IntegerField(
                    f"{line.code}, {MONTH_NAMES[month]}", default=months[month],
                    validators=[InputRequired(f"{line.code}, {MONTH_NAMES[month]}: escriba una cantidad (0 o más)."),
                                NumberRange(0, MAX_MONTHLY, f"{line.code}, {MONTH_NAMES[month]}: escriba un número "
                                            f"entero de 0 a {MAX_MONTHLY}.")]))
    return _Form(formdata=formdata)


def schedules_from(form: ScheduleForm, program: ProgramYear) -> dict[str, list[int]]:
    return {line.code: [form[field_name(line.code, month)].data for month in range(12)]
            for component in program.components for line in component.action_lines}


class AppliesForm(FlaskForm):
    applies = SelectField("¿Aplica este año?", choices=[("si", "Sí, aplica"), ("no", "No aplica")])
    submit = SubmitField("Guardar")
