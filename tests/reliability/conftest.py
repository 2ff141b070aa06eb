"""Fixtures of the reliability suite: migrated databases (SQLite, or PostgreSQL with TEST_DATABASE_URL) for
servers started as separate processes, and a folder for their logs."""

from __future__ import annotations

import pytest

from tests.reliability.harness import PG_URL, DatabaseFactory


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("reliability"), PG_URL)
    try:
        yield factory
    finally:
        factory.close()
