"""CPU per valid respondent POST, in one process: the platform against the bare one-row-insert floor.

    .venv/bin/python -m bench.submissions_cpu                   # 3,000 POSTs per side, 3 alternating rounds
    .venv/bin/python -m bench.submissions_cpu --posts 1000 --profile 25     # + cProfile of the platform

Wall-clock throughput moves by 2x on a shared machine; CPU time per request (time.process_time) does not.
Both sides run in this process on the same SQLite (WAL) database, built by the real migrations with the
survey of bench/submissions.py (8 questions, 9 answer rows per POST; --form logic: its 40-question logic form): the platform is the real application
with the production configuration (CSRF on, rate limits on, memory storage), POSTed through Flask's test
client with one session cookie and its CSRF token and a new submission key per request, exactly the body
bench/submissions.py sends; the floor is bench.submissions.floor_app() through the same test client.
Every platform POST must answer 303 and be stored with its answers (checked at the end).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.datastructures import MultiDict

from bench import logic_form
from bench import submissions as load_bench
from bench.common import SqliteSchema, note
from bench.submissions import TOKEN, count_stored, create_survey


def platform_app(url: str):
    import config
    from crm.app import create_app

    return create_app(config.Config, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secrets.token_hex(32),
                      CRM_TIMEZONE="America/Mexico_City", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                      WTF_CSRF_ENABLED=True, TESTING=False,
                      # the start-up check is off: in a process that already made an app (create_survey),
                      # `crm.core.text` (the submodule) has replaced `sqlalchemy.text` in crm/__init__.py's namespace
                      # and _check_database fails with "'module' object is not callable"
                      CRM_CHECK_DATABASE_AT_START=False)


def platform_poster(app):
    """One browser: GET the form once (cookie, CSRF token), then post(key) sends the filled form."""
    client = app.test_client()
    html = client.get(f"/r/{TOKEN}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    base = [("csrf_token", token), ("_lang", "es"), *load_bench.ANSWERS]

    def post(key: str) -> int:
        return client.post(f"/r/{TOKEN}", data=MultiDict([*base, ("_clave", key)])).status_code

    return post


def floor_poster(url: str, survey_id: int):
    os.environ["DATABASE_URL"] = url
    os.environ["BENCH_SURVEY_ID"] = str(survey_id)
    from bench.submissions import floor_app

    client = floor_app().test_client()
    base = [("csrf_token", "none"), ("_lang", "es"), *load_bench.ANSWERS]

    def post(key: str) -> int:
        return client.post(f"/r/{TOKEN}", data=MultiDict([*base, ("_clave", key)])).status_code

    return post


def cpu_per_post(post, posts: int, prefix: str) -> float:
    """CPU milliseconds per POST over `posts` requests (after 200 warm-up requests)."""
    for n in range(200):
        assert post(f"{prefix}warm{n:010d}") == 303
    started = time.process_time()
    for n in range(posts):
        status = post(f"{prefix}{n:010d}")
        if status != 303:
            raise SystemExit(f"POST {n} answered {status}, not 303")
    return (time.process_time() - started) * 1000 / posts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000, help="POSTs per side per round (default 3000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (median; default 3)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="then profile the platform (cProfile, --posts POSTs) and print the top N functions "
                             "by cumulative and by own time")
    parser.add_argument("--form", choices=("plain", "logic"), default="plain",
                        help="plain: eight questions without logic; logic: bench.logic_form's 40 questions")
    args = parser.parse_args(argv)
    if args.form == "logic":
        load_bench.FORM = "logic"
        load_bench.ANSWERS, load_bench.ANSWER_ROWS = logic_form.ANSWERS, logic_form.ANSWER_ROWS
    with tempfile.TemporaryDirectory(prefix="bench-submissions-cpu-") as folder:
        url = f"sqlite:///{SqliteSchema(Path(folder)).fresh('submissions')}"
        survey_id = create_survey(url, Path(folder))
        app = platform_app(url)
        platform = platform_poster(app)
        floor = floor_poster(url, survey_id)
        measured: dict[str, list[float]] = {"platform": [], "floor": []}
        for run in range(args.rounds):
            for side in (("platform", "floor") if run % 2 == 0 else ("floor", "platform")):
                post = platform if side == "platform" else floor
                ms = cpu_per_post(post, args.posts, f"cpu-{side}-{run}-")
                measured[side].append(ms)
                note(f"round {run + 1}: {side} {ms:.3f} ms CPU per POST")
        stored, answers = count_stored(url, "cpu-platform-")
        expected = args.rounds * (args.posts + 200)
        rows = load_bench.ANSWER_ROWS
        if stored != expected or answers != stored * rows:
            raise SystemExit(f"platform stored {stored} responses and {answers} answers, expected {expected} "
                             f"and {expected * rows}")
        p, f = statistics.median(measured["platform"]), statistics.median(measured["floor"])
        print(f"submissions_cpu {args.form} platform {p:.3f} ms floor {f:.3f} ms ratio {f / p:.3f} (floor/platform: the "
              f"share of the floor's rate per CPU) runs platform {[round(x, 3) for x in measured['platform']]} "
              f"floor {[round(x, 3) for x in measured['floor']]} loadavg_1m {os.getloadavg()[0]:.2f}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for n in range(args.posts):
                platform(f"prof-{n:010d}")
            profiler.disable()
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
                print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
