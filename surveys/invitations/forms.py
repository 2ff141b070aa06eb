"""The form of an invitation run (CSRF on every POST; plain HTML, no JavaScript)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class InviteForm(FlaskForm):
    """The POST of an invitation run; the selection travels in hidden fields read by Selection.from_args."""

    note = TextAreaField("Mensaje adicional (opcional)", validators=[Optional(), Length(max=2000)],
                         description="Texto simple que se añade al correo.")
    send = SubmitField("Enviar invitaciones por correo")
    links = SubmitField("Descargar enlaces personales (CSV)")
