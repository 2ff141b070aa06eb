from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from crm.auth import services, tokens
from crm.auth.forms import LoginForm, PasswordForm
from crm.auth.models import User
from crm.auth.tokens_forms import TokenCreateForm, TokenRevokeForm
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
    return _account_page(form=form, status=422 if form.errors else 200)


def _account_page(*, form=None, token_form=None, new_token=None, status=200):
    """The account page: the password form, and the account's API tokens (a new one shown once)."""
    return render_template("auth/password.html", form=form or PasswordForm(formdata=None),
                           token_form=token_form or TokenCreateForm(formdata=None, prefix="clave"),
                           tokens=tokens.tokens_of(current_user), new_token=new_token), status


def _own_account_key() -> str:
    return f"clave-api:{current_user.get_id() if current_user.is_authenticated else ''}"


def _wrong_password(_response) -> bool:
    return bool(g.get("token_password_wrong"))


@bp.post("/cuenta/claves-api")
@login_required
@limiter.limit(_account_limit, key_func=_own_account_key, deduct_when=_wrong_password)
def create_api_token():
    """A new API token for the logged-in account, shown once in the answer to this POST (never stored in the
    session nor in a redirect); the account's password is asked again (TokenCreateForm says why)."""
    form = TokenCreateForm(prefix="clave")
    if not form.validate_on_submit():
        return _account_page(token_form=form, status=422)
    if not current_user.check_password(form.password.data):
        g.token_password_wrong = True  # counted: a session left open does not let anyone try passwords freely
        form.password.errors.append("La contraseña no es correcta; no se creó ninguna clave.")
        return _account_page(token_form=form, status=422)
    try:
        token, secret = tokens.create_token(current_user, days=form.days.data, actor=current_user)
    except tokens.TokenError as exc:
        form.days.errors.append(str(exc))
        return _account_page(token_form=form, status=422)
    return _account_page(new_token={"secret": secret, "token": token})


@bp.post("/cuenta/claves-api/<int:token_id>/revocar")
@login_required
def revoke_api_token(token_id: int):
    form = TokenRevokeForm()
    token = db.session.get(tokens.ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)  # another account's token is not this page's business
    if form.validate_on_submit():
        tokens.revoke_token(token, actor=current_user)
        flash(f"Clave {token.prefix}… revocada: ya no da acceso a la API.", "success")
    return redirect(url_for("auth.change_password") + "#claves-api")
