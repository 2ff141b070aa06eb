"""Wrong or missing configuration fails at start with one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_flask(env_overrides: dict, *args: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update({"CRM_INSTANCE_PATH": str(tmp_path / "instance")}, **env_overrides)
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.run([flask, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("url, expected", [
    ("no-es-una-url", "DATABASE_URL no es una URL"),
    ("mysql://u@localhost/x", "se admiten sqlite y postgresql"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/nada", "no se pudo conectar a la base de datos"),
    ("sqlite:////carpeta/que/no/existe/x.db", "la carpeta de la base SQLite no existe"),
])
def test_bad_database_url_fails_with_one_line(tmp_path, url, expected):
    result = run_flask({"DATABASE_URL": url}, "db", "upgrade", tmp_path=tmp_path)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0
    assert "Traceback" not in output
    assert expected in output
    assert len(output.splitlines()) == 1, output


def test_bad_timezone_fails_with_one_line(tmp_path):
    result = run_flask({"CRM_TIMEZONE": "Mars/Olympus", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"},
                       "db", "upgrade", tmp_path=tmp_path)
    output = (result.stdout + result.stderr).strip()
    assert result.returncode != 0 and "Traceback" not in output and "CRM_TIMEZONE" in output


def test_default_database_and_secret_key_live_in_the_instance_folder(tmp_path):
    result = run_flask({}, "db", "upgrade", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    instance = tmp_path / "instance"
    assert (instance / "vinculo.db").exists()
    key = (instance / "secret_key").read_text()
    assert len(key) >= 64
    assert oct((instance / "secret_key").stat().st_mode)[-3:] == "600"
    # kept, not regenerated
    run_flask({}, "db", "check", tmp_path=tmp_path)
    assert (instance / "secret_key").read_text() == key


def test_secret_key_is_not_a_constant_in_code():
    from config import Config

    assert Config.SECRET_KEY is None or Config.SECRET_KEY == os.environ.get("SECRET_KEY")


def test_trusted_proxy_gives_the_clients_address_to_audit_and_limits(app_with):
    from sqlalchemy import select

    from crm.core.audit import AuditEntry
    from crm.core.extensions import db

    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.7")):
        with app_with(CRM_PROXIES=proxies) as app:
            client = app.test_client()
            client.post("/acceso", data={"email": "nadie@iecm.mx", "password": "x" * 12},
                        headers={"X-Forwarded-For": "203.0.113.7"})
            assert db.session.scalar(select(AuditEntry.ip).order_by(AuditEntry.id.desc())) == expected


def test_sqlite_busy_timeout_comes_from_the_configuration(tmp_path, monkeypatch):
    from sqlalchemy import text

    from config import Config
    from crm.app import create_app
    from crm.core.extensions import db

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/busy.db")
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path / "instance"))

    class Busy(Config):
        CRM_SQLITE_BUSY_SECONDS = 7.5
        CRM_CHECK_DATABASE_AT_START = False
        SECRET_KEY = "x" * 32  # noqa: S105 (test)

    app = create_app(Busy)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 7500
        db.engine.dispose()


def test_the_database_check_at_start_works_for_a_second_app(tmp_path, monkeypatch):
    """crm.core.text (a submodule) once shadowed sqlalchemy's `text` in the factory's namespace."""
    import crm.core.text  # noqa: F401
    from config import Config
    from crm.app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/twice.db")
    monkeypatch.setenv("CRM_INSTANCE_PATH", str(tmp_path / "instance"))
    for _ in range(2):
        app = create_app(Config, CRM_CHECK_DATABASE_AT_START=True, SECRET_KEY="x" * 32)
        with app.app_context():
            from crm.core.extensions import db

            db.engine.dispose()
