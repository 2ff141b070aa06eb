"""Fixtures of the reliability suite: migrated databases (SQLite, or PostgreSQL with TEST_DATABASE_URL) for
servers started as separate processes, and a folder for their logs."""

from __future__ import annotations

import pytest

from tests.reliability.harness import databases_for_session


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    yield from databases_for_session(tmp_path_factory, "reliability")
