"""Web imports as background jobs (Huey): progress, ownership, failures, idempotency, clean-up."""

import copy
import io
import json
import os
import re
import time
from datetime import UTC, datetime

import pytest
from huey.storage import MemoryStorage
from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import Activity
from crm.imports import tasks as import_tasks
from crm.imports.jobs import Job, purge_uploads
from tests.conftest import login
from tests.factories import load_program, make_user

HEADER = "nombre,primer_apellido,correo,telefono,pais_residencia\n"
GOOD = HEADER + "Ana,Ruiz,ana.ruiz@example.org,,MX\nLuis,Mora,luis@example.org,(312) 555-2368,US\n"
LOCATION = re.compile(r"/importar/([^/]+)/revisar/([^/?]+)")


def post_file(client, kind, text, name="lista.csv", auto=True):
    data = {"file": (io.BytesIO(("\ufeff" + text).encode("utf-8")), name)}
    if auto:
        data["auto"] = "y"
    response = client.post(f"/importar/{kind}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return response


def token_of(response) -> str:
    return LOCATION.search(response.headers["Location"]).group(2)


def people() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def imports_audited(action="contacts.import") -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def contacts_file(rows: int) -> str:
    return HEADER + "".join(f"Persona{i},Apellido,persona{i}@example.org,,MX\n" for i in range(rows))


@pytest.fixture
def saves(monkeypatch):
    """Every state a job records, in order (progress recorded at each callback)."""
    monkeypatch.setattr(import_tasks, "SAVE_EVERY", 0)
    recorded = []
    original = Job.save

    def save(self, state):
        recorded.append(copy.deepcopy({k: state.get(k) for k in ("phase", "step", "done", "total", "rows")}))
        original(self, state)

    monkeypatch.setattr(Job, "save", save)
    return recorded


# --- the whole flow (immediate mode: the tasks run inside the requests) --------------------------


def test_upload_preview_confirm_and_result_on_the_same_page(client, login_as, _uploads_in_tmp):
    user = login_as("staff")
    response = post_file(client, "contactos", GOOD)
    assert "auto=0" not in response.headers["Location"]
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert "Refresh" not in page.headers  # validated already: nothing to refresh
    assert "Revisión de «lista.csv»" in text and "2 personas nuevas y 0 actualizadas" in text
    assert "Primeras filas del archivo (2 en total)" in text and "luis@example.org" in text
    assert people() == 0

    token = token_of(response)
    done = client.post("/importar/contactos/confirmar", data={"token": token})
    assert done.status_code == 302 and token in done.headers["Location"]
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Importación terminada: 2 personas nuevas y 0 actualizadas." in result
    assert 'href="/contactos"' in result and "Ver la lista de personas" in result
    assert people() == 2 and imports_audited() == 1
    job = Job(user.id, token)
    assert not job.upload.exists()  # the upload is deleted once imported; its state stays for the page
    assert job.load()["phase"] == "terminado"


def test_a_file_with_problems_lists_them_and_offers_the_report(client, login_as):
    login_as("staff")
    bad = HEADER + "Ana,Ruiz,ana.ruiz@,,MX\n"
    page = client.get(post_file(client, "contactos", bad).headers["Location"]).get_data(as_text=True)
    assert "El archivo tiene 1 problema. No se guardó nada." in page and "fila 2: correo" in page
    assert "Confirmar importación" not in page
    report = re.search(r'href="(/importar/contactos/revisar/[^"]+/problemas\.csv)"', page).group(1)
    assert "\r\n2,correo," in client.get(report).get_data(as_text=True)


def test_problems_recorded_as_lines_by_an_earlier_version_still_show(client, login_as):
    """A job's state written before problems were structured holds whole lines: page and report show them."""
    owner = login_as("staff").id
    bad = HEADER + "Ana,Ruiz,ana.ruiz@,,MX\n"
    location = post_file(client, "contactos", bad).headers["Location"]
    token = location.split("/revisar/")[1].split("?")[0]
    with client.application.app_context():
        job = Job.find(owner, token)
        state = job.load()
        job.save(dict(state, problems=["row 2: correo: «ana.ruiz@» no es un correo válido"]))
    page = client.get(location).get_data(as_text=True)
    assert "El archivo tiene 1 problema." in page and "row 2: correo: «ana.ruiz@» no es un correo válido" in page
    report = client.get(location.split("?")[0] + "/problemas.csv")
    assert report.status_code == 200
    assert ',,row 2: correo: «ana.ruiz@» no es un correo válido' in report.get_data(as_text=True)


# --- a real queue: the request returns before the work is done ----------------------------------


def test_the_upload_returns_at_once_and_the_page_shows_progress_until_the_worker_runs(app_with, tmp_path):
    from crm.core.tasks import huey

    with app_with(CRM_TASKS_IMMEDIATE=False, CRM_TASKS_URL="memory://") as app:
        app.instance_path = str(tmp_path / "queue-instance")
        assert not huey.immediate and isinstance(huey.storage, MemoryStorage)
        client = app.test_client()
        user = make_user(role="staff")
        login(client, user)

        response = post_file(client, "contactos", GOOD)
        assert huey.pending_count() == 1  # the validation waits for a worker
        page = client.get(response.headers["Location"])
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and page.headers["Refresh"] == "2"
        assert "En espera." in text and "<progress" in text and 'aria-live="polite"' in text
        assert 'for="barra-avance"' in text and ">Actualizar</a>" in text
        assert "Detener la actualización automática" in text
        quiet = client.get(response.headers["Location"] + "?auto=0")
        assert "Refresh" not in quiet.headers
        assert "Actualizar automáticamente cada 2 segundos" in quiet.get_data(as_text=True)

        huey.execute(huey.dequeue())  # the worker
        text = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "2 personas nuevas y 0 actualizadas" in text and "Confirmar importación" in text

        token = token_of(response)
        done = client.post("/importar/contactos/confirmar", data={"token": token})
        page = client.get(done.headers["Location"])
        assert "Importación de «lista.csv»" in page.get_data(as_text=True)
        assert page.headers["Refresh"] == "2" and people() == 0 and huey.pending_count() == 1
        assert client.post("/importar/contactos/confirmar", data={"token": token}).status_code == 302
        assert huey.pending_count() == 1  # confirming again enqueues nothing more

        huey.execute(huey.dequeue())
        page = client.get(done.headers["Location"])
        assert "Importación terminada: 2 personas nuevas" in page.get_data(as_text=True)
        assert "Refresh" not in page.headers
        assert people() == 2 and imports_audited() == 1


def test_what_the_worker_does_is_audited_with_the_confirming_request_address(app_with, tmp_path):
    from crm.core.tasks import huey

    with app_with(CRM_TASKS_IMMEDIATE=False, CRM_TASKS_URL="memory://") as app:
        app.instance_path = str(tmp_path / "queue-instance")
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
        login(client, make_user(role="staff"))
        response = post_file(client, "contactos", GOOD)
        huey.execute(huey.dequeue())
        client.post("/importar/contactos/confirmar", data={"token": token_of(response)})
        huey.execute(huey.dequeue())  # outside any request
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contacts.import")).all()
        assert [entry.ip for entry in entries] == ["10.1.2.3"]


def test_an_upload_without_automatic_refresh_keeps_it_off(app_with, tmp_path):
    from crm.core.tasks import huey

    with app_with(CRM_TASKS_IMMEDIATE=False, CRM_TASKS_URL="memory://") as app:
        app.instance_path = str(tmp_path / "queue-instance")
        client = app.test_client()
        login(client, make_user(role="staff"))
        response = post_file(client, "contactos", GOOD, auto=False)
        assert response.headers["Location"].endswith("?auto=0")
        assert "Refresh" not in client.get(response.headers["Location"]).headers
        huey.execute(huey.dequeue())
        done = client.post("/importar/contactos/confirmar", data={"token": token_of(response), "auto": "0"})
        assert done.headers["Location"].endswith("?auto=0")
        assert "Refresh" not in client.get(done.headers["Location"]).headers


# --- progress -------------------------------------------------------------------------------------


def test_contacts_record_rows_done_while_validating_and_writing(client, login_as, saves):
    login_as("staff")
    response = post_file(client, "contactos", contacts_file(2500))
    validating = [(s["done"], s["total"]) for s in saves if s["phase"] == "validando"]
    assert validating == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]
    assert [s["phase"] for s in saves][:2] == ["en cola", "leyendo"] and saves[-1]["phase"] == "revisado"

    saves.clear()
    client.post("/importar/contactos/confirmar", data={"token": token_of(response)})
    writing = [(s["done"], s["total"]) for s in saves if s["phase"] == "escribiendo"]
    assert writing[0] == (0, None)  # checking the rows again, then the database rows written
    total = writing[-1][1]
    assert total >= 2 * 2500 and writing[1] == (0, total) and writing[-1] == (total, total)
    assert [done for done, _ in writing[1:]] == sorted(done for done, _ in writing[1:]) and len(writing) > 3
    assert saves[-1]["phase"] == "terminado" and saves[-1]["done"] == total and people() == 2500


