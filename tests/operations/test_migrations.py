"""Upgrades (docs/upgrade.md), on the suite's database kind: every migration from the first to the head, one
step at a time, on an empty database, then the demo data, and `db check` clean; a database holding the demo
data goes back one step and up again with every row kept and `db check` clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.operations.backup_support import (
    database_factory,
    fingerprint,
    flask,
    head_revision,
    output,
    revisions,
    scalar,
)


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    yield from database_factory(tmp_path_factory)


def _last_migration_source() -> str:
    folder = Path(__file__).resolve().parents[2] / "migrations" / "versions"
    head = head_revision()
    return next(path.read_text() for path in folder.glob("*.py") if f"revision = '{head}'" in path.read_text()
                or f'revision = "{head}"' in path.read_text())


def _tables_named_by_last_migration(tables) -> set[str]:
    source = _last_migration_source()
    return {name for name in tables if re.search(rf"[\'\"]{name}[\'\"]", source)}


def _tables_created_by_last_migration(tables) -> set[str]:
    source = _last_migration_source()
    return {name for name in tables if re.search(rf"create_table\(\s*[\'\"]{name}[\'\"]", source)}


def _ok(done) -> str:
    assert done.returncode == 0, output(done)
    return output(done)


def test_every_migration_from_the_first_to_the_head_then_the_demo_data(databases, tmp_path):
    url = databases.empty("steps")
    for revision in revisions():  # one step at a time: each migration runs on its own predecessor
        _ok(flask(url, tmp_path, "db", "upgrade", revision))
        assert scalar(url, "SELECT version_num FROM alembic_version") == revision
    assert revision == head_revision()
    _ok(flask(url, tmp_path, "demo", "load"))
    assert scalar(url, "SELECT count(*) FROM person") > 0
    _ok(flask(url, tmp_path, "db", "check"))


def test_demo_data_survives_one_step_down_and_up_again(databases, tmp_path):
    url = databases.empty("demo")
    _ok(flask(url, tmp_path, "db", "upgrade"))
    _ok(flask(url, tmp_path, "demo", "load"))
    before = fingerprint(url)
    assert before["person"][0] > 0 and before["response"][0] > 0 and before["answer"][0] > 0

    _ok(flask(url, tmp_path, "db", "downgrade", revisions()[-2]))  # one step back
    assert scalar(url, "SELECT version_num FROM alembic_version") == revisions()[-2]
    _ok(flask(url, tmp_path, "db", "upgrade"))
    assert scalar(url, "SELECT version_num FROM alembic_version") == head_revision()
    after = fingerprint(url)
    # every row is still there, except in the tables the last migration creates (its downgrade drops them); the
    # tables it does not name are identical row for row (the columns it drops come back with their defaults or
    # backfilled values)
    created = _tables_created_by_last_migration(before)
    assert {name: count for name, (count, _) in after.items() if name not in created} == \
        {name: count for name, (count, _) in before.items() if name not in created}
    touched = _tables_named_by_last_migration(before)
    assert {n: v for n, v in after.items() if n not in touched} == {n: v for n, v in before.items() if n not in touched}
    _ok(flask(url, tmp_path, "db", "check"))
    # and the demo loads again onto the upgraded data, filling what the dropped tables held and changing
    # nothing else (it is idempotent)
    _ok(flask(url, tmp_path, "demo", "load"))
    assert {name: count for name, (count, _) in fingerprint(url).items()} == \
        {name: count for name, (count, _) in before.items()}
