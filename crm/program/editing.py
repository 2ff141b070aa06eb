"""Changes to a loaded program year from its pages: the chronogram (each action line's 12 monthly counts),
whether a conditional component applies this year, and the year as a program file (the download that
`program load` reads back unchanged). Every change is audited."""

from __future__ import annotations

import yaml

from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.program.models import ProgramYear
from crm.program.services import program_as_data

MONTHS = 12


def schedule_warnings(program: ProgramYear) -> list[str]:
    """In Spanish, one per action line whose monthly counts do not add up to its yearly target."""
    warnings = []
    for component in program.components:
        for line in component.action_lines:
            total = sum(line.monthly())
            if total != line.target:
                warnings.append(f"{line.code}: los meses suman {total} y la meta anual es {line.target}")
    return warnings


def set_schedule(program: ProgramYear, schedules: dict[str, list[int]], *, actor) -> list[str]:
    """Stores the monthly counts of the action lines named in `schedules` (code -> 12 non-negative integers);
    returns the warnings of lines that do not add up to their target. Audited with what changed."""
    lines = {line.code: line for component in program.components for line in component.action_lines}
    unknown = sorted(set(schedules) - set(lines))
    if unknown:
        raise DomainError(f"Líneas de acción que no son del programa {program.year}: {', '.join(unknown)}")
    changed = {}
    for code, months in schedules.items():
        months = [int(x) for x in months]
        if len(months) != MONTHS or any(x < 0 for x in months):
            raise DomainError(f"{code}: se esperaban 12 cantidades mensuales no negativas")
        line = lines[code]
        if months != line.monthly():  # an unchanged even spread stays implicit (no schedule)
            changed[code] = {"before": line.monthly(), "after": months}
            line.schedule = months
    if changed:
        audit.record(actor, "program.schedule", program, {"year": program.year, "lines": changed})
    db.session.commit()
    return schedule_warnings(program)


def set_applies(program: ProgramYear, code: str, applies: bool, *, actor) -> None:
    """Switches a conditional component on or off for the year (off: "no aplica", out of FIN). Audited."""
    component = program.component(code)
    if component is None or not component.conditional:
        raise DomainError(f"{code} no es un componente condicional del programa {program.year}.")
    if component.applies != applies:
        component.applies = applies
        audit.record(actor, "program.applies", program, {"year": program.year, "component": code,
                                                          "applies": applies})
    db.session.commit()


def program_file(program: ProgramYear) -> str:
    """The year as a YAML program file (README, "Program file"); `program load` reads it back unchanged."""
    header = (f"# {program.title}: the program file of {program.year}, as stored in Vínculo.\n"
              "# Load it with: flask --app wsgi program load FILE\n")
    return header + yaml.safe_dump(program_as_data(program), allow_unicode=True, sort_keys=False, width=1000)
