"""The registry of XLSForm functions: which ones the platform evaluates (with their argument counts) and which
ones it knows but refuses, with the reason shown to the person importing the form."""

from __future__ import annotations

# name -> (min_args, max_args); max None: any number. Names are canonical: lower case, prefix kept.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    # selections and choices
    "selected": (2, 2), "count-selected": (1, 1), "selected-at": (2, 2), "jr:choice-name": (2, 2),
    # logic
    "if": (3, 3), "not": (1, 1), "true": (0, 0), "false": (0, 0), "boolean": (1, 1),
    "boolean-from-string": (1, 1), "coalesce": (2, 2), "once": (1, 1), "checklist": (2, None),
    "weighted-checklist": (2, None),
    # text
    "string": (1, 1), "concat": (1, None), "string-length": (1, 1), "regex": (2, 2), "contains": (2, 2),
    "starts-with": (2, 2), "ends-with": (2, 2), "substr": (2, 3), "substring": (2, 3),
    "substring-before": (2, 2), "substring-after": (2, 2), "normalize-space": (1, 1), "translate": (3, 3),
    "join": (2, None), "uuid": (0, 1),
    # numbers
    "number": (1, 1), "int": (1, 1), "round": (1, 2), "floor": (1, 1), "ceiling": (1, 1), "abs": (1, 1),
    "pow": (2, 2), "sqrt": (1, 1), "exp": (1, 1), "exp10": (1, 1), "log": (1, 1), "log10": (1, 1),
    "pi": (0, 0), "sin": (1, 1), "cos": (1, 1), "tan": (1, 1), "asin": (1, 1), "acos": (1, 1), "atan": (1, 1),
    "atan2": (2, 2), "random": (0, 0), "min": (1, None), "max": (1, None),
    # node sets (a ${name}) and repeats
    "sum": (1, 1), "count": (1, 1), "count-non-empty": (1, 1), "position": (1, 1), "indexed-repeat": (3, 3),
    # dates and times
    "today": (0, 0), "now": (0, 0), "date": (1, 1), "date-time": (1, 1), "decimal-date-time": (1, 1),
    "decimal-time": (1, 1), "format-date": (2, 2), "format-date-time": (2, 2),
}

# Functions whose argument must be a ${name} (they read every instance of a question in repeats).
NODESET_FUNCTIONS = frozenset({"sum", "count", "count-non-empty"})

# Known functions the platform does not evaluate: name -> why (completes the refusal line).
UNSUPPORTED: dict[str, str] = {
    "pulldata": "lee archivos externos (CSV) que la plataforma no recibe",
    "instance": "lee listas o archivos externos; use choice_filter sobre la hoja choices",
    "jr:itext": "lee las traducciones internas de un formulario XForm",
    "version": "depende de la aplicación de captura",
    "property": "depende del dispositivo de captura",
    "current": "requiere rutas XPath; use ${nombre}",
    "distance": "requiere cálculos geográficos",
    "area": "requiere cálculos geográficos",
    "geofence": "requiere cálculos geográficos",
    "digest": "requiere funciones criptográficas",
    "randomize": "reordena conjuntos de nodos",
    "base64-decode": "decodifica datos binarios",
    "extract-signed": "verifica firmas criptográficas",
    "encrypt-string": "requiere funciones criptográficas",
    "decrypt-string": "requiere funciones criptográficas",
    "last": "requiere conjuntos de nodos XPath",
    "id": "requiere conjuntos de nodos XPath",
    "lang": "requiere conjuntos de nodos XPath",
    "local-name": "requiere conjuntos de nodos XPath",
    "name": "requiere conjuntos de nodos XPath",
    "namespace-uri": "requiere conjuntos de nodos XPath",
}
