"""Public network sign-up (no login): bilingual, consent, honeypot and timing against bots, rate-limited."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from crm.contacts.catalogs import ALCALDIAS
from crm.contacts.countries import country_choices
from crm.contacts.models import Network
from crm.contacts.privacy import signup
from crm.contacts.privacy.consent import current_notice
from crm.contacts.services import ContactsError
from crm.core.extensions import db, limiter

bp = Blueprint("signup", __name__, url_prefix="/unirse")
MIN_SECONDS = 3

TEXT = {
    "es": {
        "given_name": "Nombre(s)", "first_surname": "Primer apellido", "second_surname": "Segundo apellido (opcional)",
        "email": "Correo electrónico", "phone": "Teléfono (opcional, con lada internacional)",
        "country": "País de residencia", "state": "Estado o provincia (opcional)", "city": "Ciudad (opcional)",
        "alcaldia_rvc": "Alcaldía de origen en la Ciudad de México", "alcaldia_obs": "Alcaldía donde reside",
        "language": "Idioma para comunicarnos", "consent": "He leído el aviso de privacidad y acepto el tratamiento de "
        "mis datos personales para las finalidades descritas.", "required": "Este campo es obligatorio.",
        "bad_email": "Escriba una dirección de correo válida.", "consent_required": "Para registrarse debe aceptar el "
        "aviso de privacidad.", "too_fast": "Revise sus datos y envíe el formulario de nuevo.",
        "none": "No aplica", "website": "No llene este campo",
    },
    "en": {
        "given_name": "Given name(s)", "first_surname": "First surname", "second_surname": "Second surname (optional)",
        "email": "E-mail address", "phone": "Phone (optional, with country code)", "country": "Country of residence",
        "state": "State or province (optional)", "city": "City (optional)",
        "alcaldia_rvc": "Borough (alcaldía) of origin in Mexico City", "alcaldia_obs": "Borough (alcaldía) where you live",
        "language": "Language for our messages", "consent": "I have read the privacy notice and agree to the processing "
        "of my personal data for the purposes described.", "required": "This field is required.",
        "bad_email": "Enter a valid e-mail address.", "consent_required": "To register you must accept the privacy notice.",
        "too_fast": "Please check your details and send the form again.", "none": "Does not apply",
        "website": "Leave this field empty",
    },
}


class SignupForm(FlaskForm):
    given_name = StringField(validators=[DataRequired(), Length(max=150)])
    first_surname = StringField(validators=[DataRequired(), Length(max=150)])
    second_surname = StringField(validators=[Optional(), Length(max=150)])
    email = EmailField(validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(validators=[Optional(), Length(max=40)])
    country = SelectField(default="MX")
    state = StringField(validators=[Optional(), Length(max=150)])
    city = StringField(validators=[Optional(), Length(max=150)])
    alcaldia = SelectField(validators=[Optional()])
    language = SelectField(choices=[("es", "Español"), ("en", "English")])
    consent = BooleanField(validators=[DataRequired()])
    website = StringField(validators=[Optional()])  # honeypot: people never see or fill it
    started = HiddenField()

    def localize(self, lang: str, network_code: str) -> None:
        text = TEXT[lang]
        for name in ("given_name", "first_surname", "second_surname", "email", "phone", "country", "state", "city",
                     "language", "consent", "website"):
            getattr(self, name).label.text = text[name]
        self.alcaldia.label.text = text["alcaldia_rvc" if network_code == "rvc" else "alcaldia_obs"]
        self.country.choices = country_choices()
        self.alcaldia.choices = [("", text["none"])] + [(a, a) for a in ALCALDIAS]
        for field in (self.given_name, self.first_surname, self.email, self.consent):
            field.validators[0].message = text["consent_required" if field is self.consent else "required"]
        self.email.validators[1].message = text["bad_email"]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="signup-started")


def _lang() -> str:
    lang = request.values.get("lang") or request.accept_languages.best_match(["es", "en"]) or "es"
    g.lang = lang if lang in ("es", "en") else "es"
    return g.lang


def _network(code: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.code == code))
    if network is None:
        abort(404)
    return network


@bp.route("/<code>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def join(code: str):
    lang = _lang()
    network = _network(code)
    form = SignupForm()
    form.localize(lang, network.code)
    notice = current_notice()
    if request.method == "GET":
        form.language.data = lang
        form.started.data = _serializer().dumps(time.time())
    elif form.validate_on_submit():
        if form.website.data:  # a bot filled the honeypot: answer as if all went well, store nothing
            return redirect(url_for(".sent", code=code, lang=lang), 303)
        try:
            started = float(_serializer().loads(form.started.data or ""))
        except (BadSignature, ValueError, TypeError):
            started = time.time()
        if time.time() - started < MIN_SECONDS:
            form.started.data = _serializer().dumps(time.time() - MIN_SECONDS)
            form.form_errors.append(TEXT[lang]["too_fast"])
        else:
            data = signup.SignupData(
                given_name=form.given_name.data, first_surname=form.first_surname.data,
                second_surname=form.second_surname.data or "", email=form.email.data, phone=form.phone.data or "",
                country=form.country.data or "MX", state=form.state.data or "", city=form.city.data or "",
                alcaldia=form.alcaldia.data or "", language=form.language.data or lang)
            try:
                signup.sign_up(network, data, confirm_url_for=lambda token, lng: current_app.config["CRM_BASE_URL"]
                               + url_for(".confirm", token=token, lang=lng))
            except ContactsError as exc:
                db.session.rollback()
                form.form_errors.append(str(exc))
            else:
                return redirect(url_for(".sent", code=code, lang=lang), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("contacts/public/join.html", form=form, network=network, lang=lang, notice=notice), status


@bp.get("/<code>/enviado")
def sent(code: str):
    lang = _lang()
    return render_template("contacts/public/sent.html", network=_network(code), lang=lang)


@bp.get("/confirmar/<token>")
@limiter.limit("30 per minute")
def confirm(token: str):
    lang = _lang()
    confirmation = signup.confirm(token[:400])
    status = 200 if confirmation else 404
    return render_template("contacts/public/confirmed.html", confirmation=confirmation, lang=lang), status
