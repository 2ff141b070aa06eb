"""Benchmark: a 100,000-row contacts file through the real import service, against raw executemany.

    .venv/bin/python -m bench.import_contacts              # 100,000 rows, 3 runs
    .venv/bin/python -m bench.import_contacts --quick      # 10,000 rows, 1 run

Writes a CSV contacts file (every column of CONTRACTS.md "Contacts file": names with accents, sexes
written several ways, e-mails, Mexican phones without country code and foreign ones with it, countries
by name or code, alcaldías, networks, organizations with acronyms, positions, languages, consent dates)
and times, on a fresh copy of the migrated SQLite schema each run:

- platform: crm.contacts.imports.pipeline.import_contacts_file(path): read the CSV, validate every row, match,
  plan, write in one transaction (the service the CLI and the web import call);
- floor: raw sqlite3 multi-row INSERTs (2,000 rows a statement), in one transaction, of exactly the rows the platform stored (people,
  e-mails, phones, networks, memberships, organizations, affiliations, consents), streamed back from the
  platform's database in a process that loaded the application too (the same starting memory): no
  reading of the file, no validation, no matching; only the INSERTs are timed.

Each run of each side is a process of its own (`--child`), so that each has its own memory peak. Before
printing it checks that the platform created one person per row and the stored counts. Reports rows/s for
both (median of the runs) and the peak resident memory (largest of the runs) of the platform's process and
the floor's. Output: `import <platform rows/s> <floor rows/s> <ratio>`, `import_memory <platform MB>
<floor MB> <ratio>`, each with a JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import (
    DOMAINS,
    GIVEN_NAMES,
    ROOT,
    SURNAMES,
    SqliteSchema,
    ascii_slug,
    make_app,
    median,
    mx_mobile,
    note,
    peak_rss_mb,
    result,
    rss_mb,
    timed,
    timed_cpu,
)

HEADER = ("nombre", "primer_apellido", "segundo_apellido", "sexo", "correo", "telefono", "pais_residencia",
          "estado", "ciudad", "alcaldia", "red", "organizacion", "cargo", "idioma", "consentimiento")
# Tables the import writes, parents first (the floor inserts them in this order).
TABLES = ("network", "organization", "person", "person_email", "person_phone", "membership", "affiliation",
          "consent")
SEXES = ("mujer", "hombre", "M", "F", "Mujer", "H", "no binario", "prefiero_no_decir", "")
ALCALDIAS = ("Álvaro Obregón", "Benito Juárez", "Coyoacán", "cuauhtemoc", "Iztapalapa", "GAM", "Tlalpan",
             "Miguel Hidalgo", "Xochimilco", "Tláhuac")
NETWORKS = ("rvc", "observacion", "Red Voto Chilango", "rvc; observacion", "Red de Observación")
POSITIONS = ("Consejera electoral", "Director de área", "Analista", "Investigadora", "Coordinador", "Asesora")
FOREIGN = (("+34 6{:02d} {:03d} {:03d}", "España"), ("+1 202 555 01{:02d}", "US"),
           ("+33 6 12 {:02d} {:02d} {:02d}", "Francia"))


def organizations(count: int = 300) -> list[str]:
    kinds = ("Instituto Electoral", "Universidad", "Observatorio Ciudadano", "Colectivo", "Fundación", "Consejo")
    places = ("de la Ciudad de México", "del Estado de México", "de Puebla", "de Jalisco", "Nacional", "del Sur",
              "de Oaxaca", "Metropolitano", "de Yucatán", "Autónomo")
    names = []
    for number in range(count):
        name = f"{kinds[number % len(kinds)]} {places[(number // len(kinds)) % len(places)]} {number}"
        names.append(f"{name} (ORG{number})" if number % 3 == 0 else name)
    return names


def contact_rows(count: int, seed: int = 7):
    """The file's rows (dicts by column), deterministic for a seed; every one valid and a new person."""
    rng = random.Random(seed)
    orgs = organizations()
    for number in range(count):
        given = rng.choice(GIVEN_NAMES)
        first, second = rng.choice(SURNAMES), (rng.choice(SURNAMES) if rng.random() < 0.85 else "")
        row = {"nombre": given, "primer_apellido": first, "segundo_apellido": second, "sexo": rng.choice(SEXES)}
        if rng.random() < 0.95:
            local = f"{ascii_slug(given)}.{ascii_slug(first)}{number}"
            row["correo"] = (local.title() if rng.random() < 0.2 else local) + "@" + rng.choice(DOMAINS)
        draw = rng.random()
        if draw < 0.70 or "correo" not in row:
            row["telefono"] = mx_mobile(rng)
            row["pais_residencia"] = rng.choice(("", "", "México", "MX", "mexico"))
        elif draw < 0.80:
            pattern, country = rng.choice(FOREIGN)
            row["telefono"] = pattern.format(*(rng.randrange(10, 99) for _ in range(4)))
            row["pais_residencia"] = country
        if row.get("pais_residencia", "") in ("", "México", "MX", "mexico"):
            row["estado"] = "Ciudad de México"
            row["ciudad"] = "Ciudad de México"
            if rng.random() < 0.6:
                row["alcaldia"] = rng.choice(ALCALDIAS)
        if rng.random() < 0.5:
            row["red"] = rng.choice(NETWORKS)
        if rng.random() < 0.4:
            row["organizacion"] = rng.choice(orgs)
            if rng.random() < 0.5:
                row["cargo"] = rng.choice(POSITIONS)
        row["idioma"] = rng.choice(("", "", "es", "en", "ES"))
        if rng.random() < 0.5:
            row["consentimiento"] = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        yield row


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in contact_rows(count):
            writer.writerow([row.get(column, "") for column in HEADER])


