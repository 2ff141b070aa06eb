"""PostgreSQL: dump, load, emptiness and wipe with the server's own tools (pg_dump, pg_restore, psql).

- A dump is `pg_dump --format=custom`: one repeatable-read snapshot, so it is consistent while the app runs.
- A load turns the whole dump into SQL (`pg_restore --file=<private temporary file>`), and only if that
  succeeds runs it with `psql --single-transaction -v ON_ERROR_STOP=1`, after `DROP SCHEMA public CASCADE;
  CREATE SCHEMA public` when the target must be wiped first: everything in one transaction, so on any error
  (a truncated or damaged backup included) the target is left as it was. The SQL file needs free space in the
  temporary folder about the size of the uncompressed data.
- The binaries: those of the server's major version in /usr/lib/postgresql/N/bin (Debian), else the ones on
  PATH, else the newest installed; pg_dump older than the server is refused with a clear message.
- Programs run without a shell, from the paths found below, with our own file paths as arguments.
- The connection goes through the environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD...): the
  password never appears on a command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from crm.operations.backup.formats import BackupError

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
WIPE = ("DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")
_PASSED_ON = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
              "application_name": "PGAPPNAME", "options": "PGOPTIONS"}


def connection_env(url: str) -> dict[str, str]:
    """The libpq environment for a SQLAlchemy URL (the process's own PG* variables are dropped)."""
    parsed = make_url(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    query = {key: (value[0] if isinstance(value, tuple) else value) for key, value in parsed.query.items()}
    host = query.get("host") or parsed.host
    values = {"PGHOST": host, "PGPORT": parsed.port, "PGUSER": parsed.username, "PGDATABASE": parsed.database,
              "PGPASSWORD": parsed.password, "PGCONNECT_TIMEOUT": "10"}
    for key, variable in _PASSED_ON.items():
        if query.get(key):
            values[variable] = query[key]
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    return env


def server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SHOW server_version_num")).scalar()) // 10000


def _version(binary: Path) -> int | None:
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)  # noqa: S603
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", done.stdout)
    return int(match.group(1)) if match else None


def find_binary(name: str, major: int) -> tuple[Path, int]:
    """The `name` program to use with a server of version `major`, and its own major version."""
    candidates = [DEBIAN_BINARIES / str(major) / "bin" / name]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    installed = sorted(DEBIAN_BINARIES.glob(f"*/bin/{name}"), reverse=True,
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    candidates.extend(installed)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            version = _version(candidate)
            if version is not None and version >= major:
                return candidate, version
    found = [f"{c} ({_version(c)})" for c in candidates if c.is_file()]
    if found:
        raise BackupError(f"{name} es más antiguo que el servidor PostgreSQL {major}: {', '.join(found)}; "
                          f"instale postgresql-client-{major}")
    raise BackupError(f"no se encontró el programa {name} (ni en PATH ni en {DEBIAN_BINARIES}/*/bin); "
                      f"instale postgresql-client-{major}")


def _reason(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return (errors or lines or ["sin detalle"])[0][:400]


def dump(engine: Engine, url: str, destination: Path) -> None:
    binary, _ = find_binary("pg_dump", server_major(engine))
    done = subprocess.run([str(binary), "--format=custom", "--no-password", f"--file={destination}"],  # noqa: S603
                          env=connection_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump no pudo hacer el respaldo: {_reason(done.stderr)}")


def is_empty(engine: Engine) -> bool:
    """No table, view or sequence outside the system schemas (an extension alone does not count)."""
    with engine.connect() as connection:
        count = connection.execute(sa.text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', "
            "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
            "AND d.objid = c.oid AND d.deptype = 'e')")).scalar()
    return count == 0


def _private_file(folder: Path, name: str, text: str = "") -> Path:
    path = folder / name
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(text)
    return path


def load(engine: Engine, backup: Path, work_folder: Path, wipe: bool = False) -> None:
    """Load a custom-format dump into the engine's database in one transaction (wiping `public` first).

    The whole dump is turned into SQL first, into a private file (it holds personal data: folder 0700, file
    0600, deleted afterwards); only when pg_restore has read all of it without error does psql run it. Piping
    one into the other would not do: when pg_restore dies mid-stream (a truncated or damaged file), psql sees
    the end of its input, possibly inside a COPY, and commits what it got."""
    major = server_major(engine)
    restore, _ = find_binary("pg_restore", major)
    psql, _ = find_binary("psql", major)
    url = engine.url.render_as_string(hide_password=False)
    private = Path(tempfile.mkdtemp(prefix="vinculo-load-", dir=work_folder))
    try:
        preamble = _private_file(private, "preamble.sql",
                                 "".join(f"{statement};\n" for statement in WIPE) if wipe else "")
        script = _private_file(private, "restore.sql")
        produced = subprocess.run([str(restore), "--no-owner", "--no-privileges", "--exit-on-error",  # noqa: S603
                                   f"--file={script}", str(backup)], capture_output=True, text=True)
        problems = [line for line in produced.stderr.splitlines() if "error" in line.lower()]
        if produced.returncode != 0 or problems:
            raise BackupError(f"pg_restore no pudo leer el respaldo, que está incompleto o dañado ({restore}); "
                              f"la base de destino quedó como estaba: {_reason(produced.stderr)}")
        engine.dispose()  # our own idle connections would hold locks on what the wipe drops
        consumer = subprocess.run([str(psql), "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1",  # noqa: S603
                                   "--single-transaction", "-f", str(preamble), "-f", str(script)],
                                  stdin=subprocess.DEVNULL, env=connection_env(url), capture_output=True, text=True)
        if consumer.returncode != 0:
            raise BackupError(f"no se cargó el respaldo (la base de destino quedó como estaba): "
                              f"{_reason(consumer.stderr)}")
    finally:
        shutil.rmtree(private, ignore_errors=True)


def wipe(engine: Engine) -> None:
    """Make the database empty again (a failed restore into an empty database)."""
    engine.dispose()
    with engine.begin() as connection:
        for statement in WIPE:
            connection.execute(sa.text(statement))
    engine.dispose()
