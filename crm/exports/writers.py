"""Export files written as they are produced, in constant memory: CSV with the csv module, XLSX with
XlsxWriter in constant-memory mode (crm.core.tabular.write_xlsx: each row goes to disk as the next starts).

The rules are those of CONTRACTS.md "Exports", shared with crm.core.tabular's in-memory writers: UTF-8
with BOM, formula neutralisation (crm.core.tabular.export_value), XLSX without formula cells.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from pathlib import Path

from xlsxwriter.exceptions import XlsxWriterException

from crm.core.tabular import TableError, export_value, write_xlsx

PROGRESS_EVERY = 2_000  # rows between two progress calls

Progress = Callable[[int], None]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              progress: Progress | None = None) -> int:
    """The CSV file (UTF-8 with BOM, CRLF), written batch by batch; returns the number of rows."""
    count = 0
    iterator = iter(rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        while batch := list(islice(iterator, PROGRESS_EVERY)):
            writer.writerows([export_value(v) for v in row] for row in batch)
            count += len(batch)
            if progress is not None:
                progress(len(batch))
    return count


def write_export(path: Path, fmt: str, header: Sequence[str], rows: Iterable[Sequence[object]], *,
                 sheet_title: str = "datos", progress: Progress | None = None) -> int:
    """CSV or XLSX by `fmt`; returns the rows written. A file that cannot be written (a full disk, a missing
    folder) is one clear TableError line."""
    try:
        if fmt == "csv":
            return write_csv(path, header, rows, progress)
        if fmt == "xlsx":
            return write_xlsx(path, header, rows, sheet_title, progress, PROGRESS_EVERY)
    except OSError as exc:
        raise TableError(f"no se pudo escribir {path.name}: {exc.strerror or exc}") from None
    except XlsxWriterException as exc:
        raise TableError(f"no se pudo escribir {path.name}: {exc}") from None
    raise TableError(f"formato de salida no reconocido «{fmt}»: use .csv o .xlsx")
