"""Checks, once every row is read, that each `${name}` and each choices column an expression reads exists."""

from __future__ import annotations

from surveys.xlsform.model import QuestionDef
from surveys.xlsform.names import Names
from surveys.xlsform.qtypes import short
from surveys.xlsform.rowlogic import RowLogic, bare_columns
from surveys.xlsform.sheets import Report


def _choice_column_exists(column: str, choice_columns: set[str]) -> bool:
    lowered = column.lower()
    return column in choice_columns or lowered == "name" or lowered.split(":")[0] == "label"


def check_references(rows: list[tuple[RowLogic, QuestionDef]], names: Names, ignored: set[str],
                     choice_columns: set[str], report: Report) -> None:
    """Each `${name}` names something the form has exactly once: a name used in several groups or repeats is
    ambiguous and refused, as pyxform 4.5 refuses it (so the stored reference is the name as written)."""
    for logic, question in rows:
        for column, name in logic.refs:
            count = names.count(name)
            if count == 1:
                continue
            if count > 1:
                rows = sorted(set(names.rows[name]))  # a loop's copies share their row
                where = ("filas " if len(rows) > 1 else "fila ") + ", ".join(map(str, rows))
                report.error("survey", logic.number, f"{column}: «${{{short(name)}}}» es ambiguo: el nombre se usa "
                                                     f"en varios grupos o repeticiones ({where}); una "
                                                     "referencia debe nombrar una sola pregunta del formulario")
                continue
            if name in ignored:
                why = "es una fila que la plataforma ignora (metadatos del dispositivo)"
            else:
                why = "no es ninguna pregunta del formulario"
            report.error("survey", logic.number, f"{column}: «${{{short(name)}}}» {why}")
        choice_filter = question.logic.get("choice_filter")
        if choice_filter is None:
            continue
        for column in sorted(bare_columns(choice_filter["tree"])):
            if not _choice_column_exists(column, choice_columns):  # XPath reads it as empty; pyxform accepts it
                report.warnings.append(f"survey row {logic.number}: choice_filter lee la columna «{short(column)}», "
                                       "que la hoja choices no tiene: vale vacío en todas las opciones")
