"""Benchmark: the respondent page under load (gunicorn, 50 clients), against a bare Flask insert endpoint.

    .venv/bin/python -m bench.submissions                       # 3 x 30 s per side, SQLite and PostgreSQL
    .venv/bin/python -m bench.submissions --quick               # 1 x 5 s per side
    .venv/bin/python -m bench.submissions --databases sqlite

For each database (SQLite in WAL mode; PostgreSQL through scripts/pg-test-server on a free port, skipped
with a note when its binaries are missing), on 127.0.0.1 only:

1. builds the schema with the real migrations and one open survey of eight questions (three required
   select_one, a select_multiple, integer, decimal, date, text);
2. platform: `gunicorn -c gunicorn.conf.py -w 2 -b 127.0.0.1:PORT wsgi:app` (the project's server settings:
   gevent workers, bodies buffered; the production configuration: CSRF on, rate limits on). One GET of the open link gives a session cookie and its CSRF token; wrk
   (one thread, 50 concurrent clients, --latency; each POST on its own connection, as from a phone or
   through nginx, unless --keep-alive) then POSTs the filled form with that cookie and token, each
   request with its own submission key (`_clave`, as each rendered form carries one), so every request
   goes through token look-up, language, idempotency check, availability, form build, validation of
   every answer, CSRF check and the insert of the response and its answers;
3. floor: a bare Flask app (this module's `floor_app()`) in the same gunicorn configuration (the same
   gunicorn.conf.py, worker class and worker count), parsing the
   same form body and inserting one row per request (the response row) into the same database with the
   raw driver (sqlite3 with the platform's pragmas, or psycopg), answering 303 as the platform does;
4. zero lost: every response wrk counted as accepted (2xx/3xx) must be in the database, with all its
   answers (responses are counted by their submission-key prefix; a request still in flight when wrk stops
   may be stored without being counted, never the reverse).

Platform and floor runs alternate (--runs, default 3; each run on a freshly started server) and the
medians are reported. Each load run is bounded by its duration (-d) and by a request cap in the Lua script
(thread:stop()), and every server started here is stopped in a finally block. Output per database:
`submissions_<db> <platform req/s> <floor req/s> <ratio>` and a JSON line with p50/p99 latencies and counts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from http.cookiejar import CookieJar
from pathlib import Path

from bench import logic_form
from bench.common import (
    ROOT,
    VENV_BIN,
    SqliteSchema,
    free_port,
    make_app,
    note,
    postgres_available,
    postgres_server,
    reset_postgres,
    result,
    skipped,
    stop_process,
    wait_for_port,
)

TOKEN = "bench-open-link-2025"
CONNECTIONS = 50
# Election day: hundreds of phones, each sending its form once. By default each POST comes on its own
# connection (`Connection: close`), as from a phone, or through nginx (which opens a connection to gunicorn
# per request). --keep-alive keeps 50 connections busy instead (each a client posting over and over), which
# pins every connection to the gevent worker that accepted it.
KEEP_ALIVE = False
WORKERS = 2  # one per core; gunicorn.conf.py's worker class (gevent) for the platform and the floor alike
REQUEST_CAP_PER_SECOND = 20_000  # far above what two cores serve: the duration ends the run, the cap bounds it
ANSWERS = [("q_satisfaccion", "buena"), ("q_organizacion", "si"), ("q_recomendaria", "si"),
           ("q_temas", "participacion"), ("q_temas", "inclusion"), ("q_edad", "34"), ("q_horas", "2.5"),
           ("q_fecha_asistencia", "2025-06-01"), ("q_comentario", "Todo muy bien organizado, gracias.")]
ANSWER_ROWS = 9  # one per answer above (the select_multiple stores one row per chosen option)
FORM = "plain"  # or "logic": bench.logic_form's 40 questions with skip logic, constraints, filters, calculations

LUA = """
local counter = 0
local limit = {limit}
local prefix = "{prefix}"
local body = "{body}"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{cookie}"
{connection}
request = function()
  counter = counter + 1
  if counter > limit then
    wrk.thread:stop()
  end
  return wrk.format(nil, nil, nil, body .. "&_clave=" .. prefix .. string.format("%010d", counter))
end

