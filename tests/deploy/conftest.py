"""Fixtures of the deployment tests: migrated databases (SQLite, or PostgreSQL with TEST_DATABASE_URL) for
gunicorn started as a separate process behind nginx."""

from __future__ import annotations

import pytest

from tests.reliability.harness import databases_for_session


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    yield from databases_for_session(tmp_path_factory, "deploy")
