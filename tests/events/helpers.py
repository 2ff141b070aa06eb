"""Small helpers for import tests: write a CSV file, read the database back."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.tabular import read_table


def write_csv(folder: Path, rows: list[list[str]], name: str = "data.csv") -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def table(folder: Path, rows: list[list[str]]):
    return read_table(write_csv(folder, rows))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))
