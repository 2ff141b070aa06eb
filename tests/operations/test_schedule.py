"""crm.core.schedule: a daily job at a local hour (CRM_TIMEZONE), at most once per local day, and the daily
backup built on it (the file in CRM_BACKUP_DIR, the last CRM_BACKUP_KEEP kept, the result audited and shown)."""

from __future__ import annotations

import os
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.errors import ConfigurationError
from crm.core.extensions import db
from crm.core.schedule import _KEY, is_due, last_run_day, parse_hour, run_if_due
from crm.core.tasks import huey
from crm.operations.backup import scheduled
from crm.operations.backup.formats import EXTENSIONS, database_kind, detect_kind

MX = ZoneInfo("America/Mexico_City")
JOB = "prueba.diaria"


def _forget(name: str) -> None:
    last = last_run_day(name)
    if last is not None:
        huey.delete(_KEY.format(name=name, what=last.isoformat()))
    huey.delete(_KEY.format(name=name, what="last"))


@pytest.fixture(autouse=True)
def _clean_markers(app):
    for name in (JOB, scheduled.TASK_NAME):
        _forget(name)
    yield
    for name in (JOB, scheduled.TASK_NAME):
        _forget(name)


@given(st.integers(0, 23), st.sampled_from(["", " ", "\t"]))
def test_parse_hour_reads_every_valid_hour(hour, pad):
    assert parse_hour(f"{pad}{hour}{pad}") == hour
    assert parse_hour(hour) == hour


@given(st.text(max_size=6))
def test_parse_hour_refuses_anything_else_with_a_configuration_error(text):
    stripped = text.strip()
    try:
        value = parse_hour(text)
    except ConfigurationError:
        assert not (stripped.isascii() and stripped.lstrip("+-").isdigit() and 0 <= int(stripped) <= 23)
        return
    assert value is None and stripped == "" or value == int(stripped)


def test_is_due_at_and_after_the_local_hour_once_per_day():
    day = date(2025, 3, 10)
    assert not is_due(datetime(2025, 3, 10, 2, 59, tzinfo=MX), 3, None)
    assert is_due(datetime(2025, 3, 10, 3, 0, tzinfo=MX), 3, None)
    assert is_due(datetime(2025, 3, 10, 22, 0, tzinfo=MX), 3, date(2025, 3, 9))  # caught up later that day
    assert not is_due(datetime(2025, 3, 10, 22, 0, tzinfo=MX), 3, day)
    assert not is_due(datetime(2025, 3, 10, 22, 0, tzinfo=MX), None, None)  # disabled


def test_run_if_due_runs_once_per_local_day_in_mexico_city():
    runs = []
    # 08:30 UTC is 02:30 in Mexico City (UTC-6 all year since 2022): not yet 3 a.m. there
    early = datetime(2025, 7, 1, 8, 30, tzinfo=ZoneInfo("UTC")).astimezone(MX)
    assert not run_if_due(JOB, 3, lambda: runs.append(1), now=early)
    at_three = early + timedelta(minutes=30)
    assert run_if_due(JOB, 3, lambda: runs.append(1), now=at_three)
    assert not run_if_due(JOB, 3, lambda: runs.append(1), now=at_three + timedelta(minutes=5))
    assert not run_if_due(JOB, 3, lambda: runs.append(1), now=at_three + timedelta(hours=20))  # 23:00, same day
    assert last_run_day(JOB) == date(2025, 7, 1)
    assert run_if_due(JOB, 3, lambda: runs.append(1), now=at_three + timedelta(days=1))
    assert len(runs) == 2


def test_a_failing_job_has_used_its_day():
    def boom():
        raise RuntimeError("falla")

    now = datetime(2025, 7, 1, 4, 0, tzinfo=MX)
    with pytest.raises(RuntimeError):
        run_if_due(JOB, 3, boom, now=now)
    assert not run_if_due(JOB, 3, boom, now=now + timedelta(minutes=5))


def test_concurrent_checks_run_the_job_once():
    runs = []
    start = threading.Barrier(8)
    now = datetime(2025, 7, 1, 4, 0, tzinfo=MX)

    def check():
        start.wait()
        run_if_due(JOB, 3, lambda: (runs.append(1), time.sleep(0.05)), now=now)

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1


def test_the_daily_backup_task_is_registered_and_runs_at_most_once_a_day(app, tmp_path):
    app.config.update(CRM_BACKUP_DIR=str(tmp_path / "respaldos"), CRM_BACKUP_HOUR="0")  # hour 0: due all day
    assert any(name.endswith(scheduled.TASK_NAME) for name in huey._registry._registry)
    scheduled.daily_backup.periodic()  # what the consumer calls every few minutes (immediate mode here)
    scheduled.daily_backup.periodic()
    files = list((tmp_path / "respaldos").iterdir())
    assert len(files) == 1 and scheduled.SCHEDULED_NAME.match(files[0].name) and detect_kind(files[0])
    entry = scheduled.last_scheduled_run()
    assert entry.details["result"] == "ok" and entry.actor_label == scheduled.ACTOR


def test_the_daily_backup_is_off_when_the_hour_is_empty(app, tmp_path):
    app.config.update(CRM_BACKUP_DIR=str(tmp_path / "respaldos"), CRM_BACKUP_HOUR="")
    scheduled.daily_backup.periodic()
    assert not (tmp_path / "respaldos").exists()


def test_pruning_keeps_the_newest_scheduled_backups_and_every_manual_one(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("prune")
    names = [f"vinculo-202501{day:02d}-030000.sqlite-backup" for day in range(1, 8)]
    for name in [*names, "antes-de-actualizar.sqlite-backup", "notas.txt"]:
        (tmp_path / name).write_bytes(b"x")
    fresh_temp = tmp_path / ".vinculo-backup-x.1234.tmp"
    stale_temp = tmp_path / ".vinculo-backup-y.5678.tmp"
    fresh_temp.write_bytes(b"")
    stale_temp.write_bytes(b"")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale_temp, (two_days_ago, two_days_ago))
    deleted = scheduled.prune(tmp_path, keep=3)
    assert sorted(deleted) == sorted([*names[:4], stale_temp.name])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[4:], "antes-de-actualizar.sqlite-backup", "notas.txt", fresh_temp.name])


def test_scheduled_runs_keep_the_last_n(app, tmp_path):
    folder = tmp_path / "respaldos"
    app.config.update(CRM_BACKUP_DIR=str(folder), CRM_BACKUP_KEEP=2)
    for hour in range(4):
        assert scheduled.run_scheduled_backup(datetime(2025, 7, 1, hour, 0, tzinfo=MX)) is not None
    extension = EXTENSIONS[database_kind(db.engine.dialect.name)]
    assert sorted(p.name for p in folder.iterdir()) == [f"vinculo-20250701-0{hour}0000{extension}" for hour in (2, 3)]
    assert [f.scheduled for f in scheduled.list_backups()] == [True, True]


def test_a_failed_scheduled_backup_is_audited_and_shown(app, client, login_as, tmp_path):
    blocker = tmp_path / "no-es-carpeta"
    blocker.write_text("un archivo donde debería haber una carpeta")
    app.config.update(CRM_BACKUP_DIR=str(blocker))
    assert scheduled.run_scheduled_backup() is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == scheduled.ACTION)).one()
    assert entry.details["result"] == "error"
    login_as("admin")
    html = client.get("/administracion/respaldos").get_data(as_text=True)
    assert "falló" in html
