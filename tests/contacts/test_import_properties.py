"""Hostile contacts files: never an exception other than ImportProblems/TableError; problems write nothing."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.contacts.catalogs import COLUMNS
from crm.contacts.imports.pipeline import import_contacts
from crm.contacts.models import Affiliation, Organization, Person, PersonEmail
from crm.contacts.services import _full_email_problem, email_problem
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.core.tabular import TableError, read_csv_bytes

HOSTILE = [
    "", " ", "=1+1", "+52 55 2233 4455", "-2", "@SUM(A1)", "'=x", "''", "\t=x", "\r", "\x00", "\u202eabc",
    "\u200f\u200e", "مرحبا", "שלום", "名前", "🙂", "a" * 500, "x" * 5000, "NULL", "None", "0", "1e308", "\\N",
    "rosa@example.org", "ROSA@EXAMPLE.ORG", "ana@", "@", "55 2233 4455", "(312) 555-2368", "+1", "1" * 300,
    "MX", "US", "Estados Unidos", "Narnia", "mujer", "H", "nb", "Coyoacán", "gam", "Toluca", "rvc", "rvc;;observacion",
    "INE", "Instituto Nacional Electoral (INE)", "()", "(((", "es", "en-US", "xx", "2025-03-03", "2025-02-30",
    "9999-12-31", "<script>alert(1)</script>", "'; DROP TABLE person; --", "a\nb", "\ufeff", "\u00ad",
]
PLAUSIBLE = {
    "nombre": ["Rosa", "Óscar", "=1+1", "'=x", "مرحبا", "名前"], "primer_apellido": ["Téllez", "Nava", "-Resta", "שלום"],
    "segundo_apellido": ["", "Aguilar", "@x"], "sexo": ["", "mujer", "H", "NB", "prefiero no decir"],
    "correo": ["", "rosa@example.org", "ROSA@example.org", "luis@example.org", "=ana@example.org"],
    "telefono": ["", "55 2233 4455", "+1 312 555 2368", "(312) 555-2368", "612 345 678"],
    "pais_residencia": ["", "MX", "US", "España", "United Kingdom", "mex"], "estado": ["", "Illinois", "MX-CMX"],
    "ciudad": ["", "Chicago", "+ciudad"], "alcaldia": ["", "Coyoacán", "gam"], "red": ["", "rvc", "observacion;rvc"],
    "organizacion": ["", "INE", "Instituto Nacional Electoral (INE)", "Sciences Po"], "cargo": ["", "Vocal"],
    "idioma": ["", "es", "EN"], "consentimiento": ["", "2025-03-03"],
}
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))


def cell(column: str):
    plausible = st.sampled_from(PLAUSIBLE.get(column, [""]))
    return st.one_of(plausible, plausible, plausible, hostile)


columns = st.tuples(
    st.lists(st.sampled_from(COLUMNS), unique=True, max_size=len(COLUMNS)),
    st.lists(st.sampled_from(["", "apodo", "Nombre", " correo", "nombre"]), max_size=1),
).map(lambda parts: ["nombre", "primer_apellido", "correo"] + [c for c in parts[0] if c not in
                                                               ("nombre", "primer_apellido", "correo")] + parts[1])


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Person, PersonEmail, Organization, Affiliation))


def csv_bytes(header: list[str], rows: list[list[str]], bom: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(header=columns, data=st.data(), bom=st.booleans(), dry_run=st.booleans())
def test_hostile_rows_never_crash_and_problems_write_nothing(app, header, data, bom, dry_run):
    row = st.tuples(*[cell(c) for c in header]).map(list)
    extra = st.lists(hostile, max_size=1)
    rows = data.draw(st.lists(st.tuples(row, extra).map(lambda p: p[0] + p[1]), max_size=6))
    before = counts()
    try:
        table = read_csv_bytes(csv_bytes(header, rows, bom))
        result = import_contacts(table, dry_run=dry_run)
    except (ImportProblems, TableError) as exc:
        event(type(exc).__name__)
        assert counts() == before
        for line in map(str, getattr(exc, "problems", [])):
            assert line.startswith("row ") and "\n" not in line and "\x00" not in line
        return
    event("imported")
    after = counts()
    if dry_run:
        assert after == before
    else:
        assert after[0] == before[0] + result.created
    assert result.created + result.updated == len(table.rows)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries({
    "nombre": st.text(st.characters(categories=("L", "M", "Nd")), min_size=1, max_size=20),
    "primer_apellido": st.sampled_from(["Téllez", "Nava", "=Suma", "O'Brien", "Ñúñez"]),
    "correo": st.sampled_from(["a@example.org", "B@example.org", "c@example.org", ""]),
    "telefono": st.sampled_from(["55 2233 4455", "+13125552368", "", "612 345 678"]),
    "pais_residencia": st.sampled_from(["", "MX", "España", "United States"]),
    "red": st.sampled_from(["", "rvc", "observacion;rvc"]),
    "organizacion": st.sampled_from(["", "INE", "Instituto Nacional Electoral (INE)", "IECM"]),
    "cargo": st.sampled_from(["", "Vocal"]),
}), max_size=5))
def test_valid_looking_files_import_consistently(app, rows):
    """Plausible rows either import (and a second import only updates) or are refused without writing."""
    header = list(rows[0]) if rows else ["nombre", "primer_apellido", "correo"]
    table = read_csv_bytes(csv_bytes(header, [[r[c] for c in header] for r in rows], True))
    before = counts()
    try:
        first = import_contacts(table)
    except ImportProblems:
        event("refused")
        assert counts() == before
        return
    event("imported")
    assert first.created + first.updated == len(rows)
    stored = counts()
    try:
        again = import_contacts(read_csv_bytes(csv_bytes(header, [[r[c] for c in header] for r in rows], True)))
    except ImportProblems:
        # Legitimate: a row without a country has its phone read in the person's stored country, which an
        # earlier row of the same file may have changed; the second import is then refused, writing nothing.
        event("second import refused")
        assert counts() == stored
        return
    assert again.created == 0 or any(not r["correo"] for r in rows)


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{0,70}@[A-Za-z0-9.-]{0,30}", fullmatch=True),
    st.emails().map(str),
    st.text(max_size=40),
))
def test_fast_email_check_agrees_with_email_validator(address):
    assert (email_problem(address) is None) == (_full_email_problem(address) is None)
