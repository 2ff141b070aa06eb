"""Benchmark: 100,000 survey responses exported to CSV and XLSX, against pandas writing the same frame.

    .venv/bin/python -m bench.export              # 100,000 responses, 3 runs (XLSX: --xlsx-runs, default 1)
    .venv/bin/python -m bench.export --quick      # 10,000 responses, 1 run

Builds a SQLite database through the real migrations with one survey of eight answerable questions
(three select_one, one select_multiple, integer, decimal, date, text) and N responses with their answers
(SQLAlchemy Core executemany, one transaction). Then, per format:

- platform: surveys.responses.export.export_responses(survey, path): the service behind the staff download and
  the CLI (queries, one row per response in local time, formula neutralisation, write, audit entry);
- floor: the same table (the platform's own rows, built before the clock starts) written by the fastest
  plain writer: pandas' DataFrame.to_csv for CSV; for XLSX XlsxWriter in constant-memory mode (write_row per
  row), a faster floor than pandas with openpyxl (targets: CSV <= 2x, XLSX <= 1.5x);
- memory: the peak RSS of a process that builds the app and exports the 100,000 responses (CSV, then XLSX:
  one process each), against the floor of the same process that builds the app and opens the database but
  exports nothing (target: the export process stays under 200 MB: it streams).

Checks that the platform's file has one data row per response. Output per format:
`export_csv <platform_s> <floor_s> <ratio>` (and export_xlsx, export_rss_csv, export_rss_xlsx in MB) and a
JSON line; ratio = platform / floor.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.common import SqliteSchema, make_app, median, note, result, timed, timed_cpu

BATCH = 50_000


def build(db, responses: int, seed: int = 11) -> int:
    """One open survey and `responses` responses with their answers; returns the survey id."""
    from sqlalchemy import insert

    from crm.core.timeutil import utcnow
    from surveys.models import Answer, Choice, Question, Response, Survey

    rng = random.Random(seed)
    survey = Survey(code="bench_export", form_id="bench_export", title="Evaluación de la jornada",
                    open_token="bench-export-link", state="open", year=2025)
    specs = [("select_one", "satisfaccion", ["muy_buena", "buena", "regular", "mala"]),
             ("select_one", "organizacion", ["si", "no", "no_se"]),
             ("select_one", "recomendaria", ["si", "no"]),
             ("select_multiple", "temas", ["participacion", "transparencia", "inclusion", "seguridad", "otro"]),
             ("integer", "edad", []), ("decimal", "horas", []), ("date", "fecha_asistencia", []),
             ("text", "comentario", [])]
    for position, (qtype, name, choices) in enumerate(specs):
        question = Question(position=position, type=qtype, name=name, labels={"es": name.replace("_", " ")},
                            required=qtype == "select_one")
        for cpos, cname in enumerate(choices):
            question.choices.append(Choice(position=cpos, name=cname, labels={"es": cname}))
        survey.questions.append(question)
    db.session.add(survey)
    db.session.commit()
    questions = [(q.id, q.type, [c.id for c in q.choices]) for q in survey.questions]
    survey_id = survey.id
    comments = ("Muy bien organizada", "=SUMA(A1:A3) no debería ejecutarse", "Faltó información sobre el registro",
                "Excelente, gracias", "", "Las sedes estaban lejos; sugiero más módulos en Iztapalapa", "-")
    start = utcnow() - timedelta(days=365)
    response_rows, answer_rows = [], []
    with db.engine.begin() as connection:
        for response_id in range(1, responses + 1):
            response_rows.append({"id": response_id, "survey_id": survey_id, "person_id": None, "invitation_id": None,
                                  "anonymous": False, "language": "es", "channel": "web", "submission_key": None,
                                  "submitted_at": start + timedelta(seconds=rng.randrange(365 * 86400))})
            for question_id, qtype, choice_ids in questions:
                if qtype == "select_one":
                    values = [(rng.choice(choice_ids), None)]
                elif qtype == "select_multiple":
                    values = [(c, None) for c in rng.sample(choice_ids, rng.randrange(0, 4))]
                elif qtype == "integer":
                    values = [(None, str(rng.randrange(18, 90)))]
                elif qtype == "decimal":
                    values = [(None, f"{rng.randrange(1, 120) / 10:.1f}")]
                elif qtype == "date":
                    values = [(None, f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}")]
                else:
                    text = rng.choice(comments)
                    values = [(None, text)] if text else []
                answer_rows.extend({"response_id": response_id, "question_id": question_id, "choice_id": c,
                                    "value": v} for c, v in values)
            if len(answer_rows) >= BATCH:
                connection.execute(insert(Response.__table__), response_rows)
                connection.execute(insert(Answer.__table__), answer_rows)
                response_rows, answer_rows = [], []
        if response_rows:
            connection.execute(insert(Response.__table__), response_rows)
            connection.execute(insert(Answer.__table__), answer_rows)
    return survey_id


def platform_export(db, survey_id: int, path: Path) -> int:
    from surveys.models import Survey
    from surveys.responses.export import export_responses

    try:
        return export_responses(db.session.get(Survey, survey_id), path)
    finally:
        db.session.remove()


def the_frame(db, survey_id: int):
    """The same table as a DataFrame (the platform's rows, materialised before any clock starts)."""
    import pandas as pd

    from surveys.models import Survey
    from surveys.responses.export import export_rows

    header, rows = export_rows(db.session.get(Survey, survey_id))
    frame = pd.DataFrame(list(rows), columns=header)
    db.session.remove()
    return frame


def floor_write(frame, path: Path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        return
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent),
                                               "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("datos")
    sheet.write_row(0, 0, list(frame.columns))
    for number, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        sheet.write_row(number, 0, row)
    workbook.close()


def rss_child(database: str, fmt: str, folder: str) -> None:
    """In its own process: build the app and export the survey as `fmt` ("none": the floor, no export);
    prints the process's peak RSS in MB (VmHWM: getrusage's ru_maxrss would keep the parent's peak across exec)."""
    from crm.core.extensions import db
    from surveys.models import Survey
    from surveys.responses.export import export_responses

    app = make_app(f"sqlite:///{database}")
    with app.app_context():
        survey = db.session.scalar(db.select(Survey).where(Survey.code == "bench_export"))
        if fmt != "none":
            export_responses(survey, Path(folder) / f"rss.{fmt}")
        status = Path("/proc/self/status").read_text()
        print(f"{int(status.split('VmHWM:')[1].split()[0]) / 1024:.1f}")


def measure_rss(database: Path, folder: Path, responses: int) -> None:
    import subprocess

    def peak(fmt: str) -> float:
        completed = subprocess.run([sys.executable, "-m", "bench.export", "--rss-child", str(database), fmt, str(folder)],
                                   capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
        return float(completed.stdout.strip().splitlines()[-1])

    floor = peak("none")
    for fmt in ("csv", "xlsx"):
        platform = peak(fmt)
        note(f"export {fmt}: peak RSS {platform:.0f} MB (the same process without exporting: {floor:.0f} MB)")
        result(f"export_rss_{fmt}", platform, floor, "MB", higher_is_better=False, responses=responses,
               under_200_mb=platform < 200)


def count_rows(path: Path) -> int:
    if path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        workbook.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 responses, one run (a smoke run)")
    parser.add_argument("--responses", type=int, help="responses (default 100,000; --quick 10,000)")
    parser.add_argument("--runs", type=int, help="CSV runs of each side (median; default 3, --quick 1)")
    parser.add_argument("--xlsx-runs", type=int, help="XLSX runs of each side (median; default 1)")
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated: csv,xlsx")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory measurement")
    parser.add_argument("--rss-child", nargs=3, metavar=("DB", "FORMAT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(*args.rss_child)
        return 0
    responses = args.responses or (10_000 if args.quick else 100_000)
    runs = {"csv": args.runs or (1 if args.quick else 3), "xlsx": args.xlsx_runs or 1}

    from crm.core.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        folder = Path(folder)
        schema = SqliteSchema(folder)
        app = make_app(f"sqlite:///{schema.fresh('export')}")
        with app.app_context():
            seconds, survey_id = timed(build, db, responses)
            note(f"export: built {responses:,} responses in {seconds:.1f} s")
            frame = the_frame(db, survey_id)
            for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
                platform_times, floor_times, platform_cpu, floor_cpu = [], [], [], []
                for run in range(runs[fmt]):
                    path = folder / f"platform{run}.{fmt}"
                    seconds, cpu, written = timed_cpu(platform_export, db, survey_id, path)
                    if written != responses or count_rows(path) != responses:
                        raise SystemExit(f"export {fmt}: expected {responses} rows, wrote {written}")
                    platform_times.append(seconds)
                    platform_cpu.append(cpu)
                    floor_path = folder / f"floor{run}.{fmt}"
                    seconds, cpu, _ = timed_cpu(floor_write, frame, floor_path)
                    floor_times.append(seconds)
                    floor_cpu.append(cpu)
                    note(f"export {fmt}: run {run + 1}: platform {platform_times[-1]:.2f} s "
                         f"({platform_cpu[-1]:.2f} s CPU), floor {seconds:.2f} s ({cpu:.2f} s CPU)")
                result(f"export_{fmt}", median(platform_times), median(floor_times), "s", higher_is_better=False,
                       responses=responses, runs=runs[fmt], platform_cpu_s=round(median(platform_cpu), 3),
                       floor_cpu_s=round(median(floor_cpu), 3), platform_bytes=path.stat().st_size,
                       floor_bytes=floor_path.stat().st_size)
            db.session.remove()
            db.engine.dispose()
        if not args.no_rss:
            measure_rss(folder / "export.db", folder, responses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
