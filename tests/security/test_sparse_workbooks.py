"""Sparse and oversized workbooks (issue 12, findings 2 and 3): a few kilobytes that claim a huge sheet.

- Finding 2: an XLSForm with one cell at XFD50000 made the reader build every empty cell up to that corner
  (2.4 GB, the worker killed). It must come back quickly, in bounded memory, with one clear Spanish line.
- Finding 3: a contacts XLSX with one cell at A60000 and the dimension A1:XFD60000 cost 55 s of CPU (blank
  rows checked 16,384 cells at a time). Blank rows must be skipped cheaply, the row limit checked first.

Each file is read in a child process with an address-space and CPU limit (so the code before the fix fails
the test instead of exhausting the machine) that reports its outcome, its time and how much its peak
resident memory grew while reading.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.contacts.imports.pipeline import import_contacts
from crm.core.errors import ImportProblems
from crm.core.tabular import MAX_ROWS, read_table_bytes
from tests.reliability.harness import ROOT
from tests.security.spreadsheets import raw_workbook

MAX_SECONDS = 10  # generous bounds (the issue's): the fixed readers take well under a second here
MAX_GROWTH_MB = 150
ADDRESS_SPACE = 1536 * 2**20  # the child's limit: the code before the fix hit it (or the CPU limit)
CPU_SECONDS = 60

NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

READER = """
import json, resource, sys, time
from crm.core.tabular import TableError, read_table_bytes
from surveys.xlsform.model import XLSFormError
from surveys.xlsform.reader import read_xlsform

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
before, started = peak(), time.perf_counter()
outcome = {}
try:
    if kind == "xlsform":
        read_xlsform(data, filename="formulario.xlsx")
        outcome["lines"] = []
    else:
        table = read_table_bytes(data, "contactos.xlsx")
        outcome["rows"] = [number for number, _ in table.rows]
except TableError as exc:
    outcome["lines"] = [str(exc)]
except XLSFormError as exc:
    outcome["lines"] = [str(problem) for problem in exc.problems]
outcome.update(seconds=time.perf_counter() - started, grew_mb=peak() - before)
print(json.dumps(outcome, ensure_ascii=False))
"""


def _cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def sparse_workbook(header: list[str], far_cell: str, dimension: str, sheet: str = "Hoja1",
                    rows: tuple[list[str], ...] = ()) -> bytes:
    """A small workbook: a header row, a few rows, one cell at `far_cell`, and the dimension `dimension`."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    xml = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NAMESPACE}">'
           f'<dimension ref="{dimension}"/><sheetData>']
    for number, cells in enumerate([header, *rows], start=1):
        xml.append(f'<row r="{number}">' + "".join(_cell(f"{letters[i]}{number}", text)
                                                  for i, text in enumerate(cells)) + "</row>")
    far_row = int("".join(ch for ch in far_cell if ch.isdigit()))
    xml.append(f'<row r="{far_row}">{_cell(far_cell, "x")}</row></sheetData></worksheet>')
    return raw_workbook([part.encode() for part in xml], sheet_name=sheet)


