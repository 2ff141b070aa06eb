"""The task queue's configuration (crm/core/tasks.py)."""

import pytest
from huey import Huey
from huey.storage import MemoryStorage, SqliteStorage

from crm.core import tasks


def test_the_default_queue_is_a_sqlite_file_in_the_instance_folder_created_on_first_use(tmp_path):
    storage_class, kwargs = tasks.storage_settings("", tmp_path / "instance")
    assert issubclass(storage_class, SqliteStorage)
    assert kwargs == {"filename": str(tmp_path / "instance" / "tasks.db")}
    queue = Huey("prueba", results=False, storage_class=storage_class, **kwargs)
    assert not (tmp_path / "instance").exists()  # nothing is created by merely configuring
    queue.put("clave", {"a": 1})
    assert queue.get("clave", peek=True) == {"a": 1}
    assert (tmp_path / "instance" / "tasks.db").exists()
    queue.storage.close()


def test_other_queue_addresses(tmp_path):
    assert tasks.storage_settings(f"sqlite:///{tmp_path}/q.db", tmp_path)[1] == {"filename": f"{tmp_path}/q.db"}
    assert tasks.storage_settings("memory://", tmp_path) == (MemoryStorage, {})
    with pytest.raises(SystemExit, match="CRM_TASKS_URL no es una dirección de cola reconocida"):
        tasks.storage_settings("amqp://cola", tmp_path)
    try:
        import redis  # noqa: F401
    except ImportError:
        with pytest.raises(SystemExit, match="falta el paquete «redis»"):
            tasks.storage_settings("redis://127.0.0.1:6379/0", tmp_path)


def test_tests_run_tasks_immediately_in_memory(app):
    assert tasks.huey.immediate and isinstance(tasks.huey.storage, MemoryStorage)
    names = {name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1] for name in tasks.huey._registry._registry}
    assert {"importar.revisar", "importar.escribir", "importar.limpiar"} <= names


def test_the_worker_command_refuses_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["tasks", "worker"])
    assert result.exit_code == 1 and "CRM_TASKS_IMMEDIATE" in result.output
