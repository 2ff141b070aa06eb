"""The public page's words: a plain-Spanish reading of each indicator for la ciudadanía, what each one
measures, and the definitions (the dashboard's, less those about staff-only parts: breakdowns, impact)."""

from __future__ import annotations

from crm.core.display import count as counted
from crm.core.display import points, whole
from crm.indicators import reports, scorecard
from crm.indicators.breakdowns import MIN_CELL, SMALL

# The dashboard's definitions that describe staff-only sections, or that this page words for the public
_NOT_PUBLIC = ("Desgloses", "Impacto", "Celdas pequeñas")
KIND_TEXT = {"satisfaction": "Satisfacción", "compliance": "Cumplimiento"}
SUPPRESSION_TEXT = (
    f"Para proteger la identidad de quienes respondieron las encuestas, no se publica ningún valor calculado "
    f"con menos de {MIN_CELL} respuestas («oculto: menos de {MIN_CELL} respuestas»). Para que ese valor no "
    "pueda obtenerse restando otros que sí se muestran (por ejemplo, el año menos los demás trimestres, o "
    "PROPÓSITO menos los otros componentes de satisfacción), se oculta también otra celda de la misma suma "
    "(«oculto: complementaria»)."
)


def _verb(number: int, singular: str, plural: str) -> str:
    return f"{singular if number == 1 else plural} {whole(number)}"


def reading(level: dict, year: int, green: float) -> str:
    """"En 2025 se realizaron 120 de las 579 actividades programadas: se alcanzó el 20,7 % de la meta."
    Only the figures the page shows: a hidden year says why it is hidden and nothing else."""
    cell = level["year"]
    if not level["applies"]:
        return f"En {year} este componente no aplica: es condicional y el programa del año no lo activó."
    if cell["hidden"] == SMALL:
        return (f"El resultado de {year} no se publica: se calculó con menos de {MIN_CELL} respuestas y podría "
                "revelar la opinión de personas concretas.")
    if cell["hidden"]:
        return (f"El resultado de {year} no se publica: mostrarlo permitiría deducir, por resta, otro valor "
                f"oculto por tener menos de {MIN_CELL} respuestas.")
    value, light = cell["value"], level["light"]["label"].lower()
    if level["kind"] == "satisfaction":
        if value is None:
            return f"En {year} todavía no hay respuestas de satisfacción para este indicador."
        answered = counted(cell["responses"], "encuesta respondida", "encuestas respondidas")
        return (f"En {year}, el {points(value)} de las respuestas a las preguntas de satisfacción fueron "
                f"positivas ({answered}). La meta es llegar al menos al {green:.0f}\u00a0%; semáforo: {light}.")
    if level["level"] == "AI1":
        if not cell["denominator"]:
            return f"En {year} no se recibieron gestiones."
        return (f"En {year} {_verb(cell['numerator'], 'se atendió', 'se atendieron')} de las "
                f"{counted(cell['denominator'], 'gestión recibida', 'gestiones recibidas')}: el {points(value)}; "
                f"semáforo: {light}.")
    if not cell["denominator"]:
        done = counted(cell["numerator"], "actividad realizada", "actividades realizadas")
        return f"En {year} el programa no tiene actividades programadas para este nivel ({done})."
    return (f"En {year} {_verb(cell['numerator'], 'se realizó', 'se realizaron')} de las "
            f"{counted(cell['denominator'], 'actividad programada', 'actividades programadas')}: se alcanzó el "
            f"{points(value)} de la meta anual; semáforo: {light}.")


def measures(level: dict, formula: str, description: str = "") -> str:
    """What the indicator measures, in one sentence or two: the program's own description and formula."""
    parts = [f"{KIND_TEXT[level['kind']]}."]
    if description:
        parts.append(description.rstrip(".") + ".")
    if formula:
        parts.append(f"Fórmula: {formula.replace(' x 100', ' × 100')}.")
    return " ".join(parts)


def definitions(program) -> list[tuple[str, str]]:
    """(term, text): the dashboard's definitions that concern this page, the traffic light with the year's
    thresholds, and the small-cell rule as the public reads it."""
    base = [(term, text) for term, text in reports.BASE_DEFINITIONS if not term.startswith(_NOT_PUBLIC)]
    lights = [("Semáforo", text) for text in scorecard.thresholds_text(program)]
    return [*base, *lights, ("Celdas ocultas", SUPPRESSION_TEXT)]
