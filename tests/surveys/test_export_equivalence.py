"""The survey responses export, pinned byte for byte (CONTRACTS.md "Responses file" and "Exports").

`GOLDEN_CSV` was written by hand from the contract and checked against the export as it was before the
fast rewrite (surveys/responses/export.py): every question type, blanks, unicode, formula-looking text,
multiline text, duplicate and stray answers, and local times on DST and UTC-date boundaries. The property
test at the end compares the export with a frozen copy of that earlier implementation (`_reference_rows`)
on random data: same CSV bytes, same worksheet XML.
"""

import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from unittest import mock
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import Verbatim, csv_bytes, xlsx_bytes
from crm.core.timeutil import local_tz, to_local
from surveys.models import ANSWERABLE, Answer, Choice, Question, Response, Survey
from surveys.responses import export
from surveys.responses.export import export_responses, export_rows, local_times
from tests.factories import make_person, make_survey

HEADER = ["submitted_at", "calidad", "temas", "edad", "horas", "fecha", "opinion"]


def golden_questions() -> list[dict]:
    """Every question type; choice positions differ from alphabetical order; two columns without a name."""
    return [
        {"name": "bienvenida", "type": "note", "labels": {"es": "Gracias"}},
        {"name": "sesion", "type": "begin_group"},
        {"name": "calidad", "type": "select_one", "required": True,
         "choices": [("buena", {"es": "Buena"}, True), ("regular", {"es": "Regular"}, False),
                     ("mala", {"es": "Mala"}, False)]},
        {"name": "temas", "type": "select_multiple",
         "choices": [("voto_exterior", {"es": "Voto"}, False), ("observacion", {"es": "Observación"}, False),
                     ("presupuesto", {"es": "Presupuesto"}, False)]},
        {"name": None, "type": "end_group"},
        {"name": "edad", "type": "integer"},
        {"name": "horas", "type": "decimal"},
        {"name": "fecha", "type": "date"},
        {"name": "opinion", "type": "text"},
        {"name": None, "type": "text"},
    ]


def _by_name(survey: Survey) -> tuple[dict, dict]:
    questions = {q.name or f"#{q.position}": q for q in survey.questions}
    choices = {(q.name, c.name): c for q in survey.questions for c in q.choices}
    return questions, choices


def add_response(survey: Survey, at: datetime, answers: list[tuple], *, anonymous: bool = False,
                 person_id: int | None = None) -> Response:
    """answers: (question, choice or None, value or None), stored in this order (answer ids increase)."""
    response = Response(survey_id=survey.id, submitted_at=at, anonymous=anonymous, person_id=person_id,
                        channel="web", language="es")
    db.session.add(response)
    db.session.flush()
    for question, choice, value in answers:
        db.session.add(Answer(response_id=response.id, question_id=question.id,
                              choice_id=choice.id if choice is not None else None, value=value))
        db.session.flush()  # one INSERT at a time: answer ids follow the list
    return response


