"""Test fixtures: a fresh database per test (SQLite by default, PostgreSQL with TEST_DATABASE_URL).

The schema is built once per run by the real migrations (never create_all); each test then
gets a copy of that SQLite file, or an emptied PostgreSQL database.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from config import TestConfig
from crm.app import create_app
from crm.core.extensions import db

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# the browser-test fixtures (live server, Chromium, axe-core) for every folder that needs them
pytest_plugins = ["tests.browser"]


def missing_dependency(reason: str):
    """A test's outside dependency (chromium, PostgreSQL binaries...) is missing: skip with the reason
    locally; under CI=true it is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing dependency is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)
PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _make_app(url: str, **overrides):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)

    @app.before_request
    def _fresh_login_per_request():
        # Tests keep one app context open, so `g` outlives a request; Flask-Login caches the
        # user there. Drop it so each request (and each test client) loads its own user.
        from flask import g

        g.pop("_login_user", None)

    return app


@pytest.fixture(scope="session")
def _schema(tmp_path_factory):
    """Runs the migrations once; returns how to get a fresh database."""
    from crm.operations.migrations import upgrade

    if PG_URL:
        app = _make_app(PG_URL)
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            tables = [t.name for t in db.metadata.sorted_tables]
            db.engine.dispose()
        return {"kind": "postgresql", "url": PG_URL, "tables": tables}
    folder = tmp_path_factory.mktemp("schema")
    template = folder / "template.db"
    app = _make_app(f"sqlite:///{template}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return {"kind": "sqlite", "template": template}


def fresh_database_url(schema: dict, folder: Path) -> str:
    if schema["kind"] == "postgresql":
        return schema["url"]
    target = folder / "test.db"
    shutil.copyfile(schema["template"], target)
    return f"sqlite:///{target}"


def _empty_postgres(schema: dict) -> None:
    names = ", ".join(f'"{t}"' for t in schema["tables"])
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_url(_schema, tmp_path):
    return fresh_database_url(_schema, tmp_path)


@pytest.fixture
def app(_schema, database_url, tmp_path):
    app = _make_app(database_url, CRM_DOCUMENT_DIR=str(tmp_path / "documents"))  # the demo stores PDFs
    with app.app_context():
        if _schema["kind"] == "postgresql":
            _empty_postgres(_schema)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_with(_schema, database_url, tmp_path):
    """app_with(**config) -> an app with production-like settings switched on (CSRF, rate limits).

    Use it as a context manager: `with app_with(WTF_CSRF_ENABLED=True) as app: ...`.
    """
    from contextlib import contextmanager

    @contextmanager
    def _build(**overrides):
        app = _make_app(database_url, **{"CRM_DOCUMENT_DIR": str(tmp_path / "documents"), **overrides})
        with app.app_context():
            if _schema["kind"] == "postgresql":
                _empty_postgres(_schema)
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()

    return _build


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, user, password="Una frase de paso larga 42"):
    return client.post("/acceso", data={"email": user.email, "password": password}, follow_redirects=False)


@pytest.fixture
def login_as(client):
    """login_as(role) -> the logged-in user; the client keeps the session."""
    from tests.factories import make_user

    def _login(role: str = "admin", **kwargs):
        user = make_user(role=role, **kwargs)
        response = login(client, user)
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return user

    return _login