def test_activities_validate_by_phase_and_record_activities_written(client, login_as, saves):
    load_program(2025)
    login_as("staff")
    rows = "".join(f"2025-03-{1 + i % 28:02d},AI2.2,Taller de difusión {i}\n" for i in range(1500))
    response = post_file(client, "actividades", "fecha,accion,titulo\n" + rows)
    validating = [s for s in saves if s["phase"] == "validando"]
    assert validating and all(s["total"] is None and s["rows"] == 1500 for s in validating)  # phase only
    assert saves[-1]["phase"] == "revisado"

    saves.clear()
    client.post("/importar/actividades/confirmar", data={"token": token_of(response)})
    writing = [(s["done"], s["total"]) for s in saves if s["phase"] == "escribiendo"]
    assert writing == [(0, 1500), (1000, 1500), (1500, 1500)]
    assert db.session.scalar(select(func.count(Activity.id))) == 1500


def test_the_progress_page_of_a_phase_only_step_says_so(client, login_as):
    user = login_as("staff")
    response = post_file(client, "contactos", GOOD)
    job = Job(user.id, token_of(response))
    state = job.load()
    state.update(phase="validando", total=None, rows=40000)
    job.save(state)
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Revisando las 40,000 filas del archivo." in text and '<progress class="w-100" id="barra-avance" aria' in text
    state.update(phase="escribiendo", step="escritura", total=40000, done=12000)
    job.save(state)
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Guardando los registros:</strong> 12,000 de 40,000 (30 %)." in text
    assert 'max="40000" value="12000"' in text