def golden_survey() -> Survey:
    survey = make_survey(golden_questions(), code="dorada")
    other = make_survey(code="otra")  # calidad (buena, regular, mala) + opinion
    q, c = _by_name(survey)
    oq, oc = _by_name(other)
    cal, tem, edad, horas, fecha, op = q["calidad"], q["temas"], q["edad"], q["horas"], q["fecha"], q["opinion"]

    def pick(question, name):
        return question, c[(question.name, name)], None

    def val(question, value):
        return question, None, value

    person = make_person()
    # inserted out of time order: the export orders by (submitted_at, id)
    add_response(survey, datetime(2025, 6, 15, 18, 0), [pick(cal, "mala"), val(op, "\tTab")])
    add_response(survey, datetime(2025, 6, 15, 18, 0),  # same instant: after the one above (higher id)
                 [pick(cal, "buena"), pick(tem, "observacion"), val(edad, "45"), val(op, "'=ya protegido")])
    add_response(survey, datetime(2022, 4, 3, 7, 59, 59),  # last second of CST before DST began
                 [pick(cal, "buena"), pick(tem, "observacion"), pick(tem, "voto_exterior"), val(edad, "34"),
                  val(horas, "2.5"), val(fecha, "2025-02-28"), val(op, "=1+1")])
    add_response(survey, datetime(2022, 4, 3, 8, 0),  # first second of CDT
                 [pick(cal, "mala"), pick(tem, "presupuesto"), val(edad, "007"), val(horas, "-0.25"),
                  val(op, "@x")])
    add_response(survey, datetime(2022, 10, 30, 6, 59, 59, 500000),  # last half second of CDT (Mexico's last DST)
                 [pick(cal, "regular"), val(edad, "-2"), val(horas, "1e2"), val(fecha, "2022-10-29"),
                  val(op, "+1")])
    add_response(survey, datetime(2022, 10, 30, 7, 0),  # 01:00 again, now CST
                 [pick(tem, "presupuesto"), pick(tem, "voto_exterior"), pick(tem, "observacion"),
                  val(horas, "10"), val(op, "-2")])
    add_response(survey, datetime(2025, 1, 1, 3, 0), anonymous=True,  # UTC new year, local new year's eve
                 answers=[pick(cal, "buena"), pick(tem, "voto_exterior"), val(edad, "0"), val(horas, "0.0"),
                          val(fecha, "2024-12-31"), val(op, "Ñandú ☃ 日本語 — «comillas»")])
    add_response(survey, datetime(2025, 4, 1, 5, 30),  # Q2 in UTC, Q1 locally
                 [pick(cal, "regular"), val(edad, "120"), val(horas, "3.14159"), val(fecha, "2025-03-31"),
                  val(op, 'línea 1\nlínea 2\r\ncon "comillas", y coma')])
    add_response(survey, datetime(2025, 7, 1, 12, 0), [])  # no answers at all
    add_response(survey, datetime(2025, 7, 2, 12, 0),  # duplicates: choices joined, first value wins
                 [pick(cal, "mala"), pick(cal, "buena"), val(op, "primero"), val(op, "segundo"), val(edad, "5"),
                  val(edad, "6")])
    add_response(survey, datetime(2025, 7, 3, 12, 0),  # record separators inside a text; spaces, underscores
                 [val(op, "a\x1eb\x1ec"), val(horas, " 1_000 "), val(edad, " 12 ")])
    add_response(survey, datetime(2025, 7, 4, 12, 0),  # stray answers: note, unnamed question, other survey
                 [val(q["bienvenida"], "nota"), val(q["#9"], "sin columna"), val(oq["opinion"], "ajena"),
                  (tem, c[("temas", "presupuesto")], None), (tem, c[("calidad", "buena")], None),
                  (tem, oc[("calidad", "buena")], None)])
    add_response(survey, datetime(2025, 7, 5, 12, 0),  # values that are not numbers, dangerous starts
                 [val(edad, "abc"), val(horas, "=1"), val(fecha, "-"), val(op, "\rretorno")])
    add_response(survey, datetime(2025, 7, 6, 12, 0), person_id=person.id,
                 answers=[pick(cal, "regular"), val(op, " espacio "), val(horas, "-0"), val(edad, "+5")])
    add_response(survey, datetime(2025, 7, 7, 12, 0, 0, 1), [pick(cal, "buena"), val(op, "")])
    db.session.commit()
    return survey


GOLDEN_ROWS = [
    [Verbatim("2022-04-03T01:59:59-06:00"), "buena", "voto_exterior observacion", 34, Decimal("2.5"),
     "2025-02-28", "=1+1"],
    [Verbatim("2022-04-03T03:00:00-05:00"), "mala", "presupuesto", 7, Decimal("-0.25"), "", "@x"],
    [Verbatim("2022-10-30T01:59:59.500000-05:00"), "regular", "", -2, Decimal("1E+2"), "2022-10-29", "+1"],
    [Verbatim("2022-10-30T01:00:00-06:00"), "", "voto_exterior observacion presupuesto", "", Decimal("10"), "",
     "-2"],
    [Verbatim("2024-12-31T21:00:00-06:00"), "buena", "voto_exterior", 0, Decimal("0.0"), "2024-12-31",
     "Ñandú ☃ 日本語 — «comillas»"],
    [Verbatim("2025-03-31T23:30:00-06:00"), "regular", "", 120, Decimal("3.14159"), "2025-03-31",
     'línea 1\nlínea 2\r\ncon "comillas", y coma'],
    [Verbatim("2025-06-15T12:00:00-06:00"), "mala", "", "", "", "", "\tTab"],
    [Verbatim("2025-06-15T12:00:00-06:00"), "buena", "observacion", 45, "", "", "'=ya protegido"],
    [Verbatim("2025-07-01T06:00:00-06:00"), "", "", "", "", "", ""],
    [Verbatim("2025-07-02T06:00:00-06:00"), "buena mala", "", 5, "", "", "primero"],
    [Verbatim("2025-07-03T06:00:00-06:00"), "", "", 12, Decimal("1000"), "", "a\x1eb\x1ec"],
    [Verbatim("2025-07-04T06:00:00-06:00"), "", "buena presupuesto", "", "", "", ""],
    [Verbatim("2025-07-05T06:00:00-06:00"), "", "", "abc", "=1", "-", "\rretorno"],
    [Verbatim("2025-07-06T06:00:00-06:00"), "regular", "", 5, Decimal("-0"), "", " espacio "],
    [Verbatim("2025-07-07T06:00:00.000001-06:00"), "buena", "", "", "", "", ""],
]

