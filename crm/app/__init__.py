"""Vínculo: the application factory, the composition root (only wsgi.py and the tests import it)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g
from sqlalchemy import event

from crm.app import assets, database
from crm.app.hooks import register_error_pages, register_hooks
from crm.app.wiring import connect_domains, register_blueprints, register_cli
from crm.core import ratelimit, tasks
from crm.core.extensions import babel, csrf, db, limiter, login_manager
from crm.core.web import CleanRequest, SessionInterface
from crm.operations import logs, migrations, reporting

ROOT = Path(__file__).resolve().parent.parent.parent


def create_app(config_object: object | str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("CRM_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "crm" / "static"),
    )
    app.request_class = CleanRequest
    app.session_interface = SessionInterface()
    app.config.from_object(config_object or "config.Config")
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    database.configure_database(app)
    database.configure_secret_key(app)
    database.check_timezone(app)
    if not app.config.get("RATELIMIT_STORAGE_URI"):  # shared by every worker of this machine
        app.config["RATELIMIT_STORAGE_URI"] = ratelimit.storage_uri(Path(app.instance_path) / "limits.db")
    logs.configure_logging(app)
    reporting.configure_reporting(app)
    _init_extensions(app)
    if app.config.get("CRM_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["CRM_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _import_models()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            busy_seconds = float(app.config["CRM_SQLITE_BUSY_SECONDS"])
            event.listen(db.engine, "connect", database.sqlite_pragmas(busy_seconds))
        if app.config.get("CRM_CHECK_DATABASE_AT_START"):
            database.check_database(app)

    connect_domains()
    register_blueprints(app)  # the import views bring the import tasks into the task queue
    register_cli(app)
    tasks.init_app(app, factory=create_app)  # the task queue (Huey) and `flask tasks worker`
    register_hooks(app)
    register_error_pages(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrations.init_app(app)  # Flask-Migrate and Alembic load when a `db` command or a restore needs them
    csrf.init_app(app)
    assets.init_app(app)  # fingerprinted static URLs, compression
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Inicie sesión para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


def _import_models() -> None:
    # Every model module, so relationships resolve and migrations see all tables.
    import crm.auth.models  # noqa: F401
    import crm.auth.tokens  # noqa: F401
    import crm.contacts.models  # noqa: F401
    import crm.core.audit  # noqa: F401
    import crm.events.agreements.models  # noqa: F401
    import crm.events.models  # noqa: F401
    import crm.program.models  # noqa: F401
    import crm.program.reference.models  # noqa: F401
    import surveys.coding.models  # noqa: F401
    import surveys.models  # noqa: F401
    import surveys.versioning  # noqa: F401  (bumps questions_version on any question or choice change)


def _select_locale() -> str:
    lang = getattr(g, "lang", None)
    if lang in ("es", "en"):
        return lang
    return "es"

