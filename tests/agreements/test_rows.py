"""The agreements file's row parser (crm.events.agreements.rows), over generated rows: it never raises, a row
it accepts holds every rule of the contract, and a well-formed row reads back to what was written."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.events.agreements.models import AGREEMENT_TYPES, SIGNED_STATES, STATES
from crm.events.agreements.rows import COLUMNS, read_row
from crm.events.imports.rows import Problems

HEADER = {column: column for column in COLUMNS}
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
CELL = st.one_of(TEXT, DATES.map(date.isoformat), st.sampled_from(
    ["firmado", "En Negociación", "convenio general", "AI1.6", "ai 1.7", "", " ", "2025-02-30", "IETAM; UNAM"]))


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({column: CELL for column in COLUMNS}))
def test_any_row_is_read_or_reported_never_raises(cells):
    problems = Problems()
    row = read_row(5, cells, HEADER, problems)
    assert all(p.row == 5 and p.column in COLUMNS for p in problems.lines)
    assert row.ok == (not problems.lines)
    if row.ok:
        assert row.folio and row.title and row.counterparts and row.state in STATES
        assert row.type is None or row.type in AGREEMENT_TYPES
        assert row.state not in SIGNED_STATES or row.signed_on is not None
        assert not (row.valid_until and row.signed_on and row.valid_until < row.signed_on)
        assert not row.opinion_code or row.opinion_on is not None
        assert not row.signing_code or row.signed_on is not None


NAME = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(folio=NAME, title=NAME, names=st.lists(NAME, min_size=1, max_size=3), kind=st.sampled_from(list(AGREEMENT_TYPES)),
       state=st.sampled_from(list(STATES)), opinion=st.none() | DATES, signed=DATES, days=st.integers(0, 3000))
def test_a_well_formed_row_reads_back(folio, title, names, kind, state, opinion, signed, days):
    from datetime import timedelta

    ends = signed + timedelta(days=days)
    cells = {"folio": f" {folio} ", "titulo": title, "contraparte": "; ".join(names),
             "tipo": AGREEMENT_TYPES[kind].upper(), "estado": STATES[state], "dictamen": opinion.isoformat() if opinion else "",
             "accion_dictamen": "ai1.7" if opinion else "", "firma": signed.isoformat(), "accion_firma": "AI1.6",
             "vigencia_fin": ends.isoformat() if ends.year <= 9999 else "", "area_responsable": ""}
    problems = Problems()
    row = read_row(2, cells, HEADER, problems)
    assert problems.lines == []
    assert (row.folio, row.title, row.counterparts, row.type, row.state) == (folio, title, names, kind, state)
    assert (row.opinion_on, row.opinion_code, row.signed_on, row.signing_code) == (
        opinion, "AI1.7" if opinion else "", signed, "AI1.6")
