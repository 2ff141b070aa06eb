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
  e-mails, phones, networks, memberships, organizations, affiliations, consents), read back from the
  platform's database: no reading, no validation, no matching.

Before printing it checks that the platform created one person per row and the stored counts. Reports
rows/s for both (median of the runs) and the peak resident memory of the process during the platform
runs. Output: `import <platform rows/s> <floor rows/s> <ratio>` and a JSON line.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

from bench.common import (
    DOMAINS,
    GIVEN_NAMES,
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


def run_platform(db_path: Path, file_path: Path, rows: int) -> tuple[float, float]:
    from sqlalchemy import func, select

    from crm.contacts.imports.pipeline import import_contacts_file
    from crm.contacts.models import Person
    from crm.core.extensions import db

    app = make_app(f"sqlite:///{db_path}")
    with app.app_context():
        try:
            seconds, cpu, outcome = timed_cpu(import_contacts_file, file_path)
            if (outcome.created, outcome.updated, outcome.rows) != (rows, 0, rows):
                raise SystemExit(f"import: expected {rows} new people, got {outcome}")
            stored = db.session.scalar(select(func.count()).select_from(Person))
            if stored != rows:
                raise SystemExit(f"import: {stored} people stored for {rows} rows")
        finally:
            db.session.remove()
            db.engine.dispose()
    return seconds, cpu


def stored_rows(db_path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """What the platform wrote, table by table: (columns, rows)."""
    connection = sqlite3.connect(db_path)
    try:
        out = {}
        for table in TABLES:
            cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
            out[table] = ([d[0] for d in cursor.description], cursor.fetchall())
        return out
    finally:
        connection.close()


def run_floor(db_path: Path, data: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """Raw multi-row INSERTs of the same rows, one transaction, with the platform's pragmas."""
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")

        def insert_all() -> None:
            # Multi-row INSERTs: the search index's triggers (FTS5) flush once per statement, so one statement
            # per row would make the floor pay a cost the platform avoids, and stop being a floor.
            connection.execute("BEGIN")
            for table, (columns, rows) in data.items():
                batch = max(1, min(2000, 32_000 // max(1, len(columns))))
                row_marks = "(" + ", ".join("?" for _ in columns) + ")"
                for start in range(0, len(rows), batch):
                    chunk = rows[start:start + batch]
                    values = ", ".join(row_marks for _ in chunk)
                    connection.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}",  # noqa: S608
                                       [value for row in chunk for value in row])
            connection.execute("COMMIT")

        seconds, _ = timed(insert_all)
        return seconds
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows, one run (a smoke run)")
    parser.add_argument("--rows", type=int, help="rows in the file (default 100,000; --quick 10,000)")
    parser.add_argument("--runs", type=int, help="timed runs of each side (median; default 3, --quick 1)")
    args = parser.parse_args(argv)
    rows = args.rows or (10_000 if args.quick else 100_000)
    runs = args.runs or (1 if args.quick else 3)

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        folder = Path(folder)
        schema = SqliteSchema(folder)
        file_path = folder / "contactos.csv"
        write_file(file_path, rows)
        note(f"import: {rows:,} rows, {file_path.stat().st_size / 2**20:.1f} MiB CSV; {runs} run(s)")
        rss_before = rss_mb()
        platform_times, platform_cpu = [], []
        for run in range(runs):
            db_path = schema.fresh(f"platform{run}")
            seconds, cpu = run_platform(db_path, file_path, rows)
            platform_times.append(seconds)
            platform_cpu.append(cpu)
            note(f"import: platform run {run + 1}: {seconds:.2f} s ({cpu:.2f} s CPU)")
        peak = peak_rss_mb()
        data = stored_rows(db_path)
        floor_times = []
        for run in range(runs):
            floor_times.append(run_floor(schema.fresh(f"floor{run}"), data))
            note(f"import: floor run {run + 1}: {floor_times[-1]:.2f} s")
        counts = {table: len(rows_) for table, (_, rows_) in data.items()}
    platform_s, floor_s = median(platform_times), median(floor_times)
    result("import", rows / platform_s, rows / floor_s, "rows/s", higher_is_better=True,
           rows=rows, runs=runs, platform_s=round(platform_s, 3), floor_s=round(floor_s, 3),
           platform_cpu_s=round(median(platform_cpu), 3), rows_per_cpu_s=round(rows / median(platform_cpu)),
           peak_rss_mb=round(peak, 1), rss_before_mb=round(rss_before, 1),
           peak_over_start_mb=round(peak - rss_before, 1), stored=counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
