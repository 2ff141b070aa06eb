"""Domain errors raised by services, the problems of an import file, and configuration errors at start."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A rule was broken; the message is Spanish and meant for the user."""


@dataclass(frozen=True)
class Problem:
    """One problem of an import file: where (spreadsheet row, header = 1; column as written) and what."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """`row R: COLUMN: message` (CONTRACTS.md), or the message alone when it is about no row."""
        if self.row is None:
            return self.message
        return f"row {self.row}: {self.column}: {self.message}"


class ImportProblems(DomainError):
    """An import file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problema(s) en el archivo")
        self.problems = problems


class ConfigurationError(SystemExit):
    """Raised at start with one clear line (no traceback) when configuration is wrong."""

    def __init__(self, message: str):
        super().__init__(f"Error de configuración: {message}")
