"""Shared pieces of the benchmarks: a migrated schema, the app, timing, memory, output, PostgreSQL, ports.

Every benchmark prints, per measured pair, one line `name platform floor ratio` and one JSON line
(`{"name": ..., "platform": ..., "floor": ..., "ratio": ..., "unit": ..., ...}`); bench/__main__.py reads
the JSON lines back for its summary. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = ROOT / ".venv" / "bin"
PG_SCRIPT = ROOT / "scripts" / "pg-test-server"


def note(message: str) -> None:
    """Progress and notes go to stderr; stdout holds only result lines."""
    print(f"# {message}", file=sys.stderr, flush=True)


# --- the application and its schema --------------------------------------------------------------


def make_app(url: str, **overrides):
    """The real application factory with the test configuration (CSRF and rate limits off: no HTTP here)."""
    import config
    from crm.app import create_app

    return create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url, CRM_TIMEZONE="America/Mexico_City",
                      **overrides)


def migrate(url: str) -> None:
    """Builds the schema with the real migrations (Flask-Migrate's upgrade), as tests/conftest.py does."""
    from crm.core.extensions import db
    from crm.operations.migrations import upgrade

    app = make_app(url)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


class SqliteSchema:
    """Migrates once into a template file; `fresh(name)` copies it (a fresh database costs a file copy)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.template = self.folder / "template.db"
        migrate(f"sqlite:///{self.template}")

    def fresh(self, name: str) -> Path:
        path = self.folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, path)
        return path


def reset_postgres(url: str) -> None:
    """Empties a PostgreSQL database (drop and recreate the public schema) and migrates it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    migrate(url)


# --- timing, memory, output -----------------------------------------------------------------------


def timed(function: Callable, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def timed_cpu(function: Callable, *args, **kwargs) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds of this process, result): CPU time is the figure that survives a busy machine."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, time.process_time() - cpu, result


def median(values) -> float:
    return statistics.median(values)


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident memory now."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_rss_mb()


def result(name: str, platform: float, floor: float, unit: str, *, higher_is_better: bool, **extra) -> dict:
    """Prints `name platform floor ratio` and the JSON line; returns the record.

    ratio = platform / floor in both cases: for throughputs (higher is better) it is the share of the
    floor's rate the platform reaches; for times it is how many times longer the platform takes.
    """
    ratio = platform / floor if floor else float("inf")
    record = {"name": name, "platform": round(platform, 4), "floor": round(floor, 4), "ratio": round(ratio, 3),
              "unit": unit, "higher_is_better": higher_is_better, **extra,
              "loadavg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    print(f"{name} {_fmt(platform)} {_fmt(floor)} {ratio:.2f}", flush=True)
    print(json.dumps(record, ensure_ascii=False, default=str), flush=True)
    return record


def skipped(name: str, reason: str) -> dict:
    record = {"name": name, "skipped": reason}
    print(f"{name} skipped: {reason}", flush=True)
    print(json.dumps(record, ensure_ascii=False), flush=True)
    return record


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


# --- processes and ports -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode} before listening")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM (gunicorn: graceful stop), then SIGKILL if it lingers. Only the process we started."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- PostgreSQL ------------------------------------------------------------------------------------


def postgres_available() -> str | None:
    """None when the PostgreSQL server binaries are installed; else why not."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").exists() else []
    if not bins:
        return "PostgreSQL binaries are missing (apt-get install -y postgresql)"
    return None


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway cluster via scripts/pg-test-server on a free port in its own folder; stopped and removed after."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="vinculo-bench-pg-"))
    folder.chmod(0o755)  # the server runs as the postgres user: it must reach its data folder inside
    env = dict(os.environ, PG_TEST_DIR=str(folder / "pg"))
    try:
        completed = subprocess.run([str(PG_SCRIPT), "start", str(port)], env=env, capture_output=True, text=True,
                                   timeout=120)
        if completed.returncode != 0:
            raise RuntimeError(f"pg-test-server start failed: {completed.stderr.strip() or completed.stdout.strip()}")
        url = completed.stdout.strip().splitlines()[-1]
        note(f"PostgreSQL on 127.0.0.1:{port} ({folder})")
        yield url
    finally:
        subprocess.run([str(PG_SCRIPT), "stop"], env=env, capture_output=True, text=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


# --- names for generated people --------------------------------------------------------------------

GIVEN_NAMES = (
    "José", "María", "Juan", "Guadalupe", "Francisco", "Ana", "Luis", "Sofía", "Jesús", "Verónica", "Andrés",
    "Mónica", "Óscar", "Lucía", "Héctor", "Patricia", "Raúl", "Rocío", "Iván", "Inés", "Martín", "Itzel",
    "Ramón", "Ximena", "Adrián", "Begoña", "Joaquín", "Noemí", "Rubén", "Zoé", "Claire", "John", "Fatima",
    "Miguel Ángel", "Ana Lucía", "Juan Pablo", "María José", "Efraín", "Citlali", "Yolotl",
)
SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz",
    "Flores", "Gómez", "Morales", "Vázquez", "Jiménez", "Reyes", "Díaz", "Torres", "Gutiérrez", "Ruiz",
    "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera",
    "Juárez", "Domínguez", "Núñez", "Muñoz", "Peña", "Ibáñez", "Téllez", "Xicoténcatl", "Dubois", "Smith",
)
DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "iecm.mx", "unam.mx", "ine.mx", "example.org")


def ascii_slug(text: str) -> str:
    from crm.core.text import fold

    return "".join(ch for ch in fold(text) if ch.isalnum())


def mx_mobile(rng) -> str:
    """A valid Mexico City number written as people write it (55 XXXX XXXX)."""
    digits = f"{rng.randrange(2000_0000, 9999_9999):08d}"
    return f"55 {digits[:4]} {digits[4:]}"