GOLDEN_CSV = ("\ufeff" + "".join(line + "\r\n" for line in [
    "submitted_at,calidad,temas,edad,horas,fecha,opinion",
    "2022-04-03T01:59:59-06:00,buena,voto_exterior observacion,34,2.5,2025-02-28,'=1+1",
    "2022-04-03T03:00:00-05:00,mala,presupuesto,7,-0.25,,'@x",
    "2022-10-30T01:59:59.500000-05:00,regular,,-2,1E+2,2022-10-29,'+1",
    "2022-10-30T01:00:00-06:00,,voto_exterior observacion presupuesto,,10,,'-2",
    "2024-12-31T21:00:00-06:00,buena,voto_exterior,0,0.0,2024-12-31,Ñandú ☃ 日本語 — «comillas»",
    '2025-03-31T23:30:00-06:00,regular,,120,3.14159,2025-03-31,"línea 1\nlínea 2\r\ncon ""comillas"", y coma"',
    "2025-06-15T12:00:00-06:00,mala,,,,,'\tTab",
    "2025-06-15T12:00:00-06:00,buena,observacion,45,,,''=ya protegido",
    "2025-07-01T06:00:00-06:00,,,,,,",
    "2025-07-02T06:00:00-06:00,buena mala,,5,,,primero",
    "2025-07-03T06:00:00-06:00,,,12,1000,,a\x1eb\x1ec",
    "2025-07-04T06:00:00-06:00,,buena presupuesto,,,,",
    "2025-07-05T06:00:00-06:00,,,abc,'=1,'-,\"'\rretorno\"",
    "2025-07-06T06:00:00-06:00,regular,,5,-0,, espacio ",
    "2025-07-07T06:00:00.000001-06:00,buena,,,,,",
])).encode("utf-8")

# What openpyxl reads back from the XLSX: numbers are numeric cells (a Decimal with a point or an exponent
# reads as a float), texts are neutralised string cells without XML-forbidden control characters (an XML
# reader turns a stored CR into LF; the stored bytes are pinned by the worksheet XML comparison).
GOLDEN_XLSX = [
    HEADER,
    ["2022-04-03T01:59:59-06:00", "buena", "voto_exterior observacion", 34, 2.5, "2025-02-28", "'=1+1"],
    ["2022-04-03T03:00:00-05:00", "mala", "presupuesto", 7, -0.25, None, "'@x"],
    ["2022-10-30T01:59:59.500000-05:00", "regular", None, -2, 100.0, "2022-10-29", "'+1"],
    ["2022-10-30T01:00:00-06:00", None, "voto_exterior observacion presupuesto", None, 10, None, "'-2"],
    ["2024-12-31T21:00:00-06:00", "buena", "voto_exterior", 0, 0.0, "2024-12-31", "Ñandú ☃ 日本語 — «comillas»"],
    ["2025-03-31T23:30:00-06:00", "regular", None, 120, 3.14159, "2025-03-31",
     'línea 1\nlínea 2\ncon "comillas", y coma'],
    ["2025-06-15T12:00:00-06:00", "mala", None, None, None, None, "'\tTab"],
    ["2025-06-15T12:00:00-06:00", "buena", "observacion", 45, None, None, "''=ya protegido"],
    ["2025-07-01T06:00:00-06:00", None, None, None, None, None, None],
    ["2025-07-02T06:00:00-06:00", "buena mala", None, 5, None, None, "primero"],
    ["2025-07-03T06:00:00-06:00", None, None, 12, 1000, None, "abc"],
    ["2025-07-04T06:00:00-06:00", None, "buena presupuesto", None, None, None, None],
    ["2025-07-05T06:00:00-06:00", None, None, "abc", "'=1", "'-", "'\nretorno"],
    ["2025-07-06T06:00:00-06:00", "regular", None, 5, 0, None, " espacio "],
    ["2025-07-07T06:00:00.000001-06:00", "buena", None, None, None, None, None],
]


