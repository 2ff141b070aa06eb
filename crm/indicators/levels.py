"""The kind of each level of the results matrix (satisfaction or compliance), as the program says.

The indicators are the one place that asks: a level's kind is the one its program year stores (loaded
from a program file); where no program is loaded for a year, the built-in program's (program_2025.yaml).
"""

from __future__ import annotations

from functools import cache

from crm.program.models import LEVELS, ProgramYear
from crm.program.services import read_program_file


@cache
def _builtin_kinds() -> dict[str, str]:
    return {str(level["code"]).upper(): level["kind"] for level in read_program_file(None)["levels"]}


def level_kinds(program: ProgramYear | None) -> dict[str, str]:
    """Level code -> "satisfaction" or "compliance", for the program of a year (None: no program loaded)."""
    if program is None:
        return dict(_builtin_kinds())
    return {component.code: component.kind for component in program.components}


def satisfaction_components(kinds: dict[str, str]) -> tuple[str, ...]:
    """The components (AI1..AI6) measured by satisfaction surveys, in matrix order; PROPÓSITO adds them up."""
    return tuple(level for level in LEVELS if level.startswith("AI") and kinds.get(level) == "satisfaction")
