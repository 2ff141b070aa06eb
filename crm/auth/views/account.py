from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth import services
from crm.auth.forms import LoginForm, PasswordForm
from crm.auth.models import User
from crm.core.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    try:
        raw_id, version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != version or not user.active:
        return None
    return user


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.home")


def _login_limit() -> str:
    return current_app.config["CRM_LOGIN_LIMIT"]


def _account_limit() -> str:
    return current_app.config["CRM_LOGIN_ACCOUNT_LIMIT"]


def _account_key() -> str:
    """The account being tried, whatever address the attempts come from (a spread-out guessing attack)."""
    return "cuenta:" + (request.form.get("email") or "").strip().lower()[:320]


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/acceso", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AuthError as exc:
            form.form_errors.append(str(exc))
            return render_template("auth/login.html", form=form), 403
        if user is None:
            form.form_errors.append("Correo o contraseña incorrectos.")
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user)
        return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/salir")
@login_required
def logout():
    services.record_logout(current_user)
    logout_user()
    session.clear()
    flash("Sesión cerrada.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/cuenta/contrasena", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("La contraseña actual no es correcta.")
        else:
            try:
                services.set_password(current_user, form.password.data, actor=current_user)
            except services.AuthError as exc:
                form.password.errors.append(str(exc))
            else:
                login_user(current_user)  # the session version changed
                flash("Contraseña actualizada.", "success")
                return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)
