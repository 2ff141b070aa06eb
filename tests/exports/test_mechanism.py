"""The background-export machinery (crm/exports): streaming writers, the task's outcomes, the clean-up."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.core.errors import DomainError
from crm.core.tabular import Verbatim, csv_bytes, read_csv_bytes, read_xlsx_bytes
from crm.exports import service
from crm.exports.jobs import ExportJob, Phase, export_folder, purge_exports
from crm.exports.kinds import ExportKind, register_export
from crm.exports.tasks import write_export
from crm.exports.writers import write_csv
from crm.exports.writers import write_export as write_file
from tests.factories import make_user

HEADER = ["nombre", "numero", "telefono"]
ROWS = [["=SUMA(1)", 3, Verbatim("+525512345678")], ["línea\r\nnueva", Decimal("2.5"), ""], ["'@x", None, "-"]]


def test_streamed_csv_is_byte_for_byte_the_in_memory_one(tmp_path):
    seen = []
    assert write_csv(tmp_path / "a.csv", HEADER, ROWS, seen.append) == 3
    assert (tmp_path / "a.csv").read_bytes() == csv_bytes(HEADER, ROWS)
    assert sum(seen) == 3


def test_streamed_xlsx_has_no_formulas_and_reads_back(tmp_path):
    path = tmp_path / "a.xlsx"
    assert write_file(path, "xlsx", HEADER, ROWS) == 3
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    table = read_xlsx_bytes(path.read_bytes())
    assert table.header == HEADER
    assert [cells["nombre"] for _, cells in table.rows] == ["=SUMA(1)", "línea\nnueva", "'@x"]
    assert [cells["numero"] for _, cells in table.rows] == ["3", "2.5", ""]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=20), st.integers(-10**6, 10**6)), min_size=2, max_size=2),
                max_size=6))
def test_any_rows_stream_to_the_same_bytes_as_the_in_memory_writer(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "r.csv"
    assert write_csv(path, ["a", "b"], rows) == len(rows)
    assert path.read_bytes() == csv_bytes(["a", "b"], rows)
    table = read_csv_bytes(path.read_bytes())  # and the import reads it
    assert len(table.rows) <= len(rows)


def _writes(rows: int):
    def write(params, fmt, path, actor, progress):
        return write_file(path, fmt, ["n"], ([i] for i in range(rows)), progress=progress)
    return write


def _start(kind: str, owner) -> ExportJob:
    return service.start(kind, {}, "csv", owner_id=owner.id, total=None, filename="prueba.csv", back="/")


def test_a_job_writes_its_file_and_a_second_run_changes_nothing(app):
    register_export("prueba", ExportKind("Prueba", _writes(4500)))
    owner = make_user(role="coordinator")
    job = _start("prueba", owner)
    state = job.load()
    assert state["phase"] == Phase.DONE and state["rows"] == 4500 and state["done"] == 4500
    assert job.file("csv").read_bytes().count(b"\r\n") == 4501 and not job.partial("csv").exists()
    before = job.state_file.stat().st_mtime_ns
    write_export(job.token)  # a retried task: already done
    assert job.state_file.stat().st_mtime_ns == before


def test_a_failing_kind_leaves_a_clear_message_and_no_file(app):
    def fails(params, fmt, path, actor, progress):
        path.write_text("a medias")
        raise DomainError("La encuesta ya no existe; no se generó el archivo.")

    register_export("falla", ExportKind("Falla", fails))
    owner = make_user(role="coordinator")
    job = _start("falla", owner)
    state = job.load()
    assert state["phase"] == Phase.FAILED and state["message"].startswith("La encuesta ya no existe")
    assert not job.file("csv").exists() and not job.partial("csv").exists()
    unknown = _start("no-existe", owner)
    assert unknown.load()["phase"] == Phase.FAILED and "ya no existe" in unknown.load()["message"]


def test_files_older_than_a_day_are_purged(app):
    register_export("prueba", ExportKind("Prueba", _writes(3)))
    job = _start("prueba", make_user(role="coordinator"))
    folder = export_folder()
    assert purge_exports(folder) == 0 and job.file("csv").exists()
    old = time.time() - timedelta(days=1, minutes=1).total_seconds()
    for path in (job.state_file, job.file("csv")):
        os.utime(path, (old, old))
    assert purge_exports(folder) >= 1
    assert not job.state_file.exists() and not job.file("csv").exists()
    assert ExportJob.find(job.token) is None


@pytest.mark.parametrize("token", ["", "../../etc/passwd", "a" * 19, "x" * 61, "abc.def"])
def test_malformed_tokens_find_nothing(app, token):
    assert ExportJob.find(token) is None


def test_write_errors_become_one_line(tmp_path):
    from crm.core.tabular import TableError

    with pytest.raises(TableError, match="no se pudo escribir"):
        write_file(tmp_path / "no-existe" / "a.csv", "csv", ["a"], [[1]])
    with pytest.raises(TableError, match="no se pudo escribir"):
        write_file(tmp_path / "no-existe" / "a.xlsx", "xlsx", ["a"], [[1]])
