"""What every import command shares: read the file, report problems by row, the dry-run line, exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from crm.core.errors import DomainError, ImportProblems
from crm.core.tabular import Table, TableError, read_table

ACTOR = "línea de comandos"
DRY_RUN_LINE = "dry run: nothing written"


def fail(message: str) -> None:
    click.echo(f"error: {message}")
    raise SystemExit(1)


def run_import(file: str, dry_run: bool, run: Callable[[Table], Any], summary: Callable[[Any], list[str]]) -> None:
    """Runs one import (CONTRACTS.md): problems one per line and exit 1 with nothing written; on success
    the summary lines (the counts line last); with --dry-run one more line saying nothing was written."""
    try:
        table = read_table(file)
    except TableError as exc:
        fail(str(exc))
    try:
        result = run(table)
    except ImportProblems as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        if dry_run:
            click.echo(DRY_RUN_LINE)
        raise SystemExit(1) from None
    except DomainError as exc:
        fail(str(exc))
    for line in summary(result):
        click.echo(line)
    if dry_run:
        click.echo(DRY_RUN_LINE)
