"""Hostile input for the XLSForm reader and the responses importer (hypothesis).

Whatever the workbook or the rows hold: no exception other than the domain errors, problems in
the contract's shape, nothing written when there is a problem, and what is accepted round-trips.
"""

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert
from sqlalchemy import func, select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import TableError, csv_bytes, read_csv_bytes, read_xlsx_bytes
from surveys import services
from surveys.models import Answer, Choice, Question, Response, Survey
from surveys.responses.export import export_rows
from surveys.responses.imports import ResponsesImportError, import_responses
from surveys.xlsform.model import XLSFormError
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import xlsform_bytes
from tests.surveys.helpers import csv_bytes as plain_csv
from tests.surveys.helpers import rich_form, workbook_bytes, xlsx_table_bytes

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FORM_PROBLEM = re.compile(r"^(survey|choices|settings) row \d+: \S")
ROW_PROBLEM = re.compile(r"^row \d+: .+: \S")

# Text a workbook can hold (openpyxl refuses control characters) and a CSV can carry.
cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
csv_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
scalar = st.one_of(st.none(), cell_text, st.integers(-3, 3), st.booleans(), st.floats(allow_nan=False, width=32))


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (Survey, Question, Choice, Response, Answer, AuditEntry))


# --------------------------------------------------------------------------- hostile workbooks

SURVEY_COLUMNS = ["type", "name", "label", "label::Español (es)", "label::English (en)", "label::es", "hint",
                  "hint::English (en)", "required", "indicator", "appearance", "lable", "relevant", "label::Klingon",
                  "Type", ""]
TYPES = ["text", "integer", "decimal", "date", "note", "select_one l1", "select_multiple l1", "select_one l2",
         "select_one nada", "begin_group", "end_group", "begin group", "end group", "geopoint", "start",
         "select_one", "select one l1", "select_one l1 or_other", "Text", ""]
NAMES = ["q1", "q2", "q3", "g1", "meta", "1mal", "con espacio", "año", "", "Ñu", "x" * 81]
YES_NO = ["yes", "no", "", "sí", "TRUE()", "quizás", True, False, 1, 0, 2, None]


def by_column(column: str):
    base = column.split("::")[0].lower()
    if base == "type":
        return st.one_of(st.sampled_from(TYPES), cell_text)
    if base == "name":
        return st.one_of(st.sampled_from(NAMES), cell_text)
    if base in ("required", "positive"):
        return st.sampled_from(YES_NO)
    if base == "indicator":
        return st.sampled_from(["", "satisfaction", "SATISFACTION", "otro", None])
    if base == "list_name":
        return st.sampled_from(["l1", "l2", "", "l 1", "nada"])
    return st.one_of(cell_text, scalar)


@st.composite
def sheet(draw, pool: list[str], max_rows: int = 6):
    header = draw(st.lists(st.sampled_from(pool), max_size=8))
    rows = draw(st.lists(st.tuples(*[by_column(c) for c in header]) if header else st.just(()), max_size=max_rows))
    return [header, *[list(r) for r in rows]]


@st.composite
def hostile_workbook(draw) -> bytes:
    survey = draw(st.one_of(st.none(), sheet(SURVEY_COLUMNS, 8),
                            st.just([["type", "name", "label", "required", "indicator"]]).flatmap(
                                lambda h: st.lists(st.tuples(*[by_column(c) for c in h[0]]), max_size=8).map(
                                    lambda rows: h + [list(r) for r in rows]))))
    choices = draw(st.one_of(st.none(), sheet(["list_name", "name", "label", "label::en", "positive", "extra"]),
                             st.lists(st.tuples(st.sampled_from(["l1", "l2", "", "l 1"]),
                                                st.sampled_from(["a", "b", "c", "a b", "", "1"]), cell_text,
                                                st.sampled_from(YES_NO)), max_size=6).map(
                                 lambda rows: [["list_name", "name", "label", "positive"], *map(list, rows)])))
    settings_sheet = draw(st.one_of(st.none(), sheet(["form_title", "form_id", "default_language", "version",
                                                      "colour"], 2)))
    extra = draw(st.one_of(st.just({}), st.just({"notas": [["x", 1]]})))
    return workbook_bytes(survey, choices, settings_sheet, extra)


@SETTINGS
@given(data=hostile_workbook())
def test_hostile_workbooks_give_a_form_or_located_problems_and_nothing_partial(app, data):
    before = counts()
    try:
        result = read_xlsform(data)
    except XLSFormError as exc:
        assert exc.problems and all(FORM_PROBLEM.match(str(p)) for p in exc.problems), exc.problems
        assert counts() == before
        return
    assert all(isinstance(w, str) and w for w in result.warnings)
    survey = services.create_survey(result.definition)
    assert counts()[:3] == (before[0] + 1, before[1] + len(result.definition.questions),
                            before[2] + sum(len(q.choices) for q in result.definition.questions))
    _assert_standard_and_round_trips(services.definition_of(survey))


def _assert_standard_and_round_trips(definition):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "form.xlsx"
        path.write_bytes(xlsform_bytes(definition))
        convert(xlsform=str(path), validate=False)  # pyxform accepts it
        assert read_xlsform(path).definition == definition


# --------------------------------------------------------------------------- well-formed forms

label = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=15)
name_strategy = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_.\-]{0,10}", fullmatch=True).filter(lambda n: n != "meta")


