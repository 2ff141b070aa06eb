"""Vínculo: the application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Request, abort, g, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from crm.app.wiring import connect_domains, register_blueprints, register_cli
from crm.core.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent.parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class _Parameters(ImmutableMultiDict):
    """Query and form values without NUL characters: no browser sends them and PostgreSQL refuses them in
    text (a search or a form with one would fail with a server error)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


_SKIP_REFRESH = "vinculo.skip_session_refresh"  # per request (g can outlive a request in tests)


def skip_session_refresh() -> None:
    """This response does not need to re-send an unchanged session cookie."""
    request.environ[_SKIP_REFRESH] = True


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a response may skip the idle-timeout refresh of an
    unchanged session (`skip_session_refresh()`): a survey's valid POST, whose redirect to the thank-you
    page refreshes it anyway; signing and sending the cookie twice was a tenth of that request's cost."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        if request.environ.get(_SKIP_REFRESH) and not session.modified:
            return False
        return super().should_set_cookie(app, session)


class _Request(Request):
    parameter_storage_class = _Parameters


MAX_ID = 2**31 - 1  # the largest value of an INTEGER primary key on PostgreSQL


class ConfigurationError(SystemExit):
    """Raised at start with one clear line (no traceback) when configuration is wrong."""

    def __init__(self, message: str):
        super().__init__(f"Error de configuración: {message}")


def create_app(config_object: object | str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CRM_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "crm" / "static"),
    )
    app.request_class = _Request
    app.session_interface = _SessionInterface()
    app.config.from_object(config_object or "config.Config")
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _configure_database(app)
    _configure_secret_key(app)
    _check_timezone(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Inicie sesión para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    if app.config.get("CRM_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["CRM_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _import_models()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas(float(app.config["CRM_SQLITE_BUSY_SECONDS"])))
        if app.config.get("CRM_CHECK_DATABASE_AT_START"):
            _check_database(app)

    connect_domains()
    register_blueprints(app)
    register_cli(app)
    from crm.core.tasks import init_app as init_tasks  # the task queue (Huey) and `flask tasks worker`
    init_tasks(app)
    _register_hooks(app)
    _register_error_pages(app)
    return app


def _import_models() -> None:
    # Every model module, so relationships resolve and migrations see all tables.
    import crm.auth.models  # noqa: F401
    import crm.contacts.models  # noqa: F401
    import crm.core.audit  # noqa: F401
    import crm.events.models  # noqa: F401
    import crm.program.models  # noqa: F401
    import surveys.models  # noqa: F401
    import surveys.versioning  # noqa: F401  (bumps questions_version on any question or choice change)


def _configure_database(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'vinculo.db'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(f"DATABASE_URL no es una URL de base de datos válida: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"DATABASE_URL usa «{backend}»; se admiten sqlite y postgresql")
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if not folder.exists():
                raise ConfigurationError(f"la carpeta de la base SQLite no existe: {folder}")
        options.setdefault("connect_args", {"timeout": float(app.config["CRM_SQLITE_BUSY_SECONDS"])})
    else:
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {"connect_timeout": 5})
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    key_file = Path(app.instance_path) / "secret_key"
    if key_file.exists():
        app.config["SECRET_KEY"] = key_file.read_text().strip()
        return
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    app.config["SECRET_KEY"] = key


def _check_timezone(app: Flask) -> None:
    from crm.core.timeutil import local_tz

    try:
        local_tz(app.config["CRM_TIMEZONE"])
    except ValueError:
        raise ConfigurationError(f"CRM_TIMEZONE no es una zona horaria IANA: {app.config['CRM_TIMEZONE']!r}") from None


def _sqlite_pragmas(busy_seconds: float):
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    return on_connect


def _check_database(app: Flask) -> None:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))  # not `text`: crm.core.text shadows it here
    except Exception as exc:  # any driver error: one line, no traceback
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        safe_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        raise ConfigurationError(f"no se pudo conectar a la base de datos {safe_url}: {reason}") from None


def _select_locale() -> str:
    lang = getattr(g, "lang", None)
    if lang in ("es", "en"):
        return lang
    return "es"


def _register_hooks(app: Flask) -> None:
    from crm.core.timeutil import to_local

    @app.before_request
    def _idle_timeout():
        if not session.permanent:  # PERMANENT_SESSION_LIFETIME is the idle timeout, refreshed per request
            session.permanent = True

    @app.url_value_preprocessor
    def _impossible_path_values(_endpoint, values):
        # /redes/%00 or /contactos/99999999999999999999: no record has such a name or id, and the database
        # would refuse the value itself (NUL in text, an integer beyond its columns) with a server error.
        for value in (values or {}).values():
            if (isinstance(value, str) and "\x00" in value) or (isinstance(value, int) and value > MAX_ID):
                abort(404)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint and not request.endpoint.startswith(("static", "bootstrap")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.template_filter("local")
    def _local(value, fmt="%Y-%m-%d %H:%M"):
        if value is None:
            return ""
        return to_local(value).strftime(fmt)

    @app.context_processor
    def _globals():
        from crm.auth.permissions import role_has

        def can(permission: str) -> bool:
            from flask_login import current_user

            return bool(current_user.is_authenticated and role_has(current_user.role, permission))

        return {"can": can, "page_lang": getattr(g, "lang", "es")}


def _register_error_pages(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    def page(status: int, title: str, message: str):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    app.register_error_handler(403, lambda e: page(403, "Acceso no permitido",
                                                   "Su cuenta no tiene permiso para ver esta página."))
    app.register_error_handler(404, lambda e: page(404, "Página no encontrada",
                                                   "La dirección no existe o el registro ya no está disponible."))
    app.register_error_handler(413, lambda e: page(413, "Archivo demasiado grande",
                                                   "El archivo supera el tamaño máximo permitido."))
    app.register_error_handler(429, lambda e: page(429, "Demasiados intentos",
                                                   "Se recibieron demasiados intentos en poco tiempo. "
                                                   "Espere unos minutos e intente de nuevo."))
    app.register_error_handler(500, lambda e: page(500, "Error interno",
                                                   "Ocurrió un error inesperado. Nada de lo que ya estaba guardado "
                                                   "se perdió; intente de nuevo."))
    app.register_error_handler(CSRFError, lambda e: page(400, "El formulario caducó",
                                                         "Por seguridad, vuelva a cargar la página y envíe el "
                                                         "formulario de nuevo."))
