"""Fixtures of the deployment tests: migrated databases (SQLite, or PostgreSQL with TEST_DATABASE_URL) for
gunicorn started as a separate process behind nginx."""

from __future__ import annotations

import pytest

from tests.reliability.harness import PG_URL, DatabaseFactory


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("deploy"), PG_URL)
    try:
        yield factory
    finally:
        factory.close()