@st.composite
def valid_form(draw) -> bytes:
    langs = draw(st.sampled_from([["Español (es)"], ["Español (es)", "English (en)"], ["es", "en"],
                                  ["English (en)", "Français (fr)"]]))
    names = draw(st.lists(name_strategy, min_size=1, max_size=6, unique=True))
    lists = {"l1": draw(st.lists(name_strategy, min_size=1, max_size=4, unique=True)),
             "l2": draw(st.lists(st.from_regex(r"[0-9a-z]{1,4}", fullmatch=True), min_size=1, max_size=3,
                                 unique=True))}
    header = ["type", "name", *(f"label::{lang}" for lang in langs), "required", "indicator"]
    rows = [header]
    open_groups = 0
    for name in names:
        kind = draw(st.sampled_from(["text", "integer", "decimal", "date", "note", "select_one l1",
                                     "select_multiple l2", "begin_group", "end_group"]))
        if kind == "end_group":
            if open_groups == 0:
                kind = "text"
            else:
                open_groups -= 1
                rows.append(["end_group", "", *([""] * len(langs)), "", ""])
                continue
        if kind == "begin_group":
            open_groups += 1
        answerable = kind not in ("note", "begin_group")
        rows.append([kind, name, *(draw(label) for _ in langs),
                     draw(st.sampled_from(["yes", "no", "", "Sí", "1"])) if answerable else "",
                     draw(st.sampled_from(["", "satisfaction"])) if kind.startswith("select_one") else ""])
    rows.append(["text", "cierre_final", *(["Fin"] * len(langs)), "", ""])
    rows.extend(["end_group", "", *([""] * len(langs)), "", ""] for _ in range(open_groups))
    choices = [["list_name", "name", *(f"label::{lang}" for lang in langs), "positive"]]
    for list_name, options in lists.items():
        for option in options:
            choices.append([list_name, option, *(draw(label) for _ in langs), draw(st.sampled_from(["yes", "no"]))])
    title = draw(label)
    return workbook_bytes(rows, choices, [["form_title", "form_id", "default_language"], [title, names[0], langs[0]]])


@SETTINGS
@given(data=valid_form())
def test_well_formed_forms_are_accepted_standard_and_round_trip(app, data):
    definition = read_xlsform(data).definition
    _assert_standard_and_round_trips(definition)
    survey = services.create_survey(definition)
    assert services.definition_of(survey) == definition


# --------------------------------------------------------------------------- hostile responses

COLUMNS = ["submitted_at", "Submitted_At", "calidad", "utilidad", "temas", "edad", "horas", "fecha", "opinion",
           "bienvenida", "otra", ""]
VALUES = {
    "submitted_at": st.one_of(st.sampled_from(["2025-02-10T10:00:00-06:00", "2025-04-01T05:30Z", "2025-03-31 23:30",
                                               "2025-07-15", "ayer", "", "0001-01-01T00:00:00+01:00",
                                               "9999-12-31T23:59:59", "2025-02-30T10:00"]), csv_text),
    "calidad": st.one_of(st.sampled_from(["buena", "regular", "mala", "", "excelente", " buena "]), csv_text),
    "temas": st.one_of(st.sampled_from(["voto_exterior observacion", "presupuesto", "", "otro presupuesto",
                                        "observacion  observacion"]), csv_text),
    "edad": st.one_of(st.sampled_from(["34", "-3", "1.5", "", "treinta", "9" * 20]), csv_text),
    "horas": st.one_of(st.sampled_from(["2,5", "1e3", "NaN", "Infinity", "", "-0.25", "1e400"]), csv_text),
    "fecha": st.one_of(st.sampled_from(["2025-02-28", "2025-02-30", "2025-02-28T10:00", "28/02/2025", ""]), csv_text),
}


def value_for(column: str):
    key = column.lower() if column.lower() == "submitted_at" else column
    if key == "utilidad":
        key = "calidad"
    return VALUES.get(key, st.one_of(csv_text, st.sampled_from(["=1+1", "'=1+1", "''@x", "-5", "@cmd", ""])))


@st.composite
def hostile_responses(draw) -> tuple[list[str], list[list[str]]]:
    header = draw(st.one_of(
        st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7),
        st.lists(st.sampled_from(COLUMNS[2:9]), max_size=5, unique=True).map(lambda cols: ["submitted_at", *cols])))
    rows = draw(st.lists(st.tuples(*[value_for(c) for c in header]).map(list), max_size=6))
    if draw(st.booleans()) and rows:
        rows[0] = rows[0] + ["sobra"]  # a cell right of the header
    return header, rows


def _exported_csv(survey) -> bytes:
    header, rows = export_rows(survey)
    return csv_bytes(header, list(rows))


@SETTINGS
@given(sample=hostile_responses(), as_xlsx=st.booleans())
def test_hostile_responses_are_all_or_nothing(app, sample, as_xlsx):
    header, rows = sample
    definition = read_xlsform(workbook_bytes(**rich_form())).definition
    survey = services.create_survey(definition)
    try:  # a file without a header at all is "unreadable": one line, as for any import
        if as_xlsx:
            cleaned = [[re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", v) for v in row] for row in rows]
            table = read_xlsx_bytes(xlsx_table_bytes(header, cleaned))
        else:
            table = read_csv_bytes(plain_csv(header, rows))
    except TableError:
        assert not any(header)
        return
    before = counts()
    try:
        report = import_responses(survey, table)
    except ResponsesImportError as exc:
        assert exc.problems and all(ROW_PROBLEM.match(str(p)) for p in exc.problems), exc.problems
        assert counts() == before
        return
    assert report.imported == len(table.rows)
    after = counts()
    assert after[3] == before[3] + report.imported and after[5] == before[5] + 1

    # what was accepted exports and imports back unchanged
    exported = _exported_csv(survey)
    copy = services.create_survey(definition)
    import_responses(copy, read_csv_bytes(exported))
    assert _exported_csv(copy) == exported
