"""What create_app checks and settles before the extensions start: the database URL and its engine
options, SQLite's pragmas, the secret key, the time zone, and (optionally) a first connection."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crm.core.errors import ConfigurationError
from crm.core.extensions import db
from crm.core.timeutil import local_tz


def configure_database(app: Flask) -> None:
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
    # a database error's message must not carry the statement's values (names, e-mails) into logs or reports
    options.setdefault("hide_parameters", True)
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


def configure_secret_key(app: Flask) -> None:
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


def check_timezone(app: Flask) -> None:
    try:
        local_tz(app.config["CRM_TIMEZONE"])
    except ValueError:
        raise ConfigurationError(f"CRM_TIMEZONE no es una zona horaria IANA: {app.config['CRM_TIMEZONE']!r}") from None


def sqlite_pragmas(busy_seconds: float):
    """The `connect` listener of a SQLite engine: foreign keys, WAL, and how long to wait for a lock."""
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()

    return on_connect


def check_database(app: Flask) -> None:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any driver error: one line, no traceback
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        safe_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        raise ConfigurationError(f"no se pudo conectar a la base de datos {safe_url}: {reason}") from None
