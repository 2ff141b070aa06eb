"""Loading a program year's results matrix (idempotent, all-or-nothing)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.program import matrix
from crm.program.models import LEVELS, ActionLine, Component, ProgramYear

BUILTIN = Path(__file__).with_name("program_2025.yaml")
LEVEL_CODE = re.compile(r"^(FIN|PROPOSITO|AI\d+)$")


class ProgramError(DomainError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class LoadResult:
    program: ProgramYear
    warnings: list[str]
    created: bool


def read_program_file(path: str | Path | None) -> dict:
    source = Path(path) if path else BUILTIN
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProgramError([f"no existe el archivo {source}"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramError([f"no se pudo leer {source}: {exc}"]) from None
    try:
        data = json.loads(text) if source.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ProgramError([f"{source.name} no es YAML/JSON válido: {str(exc).splitlines()[0]}"]) from None
    if not isinstance(data, dict):
        raise ProgramError([f"{source.name}: se esperaba un objeto con year, title y levels"])
    return data


def _int(value, where: str, problems: list[str], *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"{where}: debe ser un número entero no negativo (se leyó {value!r})")
        return None
    return value


def _check_line(line, code: str, where: str, seen_lines: set[str], problems: list[str]) -> dict | None:
    """One action line of level `code`: its clean form, or None when it is not an object."""
    if not isinstance(line, dict):
        problems.append(f"{where}: se esperaba un objeto")
        return None
    line_code = str(line.get("code", "")).strip().upper()
    if not line_code.startswith(code + ".") or not line_code[len(code) + 1:].isdigit():
        problems.append(f"{where}: el código {line_code or '(vacío)'} debe ser {code}.N")
    elif line_code in seen_lines:
        problems.append(f"{where}: código {line_code} repetido")
    seen_lines.add(line_code)
    line_target = _int(line.get("target"), f"{where}: target", problems)
    schedule = line.get("schedule")
    if schedule is not None:
        if (not isinstance(schedule, list) or len(schedule) != 12
                or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in schedule)):
            problems.append(f"{where}: schedule debe ser una lista de 12 enteros no negativos (enero primero)")
            schedule = None
    return {"code": line_code, "target": line_target or 0, "schedule": schedule,
            "description": str(line.get("description") or "").strip()}


def _check_level(level, where: str, seen_levels: set[str], seen_lines: set[str], problems: list[str]
                 ) -> dict | None:
    """One level of the matrix and its action lines: its clean form, or None when it is not an object."""
    if not isinstance(level, dict):
        problems.append(f"{where}: se esperaba un objeto")
        return None
    code = str(level.get("code", "")).strip().upper()
    where = f"{where} ({code or 'sin código'})"
    if not LEVEL_CODE.match(code):
        problems.append(f"{where}: código de nivel no válido; use FIN, PROPOSITO o AI1, AI2...")
    elif code in seen_levels:
        problems.append(f"{where}: código repetido")
    seen_levels.add(code)
    kind = level.get("kind")
    if kind not in ("satisfaction", "compliance"):
        problems.append(f"{where}: kind debe ser satisfaction o compliance (se leyó {kind!r})")
    target = _int(level.get("target"), f"{where}: target", problems, allow_none=True)
    lines = level.get("action_lines") or []
    if not isinstance(lines, list):
        problems.append(f"{where}: action_lines debe ser una lista")
        lines = []
    clean_lines = [_check_line(line, code, f"{where} action_lines[{index}]", seen_lines, problems)
                   for index, line in enumerate(lines, start=1)]
    return {
        **matrix.check_level_keys(level, code, where, problems),
        "code": code, "kind": kind, "target": target, "lines": [line for line in clean_lines if line is not None],
        "name": str(level.get("name") or code).strip(), "description": str(level.get("description") or "").strip(),
        "formula": str(level.get("formula") or "").strip(),
        "frequency": str(level.get("frequency") or ("yearly" if code in ("FIN", "PROPOSITO") else "quarterly")),
    }


def _target_warnings(levels: list[dict]) -> list[str]:
    """Fills the targets left out (the sum of the parts) and warns where a target differs from that sum."""
    warnings = []
    components = [lv for lv in levels if lv["code"].startswith("AI")]
    for level in components:
        if level["target"] is None:
            level["target"] = sum(line["target"] for line in level["lines"])
        total = sum(line["target"] for line in level["lines"])
        if level["lines"] and total != level["target"]:
            warnings.append(f"{level['code']}: target {level['target']} differs from the sum of its action lines ({total})")
        for line in level["lines"]:
            if line["schedule"] is not None and sum(line["schedule"]) != line["target"]:
                warnings.append(f"{line['code']}: monthly schedule adds up to {sum(line['schedule'])}, "
                                f"target is {line['target']}")
    fin = next(lv for lv in levels if lv["code"] == "FIN")
    component_sum = sum(lv["target"] for lv in components)
    if fin["target"] is None:
        fin["target"] = component_sum
    elif fin["target"] != component_sum:
        warnings.append(f"FIN: target {fin['target']} differs from the sum of the component targets ({component_sum})")
    return warnings


def validate_program(data: dict) -> tuple[dict, list[str]]:
    """Checks the shape; returns (clean data, warnings) or raises ProgramError with every problem."""
    problems: list[str] = []
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2200:
        problems.append(f"year: se esperaba un año como 2026 (se leyó {year!r})")
    levels = data.get("levels")
    if not isinstance(levels, list) or not levels:
        problems.append("levels: se esperaba una lista de niveles (FIN, PROPOSITO, AI1...)")
        raise ProgramError(problems)
    seen_levels: set[str] = set()
    seen_lines: set[str] = set()
    clean_levels = [_check_level(level, f"levels[{index}]", seen_levels, seen_lines, problems)
                    for index, level in enumerate(levels, start=1)]
    missing = [code for code in LEVELS if code not in seen_levels]
    if missing:
        problems.append(f"levels: faltan los niveles {', '.join(missing)}")
    thresholds = matrix.check_thresholds(data.get("thresholds"), problems)
    if problems:
        raise ProgramError(problems)
    warnings = _target_warnings(clean_levels)
    return {"year": year, "title": str(data.get("title") or f"Programa {year}"), "thresholds": thresholds,
            "levels": clean_levels}, warnings


def load_program(data: dict, *, actor=None) -> LoadResult:
    """Creates or updates the program year from validated data; one transaction."""
    clean, warnings = validate_program(data)
    program = db.session.scalar(select(ProgramYear).where(ProgramYear.year == clean["year"]))
    created = program is None
    if created:
        program = ProgramYear(year=clean["year"], title=clean["title"])
        db.session.add(program)
        db.session.flush()
    program.title = clean["title"]
    program.threshold_green = clean["thresholds"]["green"]
    program.threshold_yellow = clean["thresholds"]["yellow"]
    existing = {c.code: c for c in program.components}
    existing_lines = {
        line.code: line
        for line in db.session.scalars(select(ActionLine).where(ActionLine.program_year_id == program.id))
    }
    wanted_lines: set[str] = set()
    for position, level in enumerate(clean["levels"]):
        component = existing.get(level["code"])
        if component is None:
            component = Component(code=level["code"])
            program.components.append(component)
        component.name = level["name"]
        component.description = level["description"]
        component.kind = level["kind"]
        component.formula = level["formula"]
        component.frequency = level["frequency"]
        component.target = level["target"]
        component.position = position
        for key in ("dimension", "indicator_type", *matrix.TEXT_KEYS, "conditional", "applies"):
            setattr(component, key, level[key])
        db.session.flush()
        for line_position, line in enumerate(level["lines"]):
            wanted_lines.add(line["code"])
            action_line = existing_lines.get(line["code"])
            if action_line is None:
                action_line = ActionLine(code=line["code"], program_year_id=program.id, component_id=component.id)
                db.session.add(action_line)
            action_line.component_id = component.id
            action_line.target = line["target"]
            action_line.schedule = line["schedule"]
            action_line.description = line["description"]
            action_line.position = line_position
    db.session.flush()
    _remove_lines({code: line for code, line in existing_lines.items() if code not in wanted_lines})
    for code, component in existing.items():
        if code not in {lv["code"] for lv in clean["levels"]}:
            db.session.delete(component)
    audit.record(actor, "program.load", program, {"year": program.year, "warnings": warnings})
    db.session.commit()
    return LoadResult(program=program, warnings=warnings, created=created)


def _remove_lines(lines: dict[str, ActionLine]) -> None:
    """Deletes the action lines the program no longer has. The records of the domains above (activities,
    requests) refer to action lines by foreign keys without ON DELETE action, so the database refuses to
    delete a line still in use: then the whole load is rolled back."""
    for code, line in lines.items():
        db.session.delete(line)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise ProgramError([f"{code}: la línea de acción tiene actividades o gestiones registradas y no "
                                "puede quitarse del programa"]) from None


def _level_as_data(c: Component) -> dict:
    level = {"code": c.code, "name": c.name}
    if c.description:
        level["description"] = c.description
    level.update({"kind": c.kind, "formula": c.formula, "frequency": c.frequency})
    if c.target is not None:
        level["target"] = c.target
    level.update(matrix.level_keys_as_data(c))
    if c.action_lines:
        level["action_lines"] = [
            {"code": line.code, "target": line.target, "description": line.description,
             **({"schedule": [int(x) for x in line.schedule]} if line.schedule else {})}
            for line in c.action_lines]
    return level


def program_as_data(program: ProgramYear) -> dict:
    """The stored program in the shape of a program file: `program load` reads it back unchanged."""
    return {
        "year": program.year, "title": program.title,
        "thresholds": {"green": program.threshold_green, "yellow": program.threshold_yellow},
        "levels": [_level_as_data(c) for c in program.components],
    }


def program_for_year(year: int) -> ProgramYear | None:
    return db.session.scalar(select(ProgramYear).where(ProgramYear.year == year))


def action_line_by_code(year: int, code: str) -> ActionLine | None:
    return db.session.scalar(
        select(ActionLine).join(ProgramYear, ProgramYear.id == ActionLine.program_year_id)
        .where(ProgramYear.year == year, ActionLine.code == code.strip().upper())
    )
