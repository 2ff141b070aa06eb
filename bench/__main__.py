"""Run the benchmarks: `python -m bench [--quick] [NAME ...]` (make bench runs them all).

NAME is one of: import, export, search, indicators, submissions, submissions_logic, phone (default: all, in
that order). Each runs in its own process (its own memory peak, its own servers), prints `name platform floor ratio` and a JSON
line per measurement, and this runner ends with a summary table against the targets of DESIGN.md §5 and
the benchmarks issue. `--quick` scales data down about 10x and load runs to 5 s: a smoke run whose figures
are not comparable to the targets. Benchmarks are not tests: a missed target is reported, not an error;
the exit code is non-zero only when a benchmark fails to run or loses a response.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCHMARKS = {
    "import": "bench.import_contacts",
    "export": "bench.export",
    "search": "bench.search",
    "indicators": "bench.indicators",
    "submissions": "bench.submissions",
    "submissions_logic": "bench.submissions",
    "phone": "bench.phone",
}
TIMEOUT = {"quick": 900, "full": 3600}  # per benchmark, seconds

# (result name, description, check(record) -> bool | None, whether it applies in --quick)
TARGETS = [
    ("submissions_sqlite", ">= 40% of the floor's req/s, p99 < 100 ms, zero lost",
     lambda r: r["ratio"] >= 0.40 and r["platform_p99_ms"] < 100 and r["zero_lost"], False),
    ("submissions_postgresql", "zero lost (ratio reported)", lambda r: r["zero_lost"], True),
    ("submissions_logic_sqlite", "40 questions with logic: >= 40% of the floor, p99 < 100 ms, zero lost",
     lambda r: r["ratio"] >= 0.40 and r["platform_p99_ms"] < 100 and r["zero_lost"], False),
    ("import", ">= 10,000 rows/s", lambda r: r["platform"] >= 10_000, False),
    ("import_memory", "peak RSS < 200 MB", lambda r: r["platform"] < 200, False),
    ("indicators", "<= 2x the SQL floor and < 2 s", lambda r: r["ratio"] <= 2 and r["platform"] < 2, False),
    ("export_csv", "<= 2x the pandas floor", lambda r: r["ratio"] <= 2, True),
    ("export_xlsx", "<= 1.5x the XlsxWriter constant-memory floor", lambda r: r["ratio"] <= 1.5, True),
    ("export_rss_csv", "peak RSS < 200 MB (100,000 responses)", lambda r: r["platform"] < 200, False),
    ("export_rss_xlsx", "peak RSS < 200 MB (100,000 responses)", lambda r: r["platform"] < 200, False),
    ("search", "p95 < 50 ms", lambda r: r["platform"] < 50, False),
    ("phone_slow3g_form", "first view <= 30,000 B, <= 4 requests (time vs 1 KB page)",
     lambda r: r["first_view_bytes"] <= 30_000 and r["first_view_requests"] <= 4, True),
    ("phone_slow3g_thanks", "<= 1.5x the 1 KB POST, 303, GET floor", lambda r: r["ratio"] <= 1.5, True),
    ("phone_2g_form", "first view <= 30,000 B, <= 4 requests (time vs 1 KB page)",
     lambda r: r["first_view_bytes"] <= 30_000 and r["first_view_requests"] <= 4, True),
    ("phone_2g_thanks", "<= 1.5x the 1 KB POST, 303, GET floor", lambda r: r["ratio"] <= 1.5, True),
]


def arguments(name: str, quick: bool) -> list[str]:
    if name == "indicators":  # another module's options: --answers N, --runs N
        return ["--answers", "100000", "--runs", "1"] if quick else []
    if name == "submissions_logic":  # the logic-heavy form, on SQLite (the embedded default)
        return ["--form", "logic", "--databases", "sqlite", *(["--quick"] if quick else [])]
    return ["--quick"] if quick else []


def _forward_stderr(stream, sink) -> None:
    for line in stream:
        if "[alembic.runtime.migration]" in line:  # the migrations' INFO lines, once per database
            continue
        sink.write(line)
        sink.flush()


def run_one(name: str, quick: bool) -> tuple[list[dict], str | None]:
    """Runs one benchmark module; returns its JSON records and an error (or None)."""
    module = BENCHMARKS[name]
    if not (ROOT / (module.replace(".", "/") + ".py")).exists():
        record = {"name": name, "skipped": f"{module} is not there"}
        print(f"{name} skipped: {record['skipped']}", flush=True)
        return [record], None
    command = [sys.executable, "-m", module, *arguments(name, quick)]
    print(f"## {name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own group: on a timeout we stop it and its servers
    forward = threading.Thread(target=_forward_stderr, args=(process.stderr, sys.stderr), daemon=True)
    forward.start()
    records: list[dict] = []
    timer = threading.Timer(TIMEOUT["quick" if quick else "full"], _interrupt, args=(process,))
    timer.start()
    try:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            text = line.strip()
            if text.startswith("{"):
                try:
                    record = json.loads(text)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "name" in record:
                    records.append(_normalise(record))
        code = process.wait()
    except KeyboardInterrupt:
        _interrupt(process)
        raise
    finally:
        timer.cancel()
        forward.join(timeout=5)
    elapsed = time.perf_counter() - started
    print(f"## {name}: {elapsed:.0f} s, exit code {code}", file=sys.stderr, flush=True)
    error = None if code == 0 else f"exit code {code}"
    return records, error


def _interrupt(process: subprocess.Popen) -> None:
    """SIGINT first (the benchmark's finally blocks stop its servers), SIGKILL to its group if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _normalise(record: dict) -> dict:
    """bench.indicators prints platform_s/floor_s; the others platform/floor/unit."""
    if "platform" not in record and "platform_s" in record:
        record = dict(record, platform=record["platform_s"], floor=record["floor_s"], unit="s",
                      higher_is_better=False)
    return record


def _bench_of(result_name: str) -> str:
    return next((b for b in BENCHMARKS if result_name.startswith(b)), result_name)


def summary(records: list[dict], errors: dict[str, str], quick: bool, names: list[str]) -> list[str]:
    by_name = {r["name"]: r for r in records}
    lines = ["", f"Summary ({'quick smoke run: figures not comparable to the targets' if quick else 'full run'})",
             f"{'benchmark':<24}{'platform':>12}{'floor':>12}{'ratio':>8}  {'unit':<8}{'target':<58}result"]
    for name, description, check, in_quick in TARGETS:
        if _bench_of(name) not in names:
            continue
        record = by_name.get(name)
        if record is None:
            bench = _bench_of(name)
            outcome = f"error: {errors[bench]}" if bench in errors else "not run"
            lines.append(f"{name:<24}{'':>12}{'':>12}{'':>8}  {'':<8}{description:<58}{outcome}")
            continue
        if "skipped" in record:
            lines.append(f"{name:<24}{'':>12}{'':>12}{'':>8}  {'':<8}{description:<58}skipped: {record['skipped']}")
            continue
        try:
            passed = check(record)
        except (KeyError, TypeError):
            passed = None
        outcome = "PASS" if passed else ("MISS" if passed is not None else "?")
        if quick and not in_quick:
            outcome += " (indicative)"
        lines.append(f"{name:<24}{record['platform']:>12.4g}{record['floor']:>12.4g}{record['ratio']:>8.2f}  "
                     f"{record.get('unit', ''):<8}{description:<58}{outcome}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="~10x less data, 5 s load runs (a smoke run)")
    parser.add_argument("--json", metavar="PATH", help="also write every result record to PATH (JSON)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    records: list[dict] = []
    errors: dict[str, str] = {}
    for name in names:
        found, error = run_one(name, args.quick)
        records.extend(found)
        if error:
            errors[name] = error
    for line in summary(records, errors, args.quick, names):
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"quick": args.quick, "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                                               "records": records, "errors": errors}, indent=2, ensure_ascii=False))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
