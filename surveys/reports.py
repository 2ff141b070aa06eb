"""The results-matrix report rendered as JSON, CSV or XLSX (CONTRACTS.md, "Indicators")."""

from __future__ import annotations

import json
from pathlib import Path

from crm.tabular import csv_bytes, write_table, xlsx_bytes

FORMATS = ("json", "csv", "xlsx")
COLUMNS = ("level", "kind", "period", "numerator", "denominator", "responses", "value", "ci_low", "ci_high")


def to_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def table_rows(report: dict) -> list[list]:
    """One row per indicator, the JSON fields in COLUMNS order (absent fields empty)."""
    return [[row.get(column) for column in COLUMNS] for row in report["indicators"]]


def render(report: dict, fmt: str) -> bytes:
    if fmt == "json":
        return (to_json(report) + "\n").encode("utf-8")
    if fmt == "csv":
        return csv_bytes(COLUMNS, table_rows(report))
    if fmt == "xlsx":
        return xlsx_bytes(COLUMNS, table_rows(report), sheet_title="indicadores")
    raise ValueError(f"formato desconocido: {fmt}")


def write_report(report: dict, fmt: str, path: str | Path) -> None:
    path = Path(path)
    if fmt in ("csv", "xlsx") and path.suffix.lower() == f".{fmt}":
        write_table(path, COLUMNS, table_rows(report))
    else:
        path.write_bytes(render(report, fmt))


def format_for(path: str | Path | None, fmt: str | None) -> str:
    """The explicit format, else the output file's extension, else JSON."""
    if fmt:
        return fmt.lower()
    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in FORMATS else "json"
