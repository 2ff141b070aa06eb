"""`backup create FILE` and `backup restore FILE [--force]` per the contract, on the suite's database kind
(SQLite, or PostgreSQL with TEST_DATABASE_URL): a round trip that keeps every row; no partial FILE when a
backup fails; a non-empty target refused without --force and left as it was; --force replaces it; a backup of
the other kind refused; a backup of an older schema upgraded on restore; a failed upgrade puts the target
back, and so does a truncated backup; the audit log and the admin page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.operations.backup import formats, service
from crm.operations.backup.formats import BackupError, detect_kind
from tests.conftest import login
from tests.factories import make_user
from tests.operations.backup_support import (
    KIND,
    database_factory,
    execute,
    fingerprint,
    flask,
    head_revision,
    output,
    revisions,
    scalar,
)
from tests.reliability.harness import in_app

EXTENSION = formats.EXTENSIONS[KIND]


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    yield from database_factory(tmp_path_factory)


def _seed(url: str, tag: str = "a") -> None:
    from tests.factories import make_activity, make_person, make_user
    from tests.reliability.seed import seed_survey

    with in_app(url):
        make_user(role="admin", email=f"admin-{tag}@example.org")
        for number in range(5):
            make_person(given_name=f"Persona{tag}{number}", email=f"persona-{tag}{number}@example.org")
        make_activity(title=f"Actividad {tag}")
        db.session.commit()
    seed_survey(url, invitations=2)


@pytest.fixture(scope="module")
def source(databases, tmp_path_factory):
    url = databases.new("source")
    _seed(url)
    return url


def test_round_trip_keeps_every_row_and_the_schema_is_current(databases, source, tmp_path):
    file = tmp_path / f"round{EXTENSION}"
    done = flask(source, tmp_path, "backup", "create", str(file))
    assert done.returncode == 0, output(done)
    assert detect_kind(file) == KIND
    assert file.stat().st_mode & 0o077 == 0, "a backup holds personal data: owner-only permissions"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(service.TEMP_PREFIX)]

    target = databases.empty("round")
    done = flask(target, tmp_path, "backup", "restore", str(file))
    assert done.returncode == 0, output(done)
    assert fingerprint(target) == fingerprint(source)
    assert scalar(target, "SELECT count(*) FROM person") == 5 + 2
    assert scalar(target, "SELECT version_num FROM alembic_version") == head_revision()
    check = flask(target, tmp_path, "db", "check")
    assert check.returncode == 0, output(check)
    # the backup is in the source's audit log, the restore in the target's
    created = scalar(source, "SELECT count(*) FROM audit_entry WHERE action = 'backup.create'")
    assert created >= 1
    assert scalar(target, "SELECT count(*) FROM audit_entry WHERE action = 'backup.restore'") == 1


def test_a_failed_backup_leaves_no_file_and_is_audited(app, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    folder.mkdir()
    file = folder / f"broken{EXTENSION}"
    backend = service.sqlite if KIND == "sqlite" else service.postgres

    def half_written(*args):
        destination = args[-1]
        destination.write_bytes(b"SQLite format 3\x00 half of it")
        raise BackupError("disco lleno (simulado)")

    monkeypatch.setattr(backend, "copy" if KIND == "sqlite" else "dump", half_written)
    with pytest.raises(BackupError, match="disco lleno"):
        service.create_backup(file)
    assert list(folder.iterdir()) == []
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "backup.create")).one()
    assert entry.details["result"] == "error" and "disco lleno" in entry.details["message"]


def test_create_refuses_a_missing_folder_and_an_existing_file_that_is_no_backup(source, tmp_path):
    done = flask(source, tmp_path, "backup", "create", str(tmp_path / "no-such-folder" / "x.bak"))
    assert done.returncode == 1 and "no existe" in output(done)
    assert "Traceback" not in output(done)
    precious = tmp_path / "notes.txt"
    precious.write_text("not a backup")
    done = flask(source, tmp_path, "backup", "create", str(precious))
    assert done.returncode == 1 and "no es un respaldo" in output(done)
    assert precious.read_text() == "not a backup"


@pytest.fixture(scope="module")
def backup_file(source, tmp_path_factory):
    folder = tmp_path_factory.mktemp("backup-file")
    file = folder / f"source{EXTENSION}"
    done = flask(source, folder, "backup", "create", str(file))
    assert done.returncode == 0, output(done)
    return file


def test_restore_refuses_a_non_empty_target_without_force_and_leaves_it(databases, backup_file, tmp_path):
    target = databases.new("busy")
    _seed(target, tag="b")
    before = fingerprint(target, skip=())
    done = flask(target, tmp_path, "backup", "restore", str(backup_file))
    assert done.returncode == 1, output(done)
    assert "no está vacía" in output(done) and "--force" in output(done)
    assert fingerprint(target, skip=()) == before


def test_restore_with_force_replaces_the_content(databases, source, backup_file, tmp_path):
    target = databases.new("forced")
    _seed(target, tag="b")
    done = flask(target, tmp_path, "backup", "restore", str(backup_file), "--force")
    assert done.returncode == 0, output(done)
    assert fingerprint(target) == fingerprint(source)
    assert scalar(target, "SELECT count(*) FROM person WHERE given_name LIKE 'Personab%'") == 0
    check = flask(target, tmp_path, "db", "check")
    assert check.returncode == 0, output(check)


def test_restore_refuses_a_backup_of_the_other_kind_and_other_files(databases, tmp_path):
    other = tmp_path / "other-kind.bak"
    if KIND == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 200)  # what pg_dump --format=custom starts with
    else:
        sqlite_source = databases.new_sqlite("other")
        done = flask(sqlite_source, tmp_path, "backup", "create", str(other))
        assert done.returncode == 0, output(done)
    target = databases.empty("kind")
    done = flask(target, tmp_path, "backup", "restore", str(other))
    assert done.returncode == 1
    assert "no se puede restaurar uno en otro" in output(done) and "Traceback" not in output(done)
    # a plain SQLite database (no backup marker) and a missing file
    plain = tmp_path / "plain.txt"
    plain.write_text("hola")
    for file, message in ((plain, "no es un respaldo"), (tmp_path / "missing.bak", "no existe")):
        done = flask(target, tmp_path, "backup", "restore", str(file))
        assert done.returncode == 1 and message in output(done), output(done)
    assert fingerprint(target, skip=()) == {}


def test_restore_upgrades_a_backup_of_an_older_schema(databases, tmp_path):
    older = revisions()[-2]
    url = databases.empty("older")
    done = flask(url, tmp_path, "db", "upgrade", older)
    assert done.returncode == 0, output(done)
    execute(url, "INSERT INTO network (code, name, description) VALUES ('vieja', 'Red de una versión anterior', '')")
    file = tmp_path / f"older{EXTENSION}"
    assert flask(url, tmp_path, "backup", "create", str(file)).returncode == 0
    target = databases.empty("upgraded")
    done = flask(target, tmp_path, "backup", "restore", str(file))
    assert done.returncode == 0, output(done)
    assert f"schema {older} -> {head_revision()}" in done.stdout
    assert scalar(target, "SELECT version_num FROM alembic_version") == head_revision()
    assert scalar(target, "SELECT name FROM network WHERE code = 'vieja'") == "Red de una versión anterior"
    check = flask(target, tmp_path, "db", "check")
    assert check.returncode == 0, output(check)


def _long_rows(url: str, count: int) -> None:
    """`count` networks whose description (the last column) is ~19 KB of hard-to-compress text: most of a
    backup, so its first half ends inside one of them, where a cut row is still a valid row to COPY (the worst
    case: nothing but pg_restore's own failure tells the load is incomplete)."""
    if KIND == "sqlite":
        execute(url, "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :count) "
                     "INSERT INTO network (code, name, description) "
                     "SELECT 'relleno' || n, 'Red de relleno ' || n, hex(randomblob(9600)) FROM g", count=count)
    else:
        execute(url, "INSERT INTO network (code, name, description) "
                     "SELECT 'relleno' || g, 'Red de relleno ' || g, (SELECT string_agg(md5(g || '-' || i), '' "
                     "ORDER BY i) FROM generate_series(1, 600) i) FROM generate_series(1, :count) g", count=count)


def test_a_truncated_backup_fails_and_leaves_the_target_as_it_was(databases, tmp_path):
    bulky = databases.new("bulky")
    _long_rows(bulky, 100)
    whole = tmp_path / f"whole{EXTENSION}"
    done = flask(bulky, tmp_path, "backup", "create", str(whole))
    assert done.returncode == 0, output(done)
    truncated = tmp_path / f"truncated{EXTENSION}"
    content = whole.read_bytes()
    truncated.write_bytes(content[: len(content) // 2])

    target = databases.new("truncated")
    _seed(target, tag="d")
    before = fingerprint(target, skip=())
    sample = ("SELECT e.address FROM person_email e JOIN person p ON p.id = e.person_id "
              "WHERE p.given_name = 'Personad3'")
    assert scalar(target, sample) == "persona-d3@example.org"
    people = scalar(target, "SELECT count(*) FROM person")
    done = flask(target, tmp_path, "backup", "restore", str(truncated), "--force")
    assert done.returncode == 1, output(done)
    assert scalar(target, "SELECT count(*) FROM person") == people
    assert scalar(target, sample) == "persona-d3@example.org"
    assert fingerprint(target, skip=()) == before  # every table: its row count and its rows
    assert scalar(target, "SELECT count(*) FROM network WHERE code LIKE 'relleno%'") == 0
    check = flask(target, tmp_path, "db", "check")  # the schema too: every table, key and index still there
    assert check.returncode == 0, output(check)
    assert "dañado" in output(done) and "Traceback" not in output(done), output(done)


@pytest.mark.parametrize("empty_target", [True, False])
def test_a_failed_schema_upgrade_puts_the_target_back(databases, backup_file, empty_target, monkeypatch):
    target = databases.empty("undo") if empty_target else databases.new("undo")
    if not empty_target:
        _seed(target, tag="c")
    before = fingerprint(target, skip=())

    def broken_upgrade():
        raise RuntimeError("migración rota (simulada)")

    monkeypatch.setattr(service, "upgrade_schema", broken_upgrade)
    with in_app(target):
        with pytest.raises(BackupError, match="migración rota"):
            service.restore_backup(backup_file, force=True)
    assert fingerprint(target, skip=()) == before


def test_the_backups_page_lists_the_folder_for_administrators_only(app, client, login_as, tmp_path):
    app.config["CRM_BACKUP_DIR"] = str(tmp_path)
    service.create_backup(tmp_path / f"vinculo-20250102-030000{EXTENSION}", "respaldo programado")
    (tmp_path / "leeme.txt").write_text("no es un respaldo")
    login_as("staff")
    assert client.get("/administracion/respaldos").status_code == 403
    admin = app.test_client()
    login(admin, make_user(role="admin", email="jefa@example.org"))
    assert "/administracion/respaldos" in admin.get("/administracion/usuarios").get_data(as_text=True)
    html = admin.get("/administracion/respaldos").get_data(as_text=True)
    assert f"vinculo-20250102-030000{EXTENSION}" in html and "leeme.txt" not in html
    assert "Programado" in html and formats.KIND_LABELS[KIND] in html
    assert "Todos los días a partir de las 03:00" in html
