"""The organizations file's row parser (crm.contacts.organizations.rows): every rule, and properties."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.contacts.organizations.rows import COLUMNS, EXTRA, check_header, match_type, read_row

VALID = {"nombre": "Universidad de Sonora", "siglas": "UNISON", "tipo": "Académica", "ambito": "nacional",
         "pais": "México", "sitio_web": "https://www.unison.mx", "correo": "vinculacion@unison.mx",
         "telefono": "662 259 2100", "alta": "2022-01-10", "baja": ""}


def test_a_valid_row_is_typed():
    row, problems = read_row(2, VALID)
    assert problems == []
    assert (row.name, row.acronym, row.type, row.scope, row.country) == ("Universidad de Sonora", "UNISON",
                                                                         "academica", "nacional", "MX")
    assert (row.e164, row.began_on, row.ended_on) == ("+526622592100", date(2022, 1, 10), None)


def test_every_spelling_of_the_contract_gives_its_code():
    spellings = {"gubernamental": "gubernamental", "académica": "academica", "ELECTORAL": "electoral",
                 "Internacional": "internacional", "sociedad civil": "sociedad_civil", "Sociedad_Civil": "sociedad_civil",
                 "privada": "privada", "medios de comunicación": "medios", "área interna": "area_interna",
                 "sin_clasificar": "sin_clasificar"}
    assert {text: match_type(text) for text in spellings} == spellings
    assert match_type("iglesia") is None


def test_every_rule_a_row_breaks_is_reported_at_once():
    row, problems = read_row(7, {"nombre": "", "siglas": "X" * 41, "tipo": "iglesia", "ambito": "regional",
                                 "pais": "Narnia", "sitio_web": "ftp://ejemplo.org", "correo": "no-es-correo",
                                 "telefono": "+52 123", "alta": "2025-02-30", "baja": "ayer", EXTRA: "sobra"})
    assert row is None
    columns = sorted(p.column for p in problems)
    assert columns == sorted(["(sin encabezado)", "nombre", "siglas", "tipo", "ambito", "pais", "sitio_web", "correo",
                              "telefono", "alta", "baja"])
    assert all(p.row == 7 for p in problems)


def test_baja_must_come_after_alta():
    _, problems = read_row(3, {**VALID, "alta": "2024-05-01", "baja": "2024-05-01"})
    assert [(p.column, "posterior" in p.message) for p in problems] == [("baja", True)]


def test_a_name_with_its_acronym_in_parentheses_gives_both():
    row, _ = read_row(2, {"nombre": "Instituto Nacional Electoral (INE)", "tipo": "electoral"})
    assert (row.name, row.acronym) == ("Instituto Nacional Electoral", "INE")


def test_a_phone_without_country_code_waits_for_the_stored_country_when_pais_is_empty():
    row, problems = read_row(2, {"nombre": "A", "tipo": "privada", "telefono": "55 5483 3800"})
    assert problems == [] and (row.phone, row.e164) == ("55 5483 3800", None)


def test_header_unknown_repeated_and_missing_columns():
    problems = check_header(["nombre", "nombre", "tipos", "color"])
    assert [(p.row, p.column) for p in problems] == [(1, "nombre"), (1, "tipos"), (1, "color"), (1, "tipo")]
    assert "¿quiso decir «tipo»?" not in problems[1].message  # `tipos` is not `tipo` once folded
    assert check_header(list(COLUMNS)) == []


cells = st.dictionaries(st.sampled_from(list(COLUMNS) + [EXTRA, ""]), st.text(max_size=80), max_size=12)


@settings(max_examples=300, deadline=None)
@given(cells)
def test_any_row_gives_a_typed_row_or_problems_never_an_exception(values):
    row, problems = read_row(5, values)
    assert (row is None) == bool(problems)
    assert all(p.row == 5 and p.column and p.message for p in problems)
    if row is not None:
        assert row.name and row.type and (row.ended_on is None or row.began_on is None or row.ended_on > row.began_on)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
       st.sampled_from(["gubernamental", "Académica", "sociedad civil", "Medios de comunicación", "área interna"]))
def test_dates_and_types_read_back_exactly(began, ended, kind):
    row, problems = read_row(2, {"nombre": "Organización", "tipo": kind, "alta": began.isoformat(),
                                 "baja": ended.isoformat()})
    if ended > began:
        assert problems == [] and (row.began_on, row.ended_on) == (began, ended)
        assert row.type == match_type(kind)
    else:
        assert [p.column for p in problems] == ["baja"]