def test_golden_rows_values_and_types(app):
    survey = golden_survey()
    header, rows = export_rows(survey)
    rows = list(rows)
    assert header == HEADER
    assert rows == GOLDEN_ROWS
    for got, want in zip(rows, GOLDEN_ROWS, strict=True):
        assert [type(v) for v in got] == [type(v) for v in want]
        assert [str(v) for v in got] == [str(v) for v in want]  # Decimal("1E+2") is not Decimal("100")


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("chunk", [None, 1, 2, 5])
def test_golden_csv_bytes(app, tmp_path, monkeypatch, chunk, dense):
    if not dense:  # SQLite's per-question indexed read (used when a survey's answers are sparse in the table)
        from surveys.responses import columns

        monkeypatch.setattr(columns, "DENSE", 0)
    if chunk:  # answers read a few at a time: a response's options and values cross the chunks' ends
        monkeypatch.setattr(export, "CHUNK", chunk)
        monkeypatch.setattr(export, "SHORT", 1)
    survey = golden_survey()
    path = tmp_path / "respuestas.csv"
    assert export_responses(survey, path) == len(GOLDEN_ROWS)
    assert path.read_bytes() == GOLDEN_CSV
    # the staff download writes the rows of export_rows with crm.core.tabular: the same bytes
    header, rows = export_rows(survey)
    assert csv_bytes(header, list(rows)) == GOLDEN_CSV


def test_golden_xlsx_cells(app, tmp_path):
    survey = golden_survey()
    path = tmp_path / "respuestas.xlsx"
    assert export_responses(survey, path) == len(GOLDEN_ROWS)
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cells = list(sheet.iter_rows())
    assert [[c.value for c in row] for row in cells] == GOLDEN_XLSX
    for row in cells:
        for cell in row:
            assert cell.data_type != "f", cell.coordinate  # never a formula
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate
            elif cell.value is not None:
                assert cell.data_type == "n", cell.coordinate
    assert [type(c.value) for c in cells[1]][3:5] == [int, float]
    header, rows = export_rows(survey)
    assert _sheet_xml(path.read_bytes()) == _sheet_xml(xlsx_bytes(header, list(rows)))


def test_export_is_audited_once_per_file(app, tmp_path):
    survey = golden_survey()
    export_responses(survey, tmp_path / "a.csv")
    export_responses(survey, tmp_path / "a.xlsx")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.export")
                                 .order_by(AuditEntry.id)).all()
    assert [e.details for e in entries] == [{"rows": 15, "format": "csv", "code": "dorada"},
                                            {"rows": 15, "format": "xlsx", "code": "dorada"}]


def test_empty_survey_and_survey_without_questions(app, tmp_path):
    survey = make_survey(golden_questions(), code="vacia")
    path = tmp_path / "r.csv"
    assert export_responses(survey, path) == 0
    assert path.read_bytes() == ("\ufeff" + ",".join(HEADER) + "\r\n").encode()
    bare = make_survey([{"name": "aviso", "type": "note"}], code="solo_nota")
    add_response(bare, datetime(2025, 2, 1, 12, 0), [])
    db.session.commit()
    assert export_responses(bare, path) == 1
    assert path.read_bytes() == "\ufeffsubmitted_at\r\n2025-02-01T06:00:00-06:00\r\n".encode()


def test_unknown_extension_writes_nothing(app, tmp_path):
    from crm.core.tabular import TableError

    survey = golden_survey()
    with pytest.raises(TableError, match="formato de salida"):
        export_responses(survey, tmp_path / "r.ods")
    assert not (tmp_path / "r.ods").exists()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.export")) is None


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        return b"".join(archive.read(n) for n in sorted(names))