def run_platform(db_path: Path, file_path: Path, rows: int) -> dict:
    """In a child process: the import through the platform's service; its times and memory peak."""
    from sqlalchemy import func, select

    from crm.contacts.imports.pipeline import import_contacts_file
    from crm.contacts.models import Person
    from crm.core.extensions import db

    app = make_app(f"sqlite:///{db_path}")
    with app.app_context():
        try:
            start_mb = rss_mb()
            seconds, cpu, outcome = timed_cpu(import_contacts_file, file_path)
            if (outcome.created, outcome.updated, outcome.rows) != (rows, 0, rows):
                raise SystemExit(f"import: expected {rows} new people, got {outcome}")
            stored = db.session.scalar(select(func.count()).select_from(Person))
            if stored != rows:
                raise SystemExit(f"import: {stored} people stored for {rows} rows")
        finally:
            db.session.remove()
            db.engine.dispose()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_rss_mb(), "start_mb": start_mb}


def stored_counts(db_path: Path) -> dict[str, int]:
    """How many rows the platform wrote, table by table."""
    connection = sqlite3.connect(db_path)
    try:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed)
                for table in TABLES}
    finally:
        connection.close()


def run_floor(db_path: Path, source: Path) -> dict:
    """In a child process: raw multi-row INSERTs of the rows the platform stored in `source`, one transaction,
    with the platform's pragmas; the time of the INSERTs and the process's memory peak.

    For a like-for-like memory floor the process first loads the application, as the platform's does (its
    modules are most of either peak), then streams the stored rows, 2,000 at a time, into the INSERTs:
    what raw inserting costs on top of the same process, without holding the file.
    """
    make_app(f"sqlite:///{db_path}")
    start_mb = rss_mb()
    reader = sqlite3.connect(source)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        seconds = 0.0
        # Multi-row INSERTs: the search index's triggers (FTS5) flush once per statement, so one statement
        # per row would make the floor pay a cost the platform avoids, and stop being a floor.
        connection.execute("BEGIN")
        for table in TABLES:
            cursor = reader.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
            columns = [d[0] for d in cursor.description]
            batch = max(1, min(2000, 32_000 // max(1, len(columns))))
            row_marks = "(" + ", ".join("?" for _ in columns) + ")"
            while chunk := cursor.fetchmany(batch):
                values = ", ".join(row_marks for _ in chunk)
                took, _ = timed(connection.execute, f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                                f"VALUES {values}", [value for row in chunk for value in row])
                seconds += took
        took, _ = timed(connection.execute, "COMMIT")
        return {"seconds": seconds + took, "peak_mb": peak_rss_mb(), "start_mb": start_mb}
    finally:
        connection.close()
        reader.close()


def child(side: str, *paths_and_rows: str) -> dict:
    """Runs one side in a fresh process (`--child SIDE ...`) and returns what it printed."""
    command = [sys.executable, "-m", "bench.import_contacts", "--child", side, *paths_and_rows]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"import: the {side} run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_child(side: str, arguments: list[str]) -> int:
    if side == "platform":
        db_path, file_path, rows = arguments
        measured = run_platform(Path(db_path), Path(file_path), int(rows))
    else:
        db_path, source = arguments
        measured = run_floor(Path(db_path), Path(source))
    print(json.dumps(measured), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows, one run (a smoke run)")
    parser.add_argument("--rows", type=int, help="rows in the file (default 100,000; --quick 10,000)")
    parser.add_argument("--runs", type=int, help="timed runs of each side (median; default 3, --quick 1)")
    parser.add_argument("--child", nargs="+", metavar="ARG", help=argparse.SUPPRESS)  # one side's run (internal)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.child[0], args.child[1:])
    rows = args.rows or (10_000 if args.quick else 100_000)
    runs = args.runs or (1 if args.quick else 3)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        folder = Path(folder)
        schema = SqliteSchema(folder)
        file_path = folder / "contactos.csv"
        write_file(file_path, rows)
        note(f"import: {rows:,} rows, {file_path.stat().st_size / 2**20:.1f} MiB CSV; {runs} run(s)")
        platform, floor = [], []
        for run in range(runs):
            db_path = schema.fresh(f"platform{run}")
            platform.append(child("platform", str(db_path), str(file_path), str(rows)))
            note(f"import: platform run {run + 1}: {platform[-1]['seconds']:.2f} s "
                 f"({platform[-1]['cpu']:.2f} s CPU), peak RSS {platform[-1]['peak_mb']:.0f} MB")
        for run in range(runs):
            floor.append(child("floor", str(schema.fresh(f"floor{run}")), str(db_path)))
            note(f"import: floor run {run + 1}: {floor[-1]['seconds']:.2f} s, peak RSS {floor[-1]['peak_mb']:.0f} MB")
        counts = stored_counts(db_path)
    platform_s, floor_s = median(r["seconds"] for r in platform), median(r["seconds"] for r in floor)
    platform_cpu = median(r["cpu"] for r in platform)
    result("import", rows / platform_s, rows / floor_s, "rows/s", higher_is_better=True,
           rows=rows, runs=runs, platform_s=round(platform_s, 3), floor_s=round(floor_s, 3),
           platform_cpu_s=round(platform_cpu, 3), rows_per_cpu_s=round(rows / platform_cpu), stored=counts)
    platform_peak, floor_peak = max(r["peak_mb"] for r in platform), max(r["peak_mb"] for r in floor)
    result("import_memory", platform_peak, floor_peak, "MB", higher_is_better=False, rows=rows, runs=runs,
           platform_start_mb=round(max(r["start_mb"] for r in platform), 1),
           floor_start_mb=round(max(r["start_mb"] for r in floor), 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