# --- who may see a job ----------------------------------------------------------------------------


def test_a_job_of_another_user_is_not_found(app, client, login_as):
    login_as("staff")
    response = post_file(client, "contactos", HEADER + "Ana,Ruiz,ana.ruiz@,,MX\n")
    token = token_of(response)
    assert client.get(f"/importar/actividades/revisar/{token}").status_code == 404  # another kind's URL
    for role in ("staff", "admin"):
        client.post("/salir")
        login_as(role)
        assert client.get(f"/importar/contactos/revisar/{token}").status_code == 404
        assert client.get(f"/importar/contactos/revisar/{token}/problemas.csv").status_code == 404
        assert client.post("/importar/contactos/confirmar", data={"token": token}).status_code == 404
    assert client.get("/importar/contactos/revisar/..%2Fnada.csv").status_code == 404


# --- failures -------------------------------------------------------------------------------------


def test_a_write_that_fails_shows_it_and_writes_nothing(client, login_as, monkeypatch):
    login_as("staff")
    response = post_file(client, "contactos", GOOD)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("crm.core.audit.record", broken)  # fails inside the import's transaction
    done = client.post("/importar/contactos/confirmar", data={"token": token_of(response)})
    text = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "La importación falló." in text and "Ocurrió un error inesperado en el servidor y no se guardó nada" in text
    assert "Subir el archivo de nuevo" in text and "disk full" not in text
    assert people() == 0


def test_a_validation_that_fails_shows_it(client, login_as, monkeypatch):
    login_as("staff")

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("crm.contacts.imports.pipeline.import_contacts", broken)
    text = client.get(post_file(client, "contactos", GOOD).headers["Location"]).get_data(as_text=True)
    assert "La revisión falló." in text and "Ocurrió un error inesperado" in text
    assert "Confirmar importación" not in text