# --------------------------------------------------------------------------- the earlier implementation

def _number(kind: str, value: str | None) -> object:
    if value is None:
        return ""
    try:
        return int(value) if kind == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        return value


def _reference_rows(survey: Survey) -> tuple[list[str], list[list]]:
    """surveys.responses.export.export_rows as it was before the fast export (ORM rows, dict-of-dicts pivot)."""
    questions = [q for q in survey.questions if q.type in ANSWERABLE and q.name]
    header = ["submitted_at", *(q.name for q in questions)]
    column = {q.id: index for index, q in enumerate(questions)}
    kinds = {q.id: q.type for q in questions}
    choices = {cid: (pos, name) for cid, pos, name in db.session.execute(
        select(Choice.id, Choice.position, Choice.name).join(Question).where(Question.survey_id == survey.id))}
    responses = db.session.execute(
        select(Response.id, Response.submitted_at).where(Response.survey_id == survey.id)
        .order_by(Response.submitted_at, Response.id)).all()
    answers: dict[int, dict[int, list]] = {}
    for response_id, question_id, choice_id, value in db.session.execute(
            select(Answer.response_id, Answer.question_id, Answer.choice_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id).order_by(Answer.response_id, Answer.id)):
        if question_id in column:
            answers.setdefault(response_id, {}).setdefault(question_id, []).append(
                choices.get(choice_id, (0, "")) if choice_id is not None else value)
    tz = local_tz()
    rows = []
    for response_id, submitted_at in responses:
        row: list[object] = [Verbatim(to_local(submitted_at, tz).isoformat())] + [""] * len(questions)
        for question_id, values in answers.get(response_id, {}).items():
            kind = kinds[question_id]
            if kind in ("select_one", "select_multiple"):
                cell: object = " ".join(name for _, name in sorted(values) if name)
            elif kind in ("integer", "decimal"):
                cell = _number(kind, values[0])
            else:
                cell = values[0] if values[0] is not None else ""
            row[column[question_id] + 1] = cell
        rows.append(row)
    return header, rows


def test_golden_matches_the_earlier_implementation(app):
    survey = golden_survey()
    header, rows = _reference_rows(survey)
    assert header == HEADER and rows == GOLDEN_ROWS
    assert csv_bytes(header, rows) == GOLDEN_CSV


# --------------------------------------------------------------------------- random data, same bytes

HOSTILE = ["=1+1", "@x", "+1", "-2", "'=x", "''@y", "\tt", "\rr", "a,b", 'di "hola"', "l1\nl2", "l1\r\nl2", " ",
           "", "x\x1ey", "\x1e", "0", "-0", "007", "1e3", "2.50", "NaN", "-Infinity", "1_0", " 3 ", "٣", "ab"]
text_value = st.one_of(st.sampled_from(HOSTILE),
                       st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                               max_size=8))
number_value = st.one_of(st.integers(-10**20, 10**20).map(str), st.decimals(allow_nan=False, places=3).map(str),
                         st.sampled_from(HOSTILE))
# 2021-2026 covers Mexico City's last DST seasons and the UTC-date boundary every evening
instants = st.datetimes(min_value=datetime(2021, 1, 1), max_value=datetime(2026, 12, 31))
near_transitions = st.sampled_from([datetime(2022, 4, 3, 8), datetime(2022, 10, 30, 7), datetime(2021, 4, 4, 8),
                                    datetime(2021, 10, 31, 7)]).flatmap(
    lambda t: st.integers(-7200, 7200).map(lambda s: t + timedelta(seconds=s)))


@st.composite
def answer_list(draw) -> list[tuple[str, str | None, str | None]]:
    """(question name, choice name or None, value or None), in insertion order."""
    out = []
    for _ in range(draw(st.integers(0, 9))):
        name = draw(st.sampled_from(["calidad", "temas", "edad", "horas", "fecha", "opinion", "#9", "bienvenida"]))
        if name == "calidad":
            out.append((name, draw(st.sampled_from(["buena", "regular", "mala"])), None))
        elif name == "temas":
            out.append((name, draw(st.sampled_from(["voto_exterior", "observacion", "presupuesto"])), None))
        elif name in ("edad", "horas"):
            out.append((name, None, draw(number_value)))
        else:
            out.append((name, None, draw(text_value)))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(responses=st.lists(st.tuples(st.one_of(instants, near_transitions), answer_list()), max_size=12),
       chunk=st.sampled_from([export.CHUNK, 1, 3]))
