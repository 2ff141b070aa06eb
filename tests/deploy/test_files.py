"""The deployment files agree with the code and with each other: the environment file lists every setting,
gunicorn takes its address from it and nginx proxies to that address, the upload limits match, the systemd
units are valid and run commands that exist, and every command the guide names exists."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.conftest import missing_dependency
from tests.reliability.harness import GUNICORN, ROOT

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "vinculo.env.example"
SITE = DEPLOY / "nginx" / "vinculo.conf"
UNITS = DEPLOY / "systemd"
GUIDE = ROOT / "docs" / "deploy.md"

# Read from the process environment by the code (not the WSGI environ, which also has .get).
SETTING = re.compile(r'(?:os\.environ\.get|os\.environ\[|os\.getenv|_bool|_int|_float_env)\(?\s*"([A-Z][A-Z0-9_]+)"')
NOT_SETTINGS = {"CRM_PASSWORD"}  # the password of `users create`, typed at the prompt, never kept in a file


def _code_settings() -> set[str]:
    files = [ROOT / "config.py", ROOT / "gunicorn.conf.py", ROOT / "wsgi.py",
             *(ROOT / "crm").rglob("*.py"), *(ROOT / "surveys").rglob("*.py")]
    return {name for path in files for name in SETTING.findall(path.read_text(encoding="utf-8"))} - NOT_SETTINGS


def _example_settings() -> dict[str, str]:
    """NAME -> value of every `NAME=value` line, commented (`#NAME=`) or not."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"#?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            found.setdefault(match.group(1), match.group(2).strip().strip('"'))
    return found


def _example_environment() -> dict[str, str]:
    """The uncommented settings, as systemd's EnvironmentFile= would set them."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Z][A-Z0-9_]+)=(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2).strip().strip('"')
    return values


def test_the_environment_file_lists_every_setting_and_no_other():
    code, example = _code_settings(), set(_example_settings())
    assert len(code) > 30, sorted(code)  # the scan finds the settings at all
    assert not code - example, f"settings missing from {ENV_EXAMPLE.name}: {sorted(code - example)}"
    assert not example - code, f"{ENV_EXAMPLE.name} names settings the code does not read: {sorted(example - code)}"


def test_the_environment_file_is_production_ready():
    env = _example_environment()
    assert env["SESSION_COOKIE_SECURE"] == "true" and env["CRM_PROXIES"] == "1"
    assert env["CRM_BASE_URL"].startswith("https://")
    assert "CRM_TASKS_IMMEDIATE" not in env and "CRM_TASKS_IN_PROCESS" not in env


def test_gunicorn_binds_where_nginx_proxies(tmp_path):
    """gunicorn.conf.py reads the environment file's CRM_BIND, and the site's upstream is that address.
    (`--print-config` loads the application too: on a SQLite file here instead of the example's server.)"""
    env = {"PATH": "/usr/bin:/bin", **_example_environment(), "DATABASE_URL": f"sqlite:///{tmp_path}/print.db",
           "CRM_INSTANCE_PATH": str(tmp_path / "instance")}
    done = subprocess.run([str(GUNICORN), "--print-config", "wsgi:app"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    bind = re.search(r"^bind\s*=\s*(.*)$", done.stdout, re.M).group(1)
    assert bind == f"['{env['CRM_BIND']}']", bind
    upstream = re.search(r"upstream vinculo_app \{[^}]*?server (\S+);", SITE.read_text(encoding="utf-8")).group(1)
    assert upstream == env["CRM_BIND"]


def test_nginx_takes_a_little_more_than_the_application_allows():
    """client_max_body_size is CRM_MAX_UPLOAD_MB plus 1 MB: an upload over the limit gets the application's
    own page (tests/deploy/test_nginx.py sends one), and nginx still stops anything far larger."""
    default_mb = int(re.search(r'"CRM_MAX_UPLOAD_MB"\) or (\d+)', (ROOT / "config.py").read_text()).group(1))
    assert _example_settings()["CRM_MAX_UPLOAD_MB"] == str(default_mb)
    site_mb = int(re.search(r"client_max_body_size (\d+)m;", SITE.read_text(encoding="utf-8")).group(1))
    assert site_mb == default_mb + 1


def test_systemd_units_are_valid_and_run_existing_commands(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        missing_dependency("systemd-analyze is missing (Debian: apt-get install systemd)")
    for unit in ("vinculo-web.service", "vinculo-worker.service"):
        text = (UNITS / unit).read_text(encoding="utf-8")
        assert "WorkingDirectory=/srv/vinculo\n" in text and "EnvironmentFile=/etc/vinculo.env\n" in text
        # the checkout and the environment file of this machine in place of the production ones
        (tmp_path / unit).write_text(text.replace("/etc/vinculo.env", str(ENV_EXAMPLE)).replace("/srv/vinculo",
                                                                                                str(ROOT)))
    done = subprocess.run([analyze, "verify", *(str(tmp_path / u) for u in ("vinculo-web.service",
                                                                            "vinculo-worker.service"))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    web = (UNITS / "vinculo-web.service").read_text(encoding="utf-8")
    assert "ExecStart=/srv/vinculo/.venv/bin/gunicorn wsgi:app\n" in web  # gunicorn.conf.py decides the rest


def test_the_command_wrapper_runs_flask_with_the_environment_file(tmp_path):
    """deploy/vinculo-flask: the environment file read as the units read it, the command run in the
    checkout (here as the current user, on a SQLite file of the test's own)."""
    import getpass
    import os

    env_file = tmp_path / "vinculo.env"
    env_file.write_text(f"DATABASE_URL=sqlite:///{tmp_path}/vinculo.db\nCRM_INSTANCE_PATH={tmp_path}/instance\n"
                        'CRM_LOGIN_LIMIT="5 per minute;30 per hour"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CRM_INSTANCE_PATH")}
    env.update(VINCULO_USER=getpass.getuser(), VINCULO_HOME=str(ROOT), VINCULO_ENV=str(env_file))
    done = subprocess.run([str(DEPLOY / "vinculo-flask"), "db", "upgrade"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "vinculo.db").stat().st_size > 0
    sourced = subprocess.run(["sh", "-c", f'set -a; . "{ENV_EXAMPLE}"; printf "%s|%s" "$CRM_BIND" "$CRM_PROXIES"'],
                             capture_output=True, text=True, timeout=30)
    assert sourced.stdout == "127.0.0.1:8000|1", sourced  # the example reads the same in sh as in systemd


def _guide_commands() -> set[tuple[str, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    return set(re.findall(r"(?:flask --app wsgi|vinculo-flask) ([a-z][a-z-]*) ([a-z][a-z-]*)", text))


def test_every_command_of_the_guide_and_the_worker_unit_exists(app):
    commands = _guide_commands()
    assert {("db", "upgrade"), ("users", "create"), ("tasks", "worker"), ("backup", "create"),
            ("backup", "restore")} <= commands, sorted(commands)
    worker = (UNITS / "vinculo-worker.service").read_text(encoding="utf-8")
    assert "ExecStart=/srv/vinculo/.venv/bin/flask --app wsgi tasks worker" in worker
    runner = app.test_cli_runner()
    for group, command in sorted(commands):
        result = runner.invoke(args=[group, command, "--help"])
        assert result.exit_code == 0, f"`flask --app wsgi {group} {command}` does not exist:\n{result.output}"
