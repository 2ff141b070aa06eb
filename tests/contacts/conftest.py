"""Helpers for the contacts import/export tests: write a contacts file, import it, read problems."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from crm.contacts.catalogs import COLUMNS


def contacts_csv(rows: list[dict], header: list[str] | None = None, *, bom: bool = True) -> bytes:
    header = header or [c for c in COLUMNS if any(c in r for r in rows)] or ["nombre", "primer_apellido", "correo"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@pytest.fixture
def contacts_file(tmp_path):
    """contacts_file(rows, header=None, bom=True, name="contactos.csv") -> Path of a CSV contacts file."""
    counter = iter(range(1, 10_000))

    def _write(rows: list[dict], header: list[str] | None = None, *, bom: bool = True, name: str | None = None) -> Path:
        path = tmp_path / (name or f"contactos{next(counter)}.csv")
        path.write_bytes(contacts_csv(rows, header, bom=bom))
        return path

    return _write


@pytest.fixture
def run_import(contacts_file):
    """run_import(rows, **options) -> ImportResult; raises ImportProblems like the service."""
    from crm.contacts.imports.pipeline import import_contacts_file

    def _run(rows: list[dict], header: list[str] | None = None, **options):
        return import_contacts_file(contacts_file(rows, header), **options)

    return _run


@pytest.fixture
def import_problems(run_import):
    """import_problems(rows) -> the problem lines (fails the test if the import succeeds)."""
    from crm.core.errors import ImportProblems

    def _problems(rows: list[dict], header: list[str] | None = None, **options) -> list[str]:
        with pytest.raises(ImportProblems) as info:
            run_import(rows, header, **options)
        return [str(p) for p in info.value.problems]

    return _problems


def person_row(**values) -> dict:
    row = {"nombre": "Rosa", "primer_apellido": "Téllez", "correo": "rosa.tellez@gmail.com"}
    row.update(values)
    return {k: v for k, v in row.items() if v is not None}
