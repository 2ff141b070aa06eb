"""The account page's forms for API tokens (crm.auth.tokens): create one, revoke one of one's own."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from crm.auth.tokens import DEFAULT_DAYS, MAX_DAYS


class TokenCreateForm(FlaskForm):
    days = IntegerField("Vigencia (días)", default=DEFAULT_DAYS,
                        validators=[InputRequired("Indique cuántos días será válida la clave."),
                                    NumberRange(1, MAX_DAYS, f"La vigencia debe ser de 1 a {MAX_DAYS} días.")],
                        description="La clave deja de funcionar al cumplirse este plazo; puede revocarla antes.",
                        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_DAYS})
    # A token outlives the session (up to MAX_DAYS, with no idle timeout): whoever finds a session left open must
    # not be able to turn it into one, so creating a token asks for the password, as changing it does.
    password = PasswordField("Su contraseña, para confirmar",
                             validators=[InputRequired("Escriba su contraseña para confirmar que es usted.")],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Crear clave de acceso")


class TokenRevokeForm(FlaskForm):
    submit = SubmitField("Revocar")
