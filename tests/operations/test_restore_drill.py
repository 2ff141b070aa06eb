"""The restore drill (issue 19), on the suite's database kind: backups taken while a large contacts import and
survey submissions are running restore into fresh databases with every committed row and nothing half-written.

- gunicorn (2 workers, production configuration) serves the respondent pages; threads answer personal links,
  each answer's text naming it, and note when the server acknowledged it (the redirect after the commit);
- `flask contacts import` (the real command: one transaction) writes a few thousand people meanwhile;
- `flask backup create` runs back to back while the import is running, and once after it;
- each backup is restored with `flask backup restore` into a fresh empty database, which must hold every
  response acknowledged before that backup started, each with all its answers, and no response the source
  lacks; the import's people all or none; no broken foreign key; `flask db check` clean.
"""

from __future__ import annotations

import csv
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.operations.backup_support import (
    broken_foreign_keys,
    database_factory,
    flask,
    head_revision,
    output,
    scalar,
)
from tests.reliability.harness import (
    FLASK,
    ROOT,
    Browser,
    Gunicorn,
    app_env,
    hidden,
    rows,
    scaled,
    stop_process,
)
from tests.reliability.seed import ANSWER_ROWS, answers_for, seed_survey

IMPORT_EMAIL = "drill-import-{}@example.org"


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    yield from database_factory(tmp_path_factory)


def _contacts_file(path: Path, count: int) -> Path:
    header = ("nombre,primer_apellido,segundo_apellido,sexo,correo,telefono,pais_residencia,estado,ciudad,alcaldia,"
              "red,organizacion,cargo,idioma,consentimiento").split(",")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(count):
            writer.writerow([f"Simulacro{number}", "Respaldo", "", "mujer", IMPORT_EMAIL.format(number), "", "MX", "",
                             "", "Coyoacán", "rvc", "", "", "es", ""])
    return path


class Respondents:
    """Threads answering personal links until stopped; `acknowledged` maps each answer's marker to the
    monotonic time its POST came back as a redirect (stored and committed)."""

    def __init__(self, port: int, tokens: list[str]):
        self.port = port
        self.tokens = list(tokens)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acknowledged: dict[str, float] = {}
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(4)]

    def _next(self) -> tuple[int, str] | None:
        with self.lock:
            if not self.tokens:
                return None
            return len(self.tokens), self.tokens.pop()

    def _run(self) -> None:
        while not self.stop.is_set():
            item = self._next()
            if item is None:
                return
            number, token = item
            marker = f"simulacro-{number}"
            browser = Browser(self.port, timeout=60)
            try:
                status, _, html = browser.get(f"/r/{token}")
                if status != 200:
                    continue
                status, _, _ = browser.post(f"/r/{token}", [
                    ("csrf_token", hidden(html, "csrf_token")), ("_clave", hidden(html, "_clave")), ("_lang", "es"),
                    *answers_for(marker, number)])
            except OSError:
                continue
            if status == 303:
                with self.lock:
                    self.acknowledged[marker] = time.monotonic()

    def __enter__(self) -> Respondents:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _backup(source: str, folder: Path, number: int, importer: subprocess.Popen) -> tuple[Path, float, bool]:
    file = folder / f"drill-{number}.bak"
    started = time.monotonic()
    done = flask(source, folder, "backup", "create", str(file))
    assert done.returncode == 0, output(done)
    return file, started, importer.poll() is None


def _markers(url: str) -> dict[str, int]:
    """marker -> number of answers of its response."""
    found = rows(url, "SELECT a.value, (SELECT count(*) FROM answer b WHERE b.response_id = a.response_id) "
                      "FROM answer a WHERE a.value LIKE 'simulacro-%'")
    return {marker: count for marker, count in found}


def test_backups_taken_under_load_restore_every_committed_row(databases, tmp_path):
    source = databases.new("drill")
    seed = seed_survey(source, invitations=scaled(240))
    # long enough that a backup (a process of its own, with the app to start) ends while it still runs
    people = scaled(60000)
    contacts = _contacts_file(tmp_path / "contactos.csv", people)
    env = app_env(source, tmp_path / "instance")
    server = Gunicorn(env, tmp_path / "gunicorn.log").start()
    backups: list[tuple[Path, float, bool]] = []  # file, when it started, the import still running after it
    try:
        with Respondents(server.port, seed.invitation_tokens) as respondents:
            time.sleep(1.0)  # some answers before the first backup
            importer = subprocess.Popen([str(FLASK), "--app", "wsgi", "contacts", "import", str(contacts)], cwd=ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
            try:
                while len(backups) < 3 and importer.poll() is None:  # back to back while the import runs
                    backups.append(_backup(source, tmp_path, len(backups), importer))
                imported, _ = importer.communicate(timeout=600)
            finally:
                stop_process(importer)
            assert importer.returncode == 0, imported[-2000:]
            backups.append(_backup(source, tmp_path, len(backups), importer))  # after it: all in
            time.sleep(0.5)
    finally:
        server.stop()
    # a backup whose snapshot was taken while the import was running (it was still running once it ended)
    assert any(running for _, _, running in backups), "the import ended before a backup did: make it larger"
    assert respondents.acknowledged, server.tail()
    in_source = _markers(source)
    assert set(respondents.acknowledged) <= set(in_source)

    for number, (file, started, _) in enumerate(backups):
        target = databases.empty(f"restored{number}")
        done = flask(target, tmp_path, "backup", "restore", str(file))
        assert done.returncode == 0, output(done)
        restored = _markers(target)
        committed_before = {m for m, at in respondents.acknowledged.items() if at < started}
        assert committed_before <= set(restored), f"backup {number} lost acknowledged answers"
        assert set(restored) <= set(in_source)
        assert all(count == ANSWER_ROWS for count in restored.values()), "a response without all its answers"
        imported_people = scalar(target, "SELECT count(*) FROM person_email WHERE address LIKE 'drill-import-%'")
        assert imported_people in (0, people), f"backup {number}: {imported_people} of {people} imported people"
        assert broken_foreign_keys(target) == []
        assert scalar(target, "SELECT version_num FROM alembic_version") == head_revision()
        check = flask(target, tmp_path, "db", "check")
        assert check.returncode == 0, output(check)
        print(f"backup {number}: {len(committed_before)} answers acknowledged before it, {len(restored)} restored, "
              f"{imported_people} of {people} imported people (import running after it: {backups[number][2]})")
    assert scalar(source, "SELECT count(*) FROM person_email WHERE address LIKE 'drill-import-%'") == people