def test_an_upload_that_disappeared_says_so(client, login_as, app_with, tmp_path):
    from crm.core.tasks import huey

    with app_with(CRM_TASKS_IMMEDIATE=False, CRM_TASKS_URL="memory://") as app:
        app.instance_path = str(tmp_path / "queue-instance")
        other = app.test_client()
        user = make_user(role="staff")
        login(other, user)
        response = post_file(other, "contactos", GOOD)
        Job(user.id, token_of(response)).upload.unlink()
        huey.execute(huey.dequeue())
        text = other.get(response.headers["Location"]).get_data(as_text=True)
        assert "El archivo subido ya no está en el servidor" in text


# --- idempotency ----------------------------------------------------------------------------------


def test_confirming_twice_or_a_repeated_task_imports_once(client, login_as):
    from crm.imports.tasks import write_import

    user = login_as("staff")
    response = post_file(client, "contactos", GOOD)
    token = token_of(response)
    for _ in range(2):
        done = client.post("/importar/contactos/confirmar", data={"token": token})
        assert done.status_code == 302
    assert people() == 2 and imports_audited() == 1

    write_import(user.id, token)  # a retried task: the job is finished
    job = Job(user.id, token)
    state = job.load()
    state.update(phase="en cola", step="escritura")  # even if its state said it still had to be written
    job.save(state)
    write_import(user.id, token)  # the write was claimed once: nothing runs again
    assert people() == 2 and imports_audited() == 1


# --- clean-up -------------------------------------------------------------------------------------


def _job_files(folder, owner, token, age_seconds):
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{owner}-{token}", folder / f"{owner}-{token}.estado.json"]
    for path in paths:
        path.write_text("{}" if path.suffix == ".json" else "nombre\n")
        moment = time.time() - age_seconds
        os.utime(path, (moment, moment))
    return paths


def test_uploads_not_confirmed_are_purged_after_a_day(client, login_as, _uploads_in_tmp):
    login_as("staff")
    old = _job_files(_uploads_in_tmp, 7, "a" * 32 + ".csv", 25 * 3600)
    recent = _job_files(_uploads_in_tmp, 7, "b" * 32 + ".csv", 23 * 3600)
    stray = _uploads_in_tmp / "7-viejo.tmp"
    stray.write_text("x")
    os.utime(stray, (time.time() - 90000, time.time() - 90000))
    post_file(client, "contactos", GOOD)  # each upload purges first
    assert not any(p.exists() for p in old) and not stray.exists()
    assert all(p.exists() for p in recent)

    # the consumer's hourly task does the same
    assert purge_uploads(_uploads_in_tmp, now=time.time() + 2 * 3600) == 1
    assert not any(p.exists() for p in recent)
    old = _job_files(_uploads_in_tmp, 7, "c" * 32 + ".csv", 2 * 86400)
    import_tasks.purge_uploads_hourly.call_local()
    assert not any(p.exists() for p in old)
    assert len(list(_uploads_in_tmp.glob("*.estado.json"))) == 1  # today's upload stays


def test_a_job_recording_progress_is_not_purged(_uploads_in_tmp):
    paths = _job_files(_uploads_in_tmp, 3, "d" * 32 + ".xlsx", 3 * 86400)
    paths[1].write_text(json.dumps({"phase": "escribiendo"}))  # its state was just written
    assert purge_uploads(_uploads_in_tmp) == 0 and paths[0].exists()


def _age_state(job, **values):
    state = job.load()
    state.update(values)
    job.state_file.write_text(json.dumps(state))  # as if the worker had last written it then


def test_a_long_wait_and_an_interrupted_job_are_explained(client, login_as):
    user = login_as("staff")
    response = post_file(client, "contactos", GOOD)
    job = Job(user.id, token_of(response))
    _age_state(job, phase="en cola", step="escritura", updated="2020-01-01T00:00:00+00:00")
    text = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "es posible que el proceso de tareas en segundo plano no esté en marcha" in text

    _age_state(job, phase="escribiendo", updated="2020-01-01T00:00:00+00:00")
    page = client.get(response.headers["Location"])
    text = page.get_data(as_text=True)
    assert "La importación falló." in text and "El proceso se interrumpió en el servidor" in text
    assert "Refresh" not in page.headers

    _age_state(job, phase="escribiendo", updated=datetime.now(UTC).isoformat())
    assert "Guardando los registros" in client.get(response.headers["Location"]).get_data(as_text=True)