done = function(summary, latency, requests)
  local out = io.open("{out}", "w")
  out:write(string.format(
    '{{"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, "read_errors": %d, '
    .. '"write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"mean_us": %.1f}}',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
  out:close()
end
"""


# --- the floor: a bare Flask endpoint inserting one row ---------------------------------------------


def floor_app():
    """gunicorn 'bench.submissions:floor_app()': POST /r/<token> parses the form, inserts one response row."""
    import datetime as dt

    from flask import Flask, redirect, request

    url = os.environ["DATABASE_URL"]
    survey_id = int(os.environ["BENCH_SURVEY_ID"])
    app = Flask("vinculo_floor")
    state: dict = {}

    if url.startswith("sqlite"):
        import sqlite3

        path = url.split("sqlite:///", 1)[1]
        sql = ("INSERT INTO response (survey_id, anonymous, submitted_at, language, channel, submission_key) "
               "VALUES (?, 0, ?, ?, 'web', ?)")

        def connection():
            if "db" not in state:  # one per worker, opened after the fork
                db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
                for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                    db.execute(f"PRAGMA {pragma}")
                state["db"] = db
            return state["db"]

        def now():
            return dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    else:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        sql = ("INSERT INTO response (survey_id, anonymous, submitted_at, language, channel, submission_key) "
               "VALUES (%s, false, %s, %s, 'web', %s)")

        def connection():
            if "db" not in state:
                state["db"] = psycopg.connect(dsn, autocommit=True)
            return state["db"]

        def now():
            return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    @app.post("/r/<token>")
    def submit(token: str):
        form = request.form
        connection().execute(sql, (survey_id, now(), form.get("_lang") or "es", form.get("_clave")))
        return redirect(f"/r/{token}/gracias", code=303)

    return app


# --- setup -------------------------------------------------------------------------------------------


def create_logic_survey(url: str, folder: Path) -> int:
    """The 40-question logic-heavy form of bench.logic_form, read from its workbook as an import would."""
    from crm.core.extensions import db
    from surveys.services import create_survey as store_definition
    from surveys.xlsform.reader import read_xlsform

    app = make_app(url)
    with app.app_context():
        definition = read_xlsform(logic_form.write_workbook(folder / "logic_form.xlsx")).definition
        survey = store_definition(definition, year=2025)
        survey.open_token, survey.state, survey.open_link_limited = TOKEN, "open", False
        db.session.commit()
        survey_id = survey.id
        db.session.remove()
        db.engine.dispose()
    return survey_id


def create_survey(url: str, folder: Path | None = None) -> int:
    from crm.core.extensions import db
    from surveys.models import Choice, Question, Survey

    if FORM == "logic":
        return create_logic_survey(url, folder)
    app = make_app(url)
    with app.app_context():
        survey = Survey(code="bench_submissions", form_id="bench_submissions", title="Jornada de observación",
                        titles={"es": "Jornada de observación", "en": "Observation day"},
                        open_token=TOKEN, state="open", languages=["es", "en"], year=2025,
                        # one browser (one cookie) posts every form here: the open-link limit, on by default,
                        # would answer all but the first with "already answered" (surveys.respond.open_limits)
                        open_link_limited=False)
        specs = [("select_one", "satisfaccion", ["muy_buena", "buena", "regular", "mala"], True),
                 ("select_one", "organizacion", ["si", "no", "no_se"], True),
                 ("select_one", "recomendaria", ["si", "no"], True),
                 ("select_multiple", "temas", ["participacion", "transparencia", "inclusion", "seguridad"], False),
                 ("integer", "edad", [], False), ("decimal", "horas", [], False),
                 ("date", "fecha_asistencia", [], False), ("text", "comentario", [], False)]
        for position, (qtype, name, choices, required) in enumerate(specs):
            question = Question(position=position, type=qtype, name=name, required=required,
                                labels={"es": name.replace("_", " ").capitalize(), "en": name})
            for cpos, cname in enumerate(choices):
                question.choices.append(Choice(position=cpos, name=cname, labels={"es": cname, "en": cname}))
            survey.questions.append(question)
        db.session.add(survey)
        db.session.commit()
        survey_id = survey.id
        db.session.remove()
        db.engine.dispose()
    return survey_id


def count_stored(url: str, prefix: str) -> tuple[int, int]:
    """(responses, answers) stored under a submission-key prefix."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            responses = connection.execute(text("SELECT count(*) FROM response WHERE submission_key LIKE :p"),
                                           {"p": prefix + "%"}).scalar_one()
            answers = connection.execute(text(
                "SELECT count(*) FROM answer a JOIN response r ON r.id = a.response_id "
                "WHERE r.submission_key LIKE :p"), {"p": prefix + "%"}).scalar_one()
    finally:
        engine.dispose()
    return responses, answers


class Server:
    """gunicorn with the project's gunicorn.conf.py (its worker class), WORKERS workers, on 127.0.0.1:port;
    stopped by stop() (callers use try/finally)."""

    def __init__(self, app_spec: str, env: dict, log: Path):
        self.port = free_port()
        self.log = log
        self._log_handle = log.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(WORKERS),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "--access-logfile", "/dev/null",
             "--timeout", "60", app_spec],
            cwd=ROOT, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, self.process)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process)
        self._log_handle.close()

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def form_session(port: int) -> tuple[str, str]:
    """GET the open link like a browser: the session cookie and the form's CSRF token."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"http://127.0.0.1:{port}/r/{TOKEN}", timeout=30) as response:
        html = response.read().decode()
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match or not re.search(r'name="_clave" value="[A-Za-z0-9_-]{16,64}"', html):
        raise SystemExit("submissions: the form has no csrf_token or _clave field")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise SystemExit("submissions: the form page set no session cookie")
    return cookie, match.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_once(port: int, cookie: str, body: str) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/r/{TOKEN}", data=body.encode(), method="POST",
                                     headers={"Cookie": cookie,
                                              "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def run_wrk(port: int, cookie: str, body: str, prefix: str, seconds: int, folder: Path, tag: str) -> dict:
    out = folder / f"wrk-{tag}.json"
    script = folder / f"wrk-{tag}.lua"
    limit = REQUEST_CAP_PER_SECOND * seconds
    connection = "" if KEEP_ALIVE else 'wrk.headers["Connection"] = "close"\n'
    script.write_text(LUA.format(limit=limit, prefix=prefix, body=body, cookie=cookie, out=out,
                                 connection=connection))
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{port}/r/{TOKEN}"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr.strip()[:500]}")
    stats = json.loads(out.read_text())
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    stats["accepted"] = stats["requests"] - stats["status_errors"]
    return stats


def measure(app_spec: str, env: dict, url: str, seconds: int, warmup: int, folder: Path, tag: str,
            body_for: callable) -> dict:
    """Start the server, warm it up, load it, stop it; then count what was stored."""
    server = Server(app_spec, env, folder / f"gunicorn-{tag}.log")
    try:
        cookie, body = body_for(server.port)
        check_key = f"check-{tag}-{secrets.token_hex(8)}"
        status = post_once(server.port, cookie, f"{body}&_clave={check_key}")
        if status != 303:
            raise SystemExit(f"submissions {tag}: a valid POST answered {status}, not 303\n{server.tail()}")
        run_wrk(server.port, cookie, body, f"warm-{tag}-", warmup, folder, f"{tag}-warm")
        prefix = f"run-{tag}-{secrets.token_hex(4)}-"
        stats = run_wrk(server.port, cookie, body, prefix, seconds, folder, tag)
    finally:
        server.stop()
    stats["stored"], stats["answers"] = count_stored(url, prefix)
    stats["lost"] = max(0, stats["accepted"] - stats["stored"])
    stats["stored_uncounted"] = max(0, stats["stored"] - stats["accepted"])  # in flight when wrk stopped
    return stats


def bench_database(kind: str, url: str, seconds: int, warmup: int, folder: Path, runs: int = 1,
                   platform_env: dict | None = None) -> dict:
    survey_id = create_survey(url, folder)
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("DATABASE_URL", "TEST_DATABASE_URL", "RATELIMIT_STORAGE_URI"))}
    env = base_env | {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "CRM_INSTANCE_PATH": str(folder),
                      "CRM_TIMEZONE": "America/Mexico_City", "RATELIMIT_ENABLED": "1",
                      # the production default: rate-limit counters in the instance folder's shared file
                      "BENCH_SURVEY_ID": str(survey_id),
                      "PYTHONPATH": str(ROOT)}

    def platform_body(port: int) -> tuple[str, str]:
        cookie, token = form_session(port)
        return cookie, urllib.parse.urlencode([("csrf_token", token), ("_lang", "es"), *ANSWERS])

    def floor_body(_port: int) -> tuple[str, str]:
        return "session=none", urllib.parse.urlencode([("csrf_token", "none"), ("_lang", "es"), *ANSWERS])

    sides = {
        "platform": ("wsgi:app", env | (platform_env or {}), platform_body),
        "floor": ("bench.submissions:floor_app()", env, floor_body),
    }
    measured: dict[str, list[dict]] = {"platform": [], "floor": []}
    for run in range(runs):
        order = ("platform", "floor") if run % 2 == 0 else ("floor", "platform")  # alternate: drift hits both
        for side in order:
            app_spec, side_env, body_for = sides[side]
            stats = measure(app_spec, side_env, url, seconds, warmup, folder, f"{kind}-{side}-{run}", body_for)
            measured[side].append(stats)
            note(f"submissions {kind} run {run + 1}: {side} {stats['rps']:.0f} req/s, p50 {stats['p50_us'] / 1000:.1f} ms, "
                 f"p99 {stats['p99_us'] / 1000:.1f} ms, accepted {stats['accepted']}, stored {stats['stored']}, "
                 f"rejected {stats['status_errors']}")

    def med(side: str, key: str) -> float:
        return statistics.median(s[key] for s in measured[side])

    platform, floor = measured["platform"], measured["floor"]
    answers_missing = sum(s["stored"] * ANSWER_ROWS - s["answers"] for s in platform)
    platform_lost, floor_lost = sum(s["lost"] for s in platform), sum(s["lost"] for s in floor)
    return result(
        f"submissions_{kind}" if FORM == "plain" else f"submissions_{FORM}_{kind}", med("platform", "rps"), med("floor", "rps"), "req/s", higher_is_better=True,
        seconds=seconds, runs=runs, connections=CONNECTIONS, workers=WORKERS, server="gunicorn.conf.py",
        connection_per_request=not KEEP_ALIVE, form=FORM,
        platform_p50_ms=round(med("platform", "p50_us") / 1000, 2),
        platform_p99_ms=round(med("platform", "p99_us") / 1000, 2),
        floor_p50_ms=round(med("floor", "p50_us") / 1000, 2), floor_p99_ms=round(med("floor", "p99_us") / 1000, 2),
        platform_rps_runs=[round(s["rps"], 1) for s in platform], floor_rps_runs=[round(s["rps"], 1) for s in floor],
        platform_p99_ms_runs=[round(s["p99_us"] / 1000, 1) for s in platform],
        platform_requests=sum(s["requests"] for s in platform),
        platform_accepted=sum(s["accepted"] for s in platform),
        platform_rejected=sum(s["status_errors"] for s in platform),
        platform_stored=sum(s["stored"] for s in platform), platform_lost=platform_lost,
        platform_answers_missing=answers_missing,
        platform_socket_errors=sum(s["connect_errors"] + s["read_errors"] + s["write_errors"] + s["timeouts"]
                                   for s in platform),
        floor_requests=sum(s["requests"] for s in floor), floor_accepted=sum(s["accepted"] for s in floor),
        floor_stored=sum(s["stored"] for s in floor), floor_lost=floor_lost,
        zero_lost=platform_lost == 0 and floor_lost == 0 and answers_missing == 0,
        **({"platform_env": platform_env} if platform_env else {}),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s per side (a smoke run)")
    parser.add_argument("--seconds", type=int, help="load duration per side (default 30; --quick 5)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--runs", type=int, help="load runs per side, alternating (median; default 3, --quick 1)")
    parser.add_argument("--platform-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the platform's server, for experiments "
                             "(e.g. RATELIMIT_ENABLED=0); the result then records it")
    parser.add_argument("--keep-alive", action="store_true",
                        help="50 kept-alive connections posting over and over (default: a connection per POST)")
    parser.add_argument("--form", choices=("plain", "logic"), default="plain",
                        help="plain: eight questions without logic; logic: bench.logic_form's 40 questions")
    args = parser.parse_args(argv)
    global KEEP_ALIVE, FORM, ANSWERS, ANSWER_ROWS
    KEEP_ALIVE = args.keep_alive
    FORM = args.form
    if FORM == "logic":
        ANSWERS, ANSWER_ROWS = logic_form.ANSWERS, logic_form.ANSWER_ROWS
    platform_env = dict(item.split("=", 1) for item in args.platform_env)
    seconds = args.seconds or (5 if args.quick else 30)
    warmup = 1 if args.quick else 3
    runs = args.runs or (1 if args.quick else 3)
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if not any(Path(p, "wrk").exists() for p in os.environ.get("PATH", "").split(":")):
        skipped("submissions", "wrk is not installed (apt-get install -y wrk)")
        return 0
    failures = 0
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"bench-submissions-{kind}-") as folder, ExitStack() as stack:
            folder = Path(folder)
            if kind == "sqlite":
                url = f"sqlite:///{SqliteSchema(folder).fresh('submissions')}"
            elif kind == "postgresql":
                missing = postgres_available()
                if missing:
                    skipped("submissions_postgresql", missing)
                    continue
                url = stack.enter_context(postgres_server())
                reset_postgres(url)
            else:
                raise SystemExit(f"unknown database {kind!r}")
            started = time.perf_counter()
            record = bench_database(kind, url, seconds, warmup, folder, runs, platform_env)
            failures += not record["zero_lost"]
            note(f"submissions {kind}: {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