def test_random_surveys_export_as_the_earlier_implementation(app, tmp_path_factory, responses, chunk):
    with mock.patch.object(export, "CHUNK", chunk), mock.patch.object(export, "SHORT", 1):
        _compare_with_the_earlier_implementation(tmp_path_factory, responses)


def _compare_with_the_earlier_implementation(tmp_path_factory, responses):
    survey = make_survey(golden_questions())
    questions, choices = _by_name(survey)
    for at, answers in responses:
        add_response(survey, at, [(questions[q], choices[(q, c)] if c else None, v) for q, c, v in answers])
    db.session.commit()
    header, rows = _reference_rows(survey)
    folder = tmp_path_factory.mktemp("export")
    assert export_responses(survey, folder / "r.csv") == len(rows)
    assert (folder / "r.csv").read_bytes() == csv_bytes(header, rows)
    got_header, got_rows = export_rows(survey)
    got_rows = list(got_rows)
    assert got_header == header
    # type and text, not ==: Decimal("NaN") is not equal to itself, Decimal("1E+2") equals Decimal("100")
    assert [[(type(v), str(v)) for v in r] for r in got_rows] == [[(type(v), str(v)) for v in r] for r in rows]
    export_responses(survey, folder / "r.xlsx")
    assert _sheet_xml((folder / "r.xlsx").read_bytes()) == _sheet_xml(xlsx_bytes(header, rows))


def test_local_times_match_to_local_around_every_transition(app):
    """The export's local times equal crm.core.timeutil.to_local for instants on both sides of each change."""
    tz = ZoneInfo("America/Mexico_City")
    survey = make_survey(golden_questions())
    instants = []
    for year in range(1996, 2024):
        for month, day in ((4, 1), (10, 25)):
            start = datetime(year, month, day, tzinfo=UTC)
            previous = start.astimezone(tz).utcoffset()
            for hour in range(0, 24 * 14):
                moment = start + timedelta(hours=hour)
                if moment.astimezone(tz).utcoffset() != previous:  # a transition in the last hour
                    for seconds in (-3601, -1, 0, 1, 59, 3599, 3600):
                        instants.append((moment + timedelta(seconds=seconds)).replace(tzinfo=None))
                    previous = moment.astimezone(tz).utcoffset()
    assert len(instants) > 300
    for at in instants:
        add_response(survey, at, [])
    db.session.commit()
    _, rows = export_rows(survey)
    got = [row[0] for row in rows]
    assert got == [to_local(at, tz).isoformat() for at in sorted(instants)]


ZONES = ["America/Mexico_City", "America/Tijuana", "Europe/Dublin", "Australia/Lord_Howe", "Asia/Kathmandu",
         "America/St_Johns", "Pacific/Apia", "Africa/Casablanca", "UTC"]


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), ascending=st.booleans(),
       instants=st.lists(st.one_of(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2040, 1, 1)),
                                   near_transitions,
                                   st.sampled_from([datetime(2022, 4, 3, 8), datetime(9999, 12, 31, 23),
                                                    datetime(1, 1, 1, 7)])),
                         max_size=40).map(lambda xs: xs + [x + timedelta(minutes=7 * i) for i, x in enumerate(xs) if x.year < 9999]))
def test_local_times_equal_to_local(zone, ascending, instants):
    """The export's local times, computed once per hour of instants, equal crm.core.timeutil.to_local per instant."""
    tz = ZoneInfo(zone)
    if ascending:
        instants = sorted(instants)
    try:
        expected = [to_local(at, tz).isoformat() for at in instants]
    except OverflowError:
        return  # outside the calendar in that zone, for both
    assert local_times(instants, tz) == expected


def test_local_times_dense_hours_across_the_2022_changes():
    tz = ZoneInfo("America/Mexico_City")
    instants = [datetime(2022, 4, 2) + timedelta(seconds=37 * i) for i in range(6000)]
    instants += [datetime(2022, 10, 29) + timedelta(seconds=41 * i, microseconds=i % 3) for i in range(6000)]
    assert local_times(instants, tz) == [to_local(at, tz).isoformat() for at in instants]
