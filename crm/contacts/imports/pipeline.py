"""The contacts import (CONTRACTS.md, "Contacts file"): read -> check -> plan -> write.

So a bad file writes nothing and a large one stays fast:

1. read the header and every row on its own (no database): text, codes, e-mail syntax, phones that
   carry their country (crm.contacts.imports.rows);
2. check the rows against what is stored, fetched with a few bulk queries: match rows to people
   (e-mails, phones), phones read in the stored country, repeated rows, ARCO states
   (crm.contacts.imports.plan.check);
3. plan the changes in memory: new people, updates, affiliations (`cargo` alone), organizations
   (crm.contacts.imports.plan.plan);
4. if no row has a problem and this is not a dry run, write the plan with bulk statements in one
   transaction (crm.contacts.imports.write).

Every problem carries its spreadsheet row (header = 1), its column and a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from crm.contacts.imports import plan as import_plan
from crm.contacts.imports import write as import_write
from crm.contacts.imports.rows import Problems, Row, check_header, read_rows
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.core.tabular import Table, TableStream, stream_table

__all__ = ["ImportResult", "import_contacts", "import_contacts_file"]

Progress = Callable[[int], None]
WriteProgress = Callable[[int, int], None]


@dataclass
class ImportResult:
    created: int
    updated: int
    rows: int
    dry_run: bool = False


def import_contacts_file(path: str | Path, *, actor=None, dry_run: bool = False, progress: Progress | None = None,
                         write_progress: WriteProgress | None = None) -> ImportResult:
    """Read FILE (CSV or XLSX) and import it; raises TableError or ImportProblems.

    The file is read as a stream (crm.core.tabular.stream_table): its cells never sit in memory all at once,
    only the rows read from them.
    """
    return import_contacts(stream_table(path), actor=actor, dry_run=dry_run, filename=Path(path).name,
                           progress=progress, write_progress=write_progress)


def import_contacts(table: Table | TableStream, *, actor=None, dry_run: bool = False, filename: str = "",
                    progress: Progress | None = None, write_progress: WriteProgress | None = None) -> ImportResult:
    """Validate every row; on any problem raise ImportProblems and write nothing, else apply in one transaction.

    `progress(n)`: called while the rows are read and checked, with the number of rows just done
    (the calls add up to the number of rows). `write_progress(done, total)`: called while the
    changes are written (people, e-mails, phones, memberships... rows; `done` reaches `total`), so
    a caller can show the writing too; not called on a dry run or when there are problems.
    """
    problems = Problems()
    rows = read(table, problems, progress)
    stored = import_plan.check(rows, problems)
    plan = import_plan.plan(rows, stored, problems)
    if problems:
        raise ImportProblems(problems.lines())
    result = ImportResult(created=plan.created, updated=plan.updated, rows=len(rows), dry_run=dry_run)
    del rows  # the plan holds what is written; the write releases the new people's rows as it goes
    if not dry_run:
        write(plan, stored, result, actor=actor, filename=filename, write_progress=write_progress)
    return result


def read(table: Table | TableStream, problems: Problems, progress: Progress | None = None) -> list[Row]:
    """Step 1: the header, then every row on its own."""
    return read_rows(table, check_header(table, problems), problems, progress)


def write(plan: import_plan.Plan, stored: import_plan.Stored, result: ImportResult, *, actor, filename: str,
          write_progress: WriteProgress | None) -> None:
    """Step 4: the plan, audited, in one transaction (rolled back on any failure)."""
    written = None if write_progress is None else _WriteProgress(write_progress, import_write.rows_to_write(plan))
    try:
        import_write.write(plan, stored, written)
        if written is not None:
            written.finish()
        audit.record(actor, "contacts.import", None,
                     {"created": result.created, "updated": result.updated, "file": filename})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContactsError("otro proceso cambió los contactos durante la importación; no se escribió nada, "
                            "intente de nuevo") from None
    except Exception:
        db.session.rollback()
        raise


class _WriteProgress:
    """Adds up the rows written and reports (done, total) to the caller's callback."""

    def __init__(self, callback: WriteProgress, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0
        callback(0, total)

    def __call__(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        self.callback(self.done, self.total)

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total
            self.callback(self.done, self.total)
