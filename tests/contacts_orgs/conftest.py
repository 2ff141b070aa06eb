"""Helpers for the organization registry tests: write an organizations file, run the CLI, read the registry."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.contacts.models import Organization
from crm.contacts.organizations.rows import COLUMNS
from crm.core.extensions import db


def orgs_csv(rows: list[dict], header: list[str] | None = None) -> bytes:
    header = header or list(COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@pytest.fixture
def orgs_file(tmp_path):
    """orgs_file(rows, header=None) -> Path of a CSV organizations file."""
    counter = iter(range(1, 10_000))

    def _write(rows: list[dict], header: list[str] | None = None) -> Path:
        path = tmp_path / f"organizaciones{next(counter)}.csv"
        path.write_bytes(orgs_csv(rows, header))
        return path

    return _write


@pytest.fixture
def cli(app):
    """cli(*args) -> (exit code, output lines)."""
    runner = app.test_cli_runner()

    def _run(*args: str) -> tuple[int, list[str]]:
        result = runner.invoke(args=[str(a) for a in args])
        return result.exit_code, result.output.strip().splitlines()

    return _run


def registry() -> dict[str, Organization]:
    """Every organization by name, with its relation periods loaded."""
    db.session.expire_all()
    return {org.name: org for org in db.session.scalars(select(Organization))}


def periods(org: Organization) -> list[tuple[str, str | None]]:
    return [(r.began_on.isoformat(), r.ended_on.isoformat() if r.ended_on else None) for r in org.relations]
