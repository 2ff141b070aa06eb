"""The reference-figures row parser: every rule, and hypothesis over the cells it may be given."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.contacts.catalogs import ALCALDIAS, match_alcaldia
from crm.contacts.services import resolve_country
from crm.core.tabular import Table
from crm.program.reference.models import MAX_VALUE
from crm.program.reference.rows import COLUMNS, read_figures, read_value, table_from_yaml

MATCHERS = {"alcaldia": match_alcaldia, "pais": resolve_country}
HEADER = list(COLUMNS)


def _table(*rows: dict, header=HEADER) -> Table:
    return Table(header=list(header), rows=[(number, cells) for number, cells in enumerate(rows, start=2)])


def _problems(table: Table) -> list[str]:
    return [str(p) for p in read_figures(table, MATCHERS)[1]]


def test_a_good_table_reads_to_canonical_keys():
    figures, problems = read_figures(_table(
        {"kind": "lista_nominal_alcaldia", "key": "coyoacan", "value": "564,885", "source": "Programa 2025"},
        {"kind": "LISTA_NOMINAL_ALCALDIA", "key": "GAM", "value": "1039279", "source": ""},
        {"kind": "credenciales_extranjero_pais", "key": "Estados Unidos", "value": "108315", "source": ""},
        {"kind": "credenciales_extranjero_pais", "key": "ca", "value": "0", "source": ""},
    ), MATCHERS)
    assert problems == []
    assert [(f.row, f.kind, f.key, f.value) for f in figures] == [
        (2, "lista_nominal_alcaldia", "Coyoacán", 564885), (3, "lista_nominal_alcaldia", "Gustavo A. Madero", 1039279),
        (4, "credenciales_extranjero_pais", "US", 108315), (5, "credenciales_extranjero_pais", "CA", 0)]
    assert figures[0].source == "Programa 2025"


def test_every_rule_is_reported_per_row_and_column():
    problems = _problems(_table(
        {"kind": "", "key": "", "value": "", "source": ""},
        {"kind": "poblacion", "key": "Coyoacán", "value": "-3", "source": ""},
        {"kind": "lista_nominal_alcaldia", "key": "Ecatepec", "value": "1.5", "source": "x" * 501},
        {"kind": "credenciales_extranjero_pais", "key": "Narnia", "value": "12 mil", "source": ""},
        {"kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": str(MAX_VALUE + 1), "source": ""},
        {"kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": "10", "source": ""},
        {"kind": "lista_nominal_alcaldia", "key": "tlalpan", "value": "11", "source": ""},
    ))
    assert problems == [
        "row 2: kind: falta el tipo de cifra",
        "row 2: key: falta la clave",
        "row 2: value: falta el valor",
        "row 3: kind: «poblacion» no es un tipo de cifra conocido: use lista_nominal_alcaldia o "
        "credenciales_extranjero_pais",
        "row 3: value: «-3» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)",
        "row 4: key: «Ecatepec» no es una alcaldía de la Ciudad de México",
        "row 4: value: «1.5» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)",
        "row 4: source: la fuente tiene 501 caracteres; el máximo es 500",
        "row 5: key: «Narnia» no es un país (código ISO de dos letras o su nombre)",
        "row 5: value: «12 mil» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)",
        f"row 6: value: {MAX_VALUE + 1} es mayor que el máximo admitido ({MAX_VALUE})",
        "row 8: key: Tlalpan ya tiene una cifra de lista_nominal_alcaldia en la fila 7",
    ]


def test_the_header_is_checked_before_the_rows():
    assert _problems(_table({"tipo": "x", "key": "y", "valor": "1"}, header=["tipo", "key", "valor"])) == [
        "falta la columna «kind»: las columnas son kind, key, value, source",
        "falta la columna «value»: las columnas son kind, key, value, source",
        "columna desconocida «tipo»: las columnas son kind, key, value, source",
        "columna desconocida «valor»: las columnas son kind, key, value, source",
    ]
    assert _problems(_table(header=HEADER)) == ["el archivo no tiene cifras"]
    cells = {"kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": "1", "source": "", "\x00extra": "z"}
    assert _problems(_table(cells)) == ["row 2: (sin encabezado): hay valores fuera de las columnas del encabezado"]


def test_yaml_items_are_rows_from_one():
    table, problems = table_from_yaml([{"kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": 572637},
                                       "texto", {"kind": "lista_nominal_alcaldia", "key": ["a"], "value": 1}])
    assert [str(p) for p in problems] == ["row 2: (fila): se esperaba un objeto con kind, key, value y source",
                                         "row 3: key: se esperaba un texto o un número"]
    assert table.rows[0] == (1, {"kind": "lista_nominal_alcaldia", "key": "Tlalpan", "value": "572637"})
    assert [str(p) for p in table_from_yaml({"kind": "x"})[1]] == [
        "el archivo YAML debe ser una lista de objetos con kind, key, value y source"]
    figures, problems = read_figures(table_from_yaml([{"kind": "lista_nominal_alcaldia", "key": "Tlalpan",
                                                       "value": 1.5}])[0], MATCHERS)
    assert [str(p) for p in problems] == [
        "row 1: value: «1.5» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)"]


@given(st.integers(min_value=0, max_value=MAX_VALUE), st.booleans())
def test_every_integer_in_range_reads_back_with_or_without_thousands_separators(value, separated):
    assert read_value(f"{value:,}" if separated else str(value)) == value


@given(st.text(max_size=20))
def test_read_value_returns_an_integer_in_range_or_a_reason(text):
    result = read_value(text)
    if isinstance(result, int):
        assert 0 <= result <= MAX_VALUE and text.isascii() and text.replace(",", "").isdigit()
    else:
        assert isinstance(result, str) and result


CELL = st.one_of(st.text(max_size=30), st.sampled_from(["lista_nominal_alcaldia", "credenciales_extranjero_pais",
                                                         *ALCALDIAS, "MX", "us", "Canadá", "12", "1,000", "-1"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({name: CELL for name in COLUMNS}), max_size=8))
def test_any_table_gives_either_clean_figures_or_problems_and_never_raises(rows):
    figures, problems = read_figures(_table(*rows), MATCHERS)
    for problem in problems:
        assert problem.row is None or 2 <= problem.row <= len(rows) + 1
        assert str(problem).strip()
    for figure in figures:  # a figure is returned only from a clean row, with a canonical key
        assert not any(p.row == figure.row for p in problems)
        assert figure.key in ALCALDIAS if figure.kind == "lista_nominal_alcaldia" else len(figure.key) == 2
        assert 0 <= figure.value <= MAX_VALUE
    assert len({(f.kind, f.key) for f in figures}) == len(figures)
    if not rows:
        assert [str(p) for p in problems] == ["el archivo no tiene cifras"]


@given(st.text(alphabet=string.ascii_letters + " áéíóú", max_size=25))
def test_an_unknown_alcaldia_is_refused_with_its_text(text):
    cells = {"kind": "lista_nominal_alcaldia", "key": text, "value": "1", "source": ""}
    figures, problems = read_figures(_table(cells), MATCHERS)
    if match_alcaldia(text.strip()) and text.strip():
        assert problems == [] and figures[0].key in ALCALDIAS
    else:
        assert len(problems) == 1 and problems[0].column == "key"
