from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from crm.auth.roles import ROLE_LABELS

REQUIRED = "Este campo es obligatorio."


class LoginForm(FlaskForm):
    email = EmailField("Correo electrónico", validators=[DataRequired(REQUIRED), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Contraseña", validators=[DataRequired(REQUIRED), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Iniciar sesión")


ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    email = EmailField("Correo electrónico", validators=[DataRequired(REQUIRED),
                                                          Email("Escriba una dirección de correo válida."),
                                                          Length(max=254)])
    name = StringField("Nombre completo", validators=[Length(max=200)])
    role = SelectField("Rol", choices=ROLE_CHOICES)
    password = PasswordField("Contraseña inicial", validators=[DataRequired(REQUIRED)],
                             description="Al menos 12 caracteres; se recomienda una frase de varias palabras.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Crear cuenta")


class RoleForm(FlaskForm):
    role = SelectField("Rol", choices=ROLE_CHOICES)
    submit = SubmitField("Cambiar rol")


class ActiveForm(FlaskForm):
    submit = SubmitField("Aplicar")


class PasswordForm(FlaskForm):
    current = PasswordField("Contraseña actual", validators=[DataRequired(REQUIRED)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField("Contraseña nueva", validators=[DataRequired(REQUIRED)],
                             description="Al menos 12 caracteres; se recomienda una frase de varias palabras.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Cambiar contraseña")