def read_in_child(tmp_path, kind: str, data: bytes) -> dict:
    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(data)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    done = subprocess.run([sys.executable, "-c", READER, kind, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=CPU_SECONDS * 3, preexec_fn=limits,  # noqa: PLW1509 (no threads)
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, f"the reader failed (exit {done.returncode}): {done.stderr[-2000:]}"
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["seconds"] < MAX_SECONDS, outcome
    assert outcome["grew_mb"] < MAX_GROWTH_MB, outcome
    return outcome


def _one_spanish_line(lines: list[str]) -> str:
    assert len(lines) == 1, lines
    line = lines[0]
    assert "\n" not in line and "Traceback" not in line and len(line) < 300, line
    return line


# --- finding 2: the XLSForm reader ------------------------------------------------------------------


@pytest.mark.parametrize("far_cell", ["XFD50000", "XFD250"])
def test_xlsform_with_one_far_cell_is_read_quickly_ignoring_it(tmp_path, far_cell):
    # XLSForm reads only the cells under a header (as pyxform), so a cell past the column limit is dropped as
    # its row is read (issue 14), in the same bounded time and memory
    data = sparse_workbook(["type", "name", "label"], far_cell, f"A1:{far_cell}", sheet="survey",
                           rows=(["text", "nombre", "¿Cómo se llama?"],))
    assert len(data) < 5 * 1024
    outcome = read_in_child(tmp_path, "xlsform", data)
    assert outcome["lines"] == [], outcome


def test_xlsform_with_too_many_rows_is_refused_quickly(tmp_path):
    data = sparse_workbook(["type", "name", "label"], "A1048576", "A1:XFD1048576", sheet="survey",
                           rows=(["text", "nombre", "¿Cómo se llama?"],))
    outcome = read_in_child(tmp_path, "xlsform", data)
    line = _one_spanish_line(outcome["lines"])
    assert "demasiadas filas" in line, line


# --- finding 3: the contacts table reader -----------------------------------------------------------


def test_sparse_contacts_workbook_reads_quickly(tmp_path, app):
    data = sparse_workbook(["nombre", "primer_apellido", "correo"], "A60000", "A1:XFD60000",
                           rows=(["Ana", "Ruiz", "ana@example.org"],))
    assert len(data) < 5 * 1024
    outcome = read_in_child(tmp_path, "table", data)
    assert outcome["rows"] == [2, 60000]
    with pytest.raises(ImportProblems) as problems:
        import_contacts(read_table_bytes(data, "contactos.xlsx"), dry_run=True)
    assert [str(p) for p in problems.value.problems] == [
        "row 60000: primer_apellido: es obligatorio", "row 60000: correo: se requiere correo o telefono"]


def test_contacts_workbook_past_the_row_limit_is_refused_quickly(tmp_path):
    data = sparse_workbook(["nombre", "primer_apellido", "correo"], f"A{MAX_ROWS + 2}",
                           f"A1:XFD{MAX_ROWS + 2}", rows=(["Ana", "Ruiz", "ana@example.org"],))
    outcome = read_in_child(tmp_path, "table", data)
    line = _one_spanish_line(outcome["lines"])
    assert line == f"el archivo tiene más de {MAX_ROWS} filas", line


def test_contacts_workbook_with_a_far_column_is_refused_quickly(tmp_path):
    data = sparse_workbook(["nombre", "primer_apellido", "correo"], "XFD60000", "A1:XFD60000",
                           rows=(["Ana", "Ruiz", "ana@example.org"],))
    outcome = read_in_child(tmp_path, "table", data)
    line = _one_spanish_line(outcome["lines"])
    assert "fila 60000" in line and "XFD" in line, line


# --- the streaming reader, whatever the dimension says --------------------------------------------


@settings(max_examples=40, deadline=None)
@given(cells=st.dictionaries(st.tuples(st.integers(2, 300), st.integers(1, 3)),
                             st.text(alphabet="abcxyz019 ", min_size=1, max_size=5), max_size=20),
       dimension=st.sampled_from(["A1:C3", "A1:XFD1048576", "B2:B2", "A1:C300"]))
def test_sparse_sheet_reads_the_cells_the_file_holds(cells, dimension):
    """Rows come numbered as the spreadsheet shows them, blank ones left out, however the dimension lies."""
    by_row: dict[int, dict[int, str]] = {}
    for (row, column), text in sorted(cells.items()):
        by_row.setdefault(row, {})[column] = text
    xml = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NAMESPACE}">'
           f'<dimension ref="{dimension}"/><sheetData>',
           '<row r="1">' + "".join(_cell(f"{c}1", c.lower()) for c in "ABC") + "</row>"]
    for row, columns in sorted(by_row.items()):
        xml.append(f'<row r="{row}">' + "".join(_cell(f"{'ABC'[c - 1]}{row}", t) for c, t in columns.items())
                   + "</row>")
    xml.append("</sheetData></worksheet>")
    table = read_table_bytes(raw_workbook([part.encode() for part in xml], sheet_name="Hoja1"), "t.xlsx")
    expected = [(row, {name: columns.get(index, "").strip() for index, name in enumerate("abc", start=1)})
                for row, columns in sorted(by_row.items()) if any(t.strip() for t in columns.values())]
    assert table.header == ["a", "b", "c"]
    assert table.rows == expected
