"""`GET /salud` per the contract: 200 with the five keys when the database answers and its schema is
current, 503 with the same keys when the database is unreachable or behind (or ahead of) the code's
migrations; the task consumer's heartbeat decides "tasks" (a stale consumer alone keeps 200). Cheap: no
cookie, no personal data, at most one query per cache period."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from config import TestConfig
from crm.app import create_app
from crm.core.extensions import db
from crm.operations import health, heartbeat, migrations
from tests.factories import make_person

KEYS = {"status", "database", "migrations", "tasks", "version"}


@pytest.fixture(autouse=True)
def _no_cached_health():
    health.forget()
    yield
    health.forget()


def test_healthy_instance_answers_200_with_the_contract_keys_and_no_cookie(app, client):
    make_person(given_name="Rosa", email="rosa.salud@example.org")
    db.session.commit()
    response = client.get("/salud")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == KEYS
    assert body["status"] == "ok" and body["database"] == "ok" and body["migrations"] == "current"
    assert body["tasks"] == "ok"  # immediate mode: tasks run inside requests, no consumer to miss
    assert body["version"]
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert "rosa" not in response.get_data(as_text=True).lower()


@contextmanager
def _stored_revision(value: str):
    with db.engine.begin() as connection:
        before = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": value})
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": before})


def test_schema_behind_the_code_answers_503(app, client):
    script_heads = health.code_heads(migrations.directory(app))
    older = next(r.down_revision for r in health._script(migrations.directory(app)).walk_revisions()
                 if r.revision in script_heads)
    with _stored_revision(older):
        response = client.get("/salud")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == KEYS
    assert body["status"] == "error" and body["database"] == "ok" and body["migrations"] == "behind"


def test_schema_from_a_newer_version_answers_503(app, client):
    with _stored_revision("ffffffffffff"):
        response = client.get("/salud")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "ahead"


def test_database_never_migrated_answers_503(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'vacia.db'}")
    response = app.test_client().get("/salud")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://vinculo@127.0.0.1:9/vinculo",  # a closed port: nothing answers
    "sqlite:///{tmp}",  # the database "file" is a folder: SQLite cannot open it
])
def test_unreachable_database_answers_503(tmp_path, url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url.format(tmp=tmp_path),
                     SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}} if "postgresql" in url
                     else {})
    started = time.monotonic()
    response = app.test_client().get("/salud")
    assert response.status_code == 503
    body = response.get_json()
    assert set(body) == KEYS
    assert body == {**body, "status": "error", "database": "error", "migrations": "unknown"}
    assert time.monotonic() - started < 15  # a balancer's check must not hang


def test_stopped_task_consumer_shows_stale_but_keeps_200(app_with):
    with app_with(CRM_TASKS_IMMEDIATE=False, CRM_TASKS_URL="memory://", CRM_HEARTBEAT_STALE_SECONDS=120) as app:
        client = app.test_client()
        assert client.get("/salud").get_json()["tasks"] == "stale"  # never seen

        heartbeat.heartbeat_task.call_local()  # what the consumer runs every minute
        health.forget()
        ok = client.get("/salud")
        assert ok.status_code == 200 and ok.get_json()["tasks"] == "ok"

        heartbeat.beat(time.time() - 600)  # the consumer stopped ten minutes ago
        health.forget()
        stale = client.get("/salud")
        assert stale.status_code == 200 and stale.get_json()["tasks"] == "stale"


def test_the_heartbeat_runs_every_minute_in_the_consumer():
    from datetime import datetime

    from crm.core.tasks import huey

    for minute in range(60):
        due = {task.name for task in huey.read_periodic(datetime(2026, 12, 4, 10, minute))}
        assert "operaciones.latido" in due


def test_repeated_checks_cost_one_query_per_cache_period(app_with):
    with app_with(CRM_HEALTH_CACHE_SECONDS=60) as app:
        client = app.test_client()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            for _ in range(20):
                assert client.get("/salud").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(statements) == 1, statements
