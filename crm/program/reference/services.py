"""Loading a year's reference figures (all or nothing) and reading them back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from crm.core import audit
from crm.core.errors import DomainError, ImportProblems, Problem
from crm.core.extensions import db
from crm.core.tabular import Table, TableError, read_file_bytes, read_table_bytes
from crm.program.reference import kinds
from crm.program.reference.models import ReferenceFigure
from crm.program.reference.rows import read_figures, table_from_yaml

# The figures the 2025 program document gives (docs: README, "Reference figures").
BUILTIN = {2025: Path(__file__).with_name("figures_2025.yaml")}
MIN_YEAR, MAX_YEAR = 2000, 2200


@dataclass(frozen=True)
class LoadResult:
    year: int
    loaded: int
    kinds: dict[str, int]  # figures loaded per kind


def read_file(path: str | Path | None, year: int) -> tuple[Table, list[Problem]]:
    """The file's table (CSV, XLSX or YAML) and the problems of its shape (a YAML item that is no object);
    without a path, the figures built in for `year`."""
    if path is None:
        if year not in BUILTIN:
            raise DomainError(f"no hay cifras de referencia incluidas para {year}: indique un archivo")
        path = BUILTIN[year]
    path = Path(path)
    try:
        data = read_file_bytes(path)
        if path.suffix.lower() not in (".yaml", ".yml"):
            return read_table_bytes(data, path.name), []
    except TableError as exc:
        raise DomainError(str(exc)) from None
    try:
        document = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DomainError("el archivo YAML no está en UTF-8") from None
    except yaml.YAMLError as exc:
        raise DomainError(f"{path.name} no es YAML válido: {str(exc).splitlines()[0]}") from None
    return table_from_yaml(document)


def load_figures(table: Table, year: int, *, actor, dry_run: bool = False,
                 shape_problems: list[Problem] | tuple = ()) -> LoadResult:
    """The year's figures of every kind in the file are replaced by the file's; nothing is written when any
    row has a problem (ImportProblems, every problem) or with `dry_run`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(f"el año debe estar entre {MIN_YEAR} y {MAX_YEAR}")
    figures, problems = read_figures(table, kinds.matchers())
    if problems or shape_problems:
        everything = [*shape_problems, *problems]
        raise ImportProblems(sorted(everything, key=lambda p: (p.row is not None, p.row or 0)))
    loaded_kinds = {kind: sum(f.kind == kind for f in figures) for kind in sorted({f.kind for f in figures})}
    try:
        db.session.execute(delete(ReferenceFigure).where(ReferenceFigure.year == year,
                                                         ReferenceFigure.kind.in_(list(loaded_kinds))))
        db.session.add_all(ReferenceFigure(year=year, kind=f.kind, key=f.key, value=f.value, source=f.source)
                           for f in figures)
        audit.record(actor, "reference_figures.load", ("ReferenceFigure", year),
                     {"year": year, "kinds": loaded_kinds, "figures": len(figures)})
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DomainError("no se pudieron guardar las cifras: vuelva a intentarlo") from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return LoadResult(year, len(figures), loaded_kinds)


def figures(year: int, kind: str) -> dict[str, ReferenceFigure]:
    """The year's figures of one kind, by key."""
    rows = db.session.scalars(select(ReferenceFigure).where(ReferenceFigure.year == year,
                                                            ReferenceFigure.kind == kind))
    return {r.key: r for r in rows}


def years() -> list[int]:
    """The years that have reference figures, latest first."""
    return list(db.session.scalars(select(ReferenceFigure.year).distinct().order_by(ReferenceFigure.year.desc())))
