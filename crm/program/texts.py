"""The program's warnings in Spanish, for the pages and reports.

The command line and the indicators report (JSON, CSV, XLSX data) keep the warnings as the interface
contract writes them ("AI4: target 279 differs from the sum of its action lines (276)"): other systems read
them. People read them through `warning_es`.
"""

from __future__ import annotations

import re

_WARNINGS_ES = [
    (re.compile(r"^(\S+): target (\d+) differs from the sum of its action lines \((\d+)\)$"),
     "{0}: la meta declarada ({1}) difiere de la suma de sus líneas de acción ({2}); el denominador anual usa "
     "la meta declarada"),
    (re.compile(r"^FIN: target (\d+) differs from the sum of the component targets \((\d+)\)$"),
     "FIN: la meta declarada ({0}) difiere de la suma de las metas de los componentes ({1})"),
    (re.compile(r"^(\S+): monthly schedule adds up to (\d+), target is (\d+)$"),
     "{0}: el calendario mensual suma {1} y la meta es {2}"),
    (re.compile(r"^no program loaded for (\d+): .*$"),
     "No hay programa cargado para {0}: sin metas, el cumplimiento no puede calcularse"),
]


def warning_es(text: str) -> str:
    """A program warning in Spanish (an unknown text is returned as it is)."""
    for pattern, template in _WARNINGS_ES:
        match = pattern.match(text)
        if match:
            return template.format(*match.groups())
    return text
