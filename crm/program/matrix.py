"""The program file's optional matrix keys (Logical Framework): per level `dimension`, `type`,
`verification` (means of verification), `assumptions`, `risks`, `conditional` and `applies`; per program
`thresholds` ({green, yellow}, the traffic light). Checked here, written by services.load_program."""

from __future__ import annotations

from crm.core.text import fold
from crm.program.models import DEFAULT_GREEN, DEFAULT_YELLOW, DIMENSIONS, INDICATOR_TYPES

TEXT_KEYS = ("verification", "assumptions", "risks")


def _code(value, vocabulary: dict[str, str], key: str, where: str, problems: list[str]) -> str | None:
    """A vocabulary code read from its text (case and accents ignored), or None when absent."""
    if value is None or value == "":
        return None
    code = fold(value).replace(" ", "")
    if code not in vocabulary:
        problems.append(f"{where}: {key} debe ser {' o '.join(vocabulary.values())} (se leyó {value!r})")
        return None
    return code


def _text(value, key: str, where: str, problems: list[str]) -> str:
    """A free text; a list of texts (one per item) is accepted and kept one per line."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(item.strip() for item in value if item.strip())
    if not isinstance(value, str):
        problems.append(f"{where}: {key} debe ser un texto o una lista de textos")
        return ""
    return value.strip()


def _flag(value, default: bool, key: str, where: str, problems: list[str]) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.append(f"{where}: {key} debe ser true o false (se leyó {value!r})")
        return default
    return value


def check_level_keys(level: dict, code: str, where: str, problems: list[str]) -> dict:
    """The optional matrix keys of one level, clean; every problem appended to `problems`."""
    clean = {
        "dimension": _code(level.get("dimension"), DIMENSIONS, "dimension", where, problems),
        "indicator_type": _code(level.get("type"), INDICATOR_TYPES, "type", where, problems),
        **{key: _text(level.get(key), key, where, problems) for key in TEXT_KEYS},
        "conditional": _flag(level.get("conditional"), False, "conditional", where, problems),
        "applies": _flag(level.get("applies"), True, "applies", where, problems),
    }
    if not code.startswith("AI") and (clean["conditional"] or not clean["applies"]):
        problems.append(f"{where}: solo un componente (AI1, AI2...) puede ser condicional")
    elif not clean["applies"] and not clean["conditional"]:
        problems.append(f"{where}: applies: false solo vale para un componente condicional (conditional: true)")
    return clean


def check_thresholds(value, problems: list[str]) -> dict:
    """`thresholds: {green: 85, yellow: 70}`: whole percentages, 0 <= yellow <= green <= 100."""
    if value is None:
        return {"green": DEFAULT_GREEN, "yellow": DEFAULT_YELLOW}
    if not isinstance(value, dict) or set(value) - {"green", "yellow"}:
        problems.append("thresholds: se esperaba {green: 85, yellow: 70}")
        return {"green": DEFAULT_GREEN, "yellow": DEFAULT_YELLOW}
    out = {}
    for key, default in (("green", DEFAULT_GREEN), ("yellow", DEFAULT_YELLOW)):
        number = value.get(key, default)
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 100:
            problems.append(f"thresholds: {key} debe ser un porcentaje entero de 0 a 100 (se leyó {number!r})")
            number = default
        out[key] = number
    if out["yellow"] > out["green"]:
        problems.append(f"thresholds: yellow ({out['yellow']}) no puede ser mayor que green ({out['green']})")
    return out


def level_keys_as_data(component) -> dict:
    """The stored matrix keys of a level in the program file's shape (only those that say something)."""
    data: dict = {}
    if component.dimension:
        data["dimension"] = DIMENSIONS[component.dimension]
    if component.indicator_type:
        data["type"] = INDICATOR_TYPES[component.indicator_type]
    for key in TEXT_KEYS:
        if getattr(component, key):
            data[key] = getattr(component, key)
    if component.conditional:
        data["conditional"] = True
        data["applies"] = bool(component.applies)
    return data


def applies(program, code: str) -> bool:
    """Whether level `code` counts this year (a conditional component switched off does not)."""
    component = program.component(code) if program is not None else None
    return component is None or component.applies
