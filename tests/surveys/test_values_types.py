"""surveys.values.parse_answer for time, datetime, range, rank and geopoint (and the metadata types).

Properties (hypothesis): whatever a parser accepts, its stored value parses again to itself; it raises
nothing but AnswerError, whatever the text.
"""

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.values import AnswerError, parse_answer

SETTINGS = settings(max_examples=300, deadline=None)


def question(kind: str, choices=(), **logic):
    return SimpleNamespace(id=7, type=kind, choices=[SimpleNamespace(id=i, name=n) for i, n in enumerate(choices)],
                           logic=logic)


def stored(q, raw):
    rows = parse_answer(q, raw)
    assert len(rows) <= 1
    return rows[0]["value"] if rows else None


def error(q, raw) -> str:
    with pytest.raises(AnswerError) as caught:
        parse_answer(q, raw)
    return str(caught.value)


def round_trips(q, raw) -> None:
    """The property: accepted -> the stored value is accepted again, unchanged; refused -> AnswerError only."""
    try:
        value = stored(q, raw)
    except AnswerError as exc:
        assert str(exc)
        return
    if value is not None:
        assert stored(q, value) == value


anything = st.text(max_size=40)


# --------------------------------------------------------------------------- time

@pytest.mark.parametrize(("raw", "want"), [
    ("09:30", "09:30:00"), ("9:30", "09:30:00"), ("17:45:10", "17:45:10"), ("00:00", "00:00:00"),
    ("23:59:59", "23:59:59"), ("14:30:00.000-06:00", "14:30:00"), ("08:05:01.5Z", "08:05:01"), (" 07:00 ", "07:00:00"),
])
def test_time_accepts_clock_times(raw, want):
    assert stored(question("time"), raw) == want


@pytest.mark.parametrize("raw", ["24:00", "12:60", "12:30:60", "1230", "12h30", "12:3", "mediodía", "12:30 pm",
                                 "123:00"])
def test_time_refuses_other_text(raw):
    assert "no es una hora válida" in error(question("time"), raw)


@SETTINGS
@given(st.one_of(anything, st.times().map(str), st.from_regex(
    r"\d{1,3}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:\d{2})?)?", fullmatch=True)))
def test_time_property(raw):
    round_trips(question("time"), raw)


# --------------------------------------------------------------------------- datetime

def test_datetime_with_an_offset_is_exact_and_stored_in_mexico_city_time():
    q = question("datetime")
    assert stored(q, "2025-03-01T16:00:00Z") == "2025-03-01T10:00:00-06:00"
    assert stored(q, "2025-03-01T10:00:00-06:00") == "2025-03-01T10:00:00-06:00"
    assert stored(q, "2025-03-01T11:00:00.123-05:00") == "2025-03-01T10:00:00-06:00"


def test_datetime_without_an_offset_is_local_time():
    q = question("datetime")
    assert stored(q, "2025-03-01T10:00:00") == "2025-03-01T10:00:00-06:00"
    assert stored(q, "2025-03-01 10:00") == "2025-03-01T10:00:00-06:00"
    # before 2022 Mexico City had summer time: the offset of that day
    assert stored(q, "2019-07-01T10:00:00") == "2019-07-01T10:00:00-05:00"
    # a spreadsheet cell at midnight reads as a date
    assert stored(q, "2025-03-01") == "2025-03-01T00:00:00-06:00"


@pytest.mark.parametrize("raw", ["ayer", "2025-02-30T10:00", "01/03/2025 10:00", "2025-03-01T25:00", "10:00",
                                 "9999-12-31T23:59:59-12:00"])
def test_datetime_refuses_other_text(raw):
    assert "no es una fecha y hora ISO 8601" in error(question("datetime"), raw)


offsets = st.one_of(st.none(), st.just(UTC), st.integers(-14 * 60, 14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))), st.timezones())


@SETTINGS
@given(st.one_of(anything, st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), st.datetimes(), offsets),
                 st.builds(lambda d: d.isoformat(sep=" ", timespec="minutes"), st.datetimes())))
def test_datetime_property(raw):
    round_trips(question("datetime"), raw)


@SETTINGS
@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30)), offsets)
def test_datetime_keeps_the_instant(moment, tz):
    value = stored(question("datetime"), moment.replace(tzinfo=tz).isoformat())
    kept = datetime.fromisoformat(value)
    if tz is not None:
        assert kept == moment.replace(tzinfo=tz, microsecond=0)
    # stored in Mexico City's time: its offset at that instant (-7 until April 1932, then -6 or -5)
    assert kept.utcoffset() == kept.astimezone(ZoneInfo("America/Mexico_City")).utcoffset()


# --------------------------------------------------------------------------- range

def test_range_defaults_from_1_to_10_by_1():
    q = question("range")
    assert [stored(q, raw) for raw in ("1", "10", "5.0", " 7 ")] == ["1", "10", "5", "7"]
    assert "fuera de la escala: el valor va de 1 a 10" in error(q, "0")
    assert "fuera de la escala" in error(q, "11")
    assert "de 1 en 1 desde 1" in error(q, "2.5")
    assert "no es un número" in error(q, "cinco")


def test_range_follows_its_parameters():
    q = question("range", parameters={"start": "0", "end": "1", "step": "0.25"})
    assert [stored(q, raw) for raw in ("0", "0.25", "0,5", "1.00")] == ["0", "0.25", "0.5", "1"]
    assert "de 0.25 en 0.25 desde 0" in error(q, "0.3")
    # a descending scale (start above end) is a scale too
    down = question("range", parameters={"start": "10", "end": "0", "step": "2"})
    assert stored(down, "4") == "4"
    assert "no está en la escala" in error(down, "5")


numbers_text = st.one_of(st.integers(-20, 20).map(str), st.decimals(-20, 20, places=3).map(str),
                         st.floats(allow_nan=True, allow_infinity=True).map(str))


@SETTINGS
@given(st.one_of(anything, numbers_text), st.fixed_dictionaries({}, optional={
    "start": st.one_of(numbers_text, anything), "end": numbers_text, "step": st.one_of(numbers_text, st.just("1e-30"))}))
def test_range_property(raw, parameters):
    round_trips(question("range", parameters=parameters), raw)


# --------------------------------------------------------------------------- rank

def test_rank_is_every_option_once_in_order():
    q = question("rank", ["agua", "luz", "gas"])
    assert stored(q, "luz gas agua") == "luz gas agua"
    assert stored(q, ["gas", "agua", "luz"]) == "gas agua luz"
    assert "faltan opciones por ordenar: agua" in error(q, "luz gas")
    assert "«luz» aparece más de una vez" in error(q, "luz luz gas agua")
    assert "«drenaje» no es una opción de esta pregunta (opciones: agua, luz, gas)" in error(q, "luz drenaje")
    assert stored(q, "  ") is None


def test_rank_with_a_choice_filter_orders_what_the_filter_keeps():
    q = question("rank", ["agua", "luz", "gas"], choice_filter={"src": "x = 1", "tree": []})
    assert stored(q, "gas agua") == "gas agua"


@SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "x", "a-1"]), max_size=6).map(" ".join) | anything,
       st.booleans())
def test_rank_property(raw, filtered):
    q = question("rank", ["a", "b", "c", "d", "a-1"], **({"choice_filter": {"src": "1", "tree": []}} if filtered
                                                         else {}))
    round_trips(q, raw)


@given(st.permutations(["a", "b", "c", "d"]))
def test_rank_accepts_every_order(order):
    assert stored(question("rank", ["a", "b", "c", "d"]), " ".join(order)) == " ".join(order)


# --------------------------------------------------------------------------- geopoint

@pytest.mark.parametrize(("raw", "want"), [
    ("19.4326 -99.1332", "19.4326 -99.1332"), ("19.43260  -99.13320 2240.0 5", "19.4326 -99.1332 2240 5"),
    ("-90 180", "-90 180"), ("+0.0 -0", "0 0"), ("19.4 -99.1 2240", "19.4 -99.1 2240"),
])
def test_geopoint_is_latitude_longitude_altitude_accuracy(raw, want):
    assert stored(question("geopoint"), raw) == want


@pytest.mark.parametrize(("raw", "message"), [
    ("19.4326", "no es una ubicación"), ("19,4326 -99,1332", "no es una ubicación"),
    ("19.4326, -99.1332", "no es una ubicación"), ("1 2 3 4 5", "no es una ubicación"), ("1e1 2", "no es una ubicación"),
    ("91 0", "la latitud 91 está fuera de -90 a 90"), ("0 -180.5", "la longitud -180.5 está fuera de -180 a 180"),
    ("0 0 0 -1", "la precisión -1 no es válida"), ("0 0 1000000 1", "la altitud 1000000 no es válida"),
])
def test_geopoint_refuses_other_text(raw, message):
    assert message in error(question("geopoint"), raw)


coordinate = st.floats(-200, 200, allow_nan=False).map(lambda f: f"{f:.6f}")


@SETTINGS
@given(st.one_of(anything, st.lists(st.one_of(coordinate, st.integers(-1000, 1000).map(str), numbers_text),
                                    min_size=1, max_size=5).map(" ".join)))
def test_geopoint_property(raw):
    round_trips(question("geopoint"), raw)


# --------------------------------------------------------------------------- metadata and calculations

def test_metadata_and_calculations():
    assert stored(question("start"), "2025-03-01T16:00:00Z") == "2025-03-01T10:00:00-06:00"
    assert stored(question("today"), "2025-03-01") == "2025-03-01"
    assert stored(question("deviceid"), " collect:abc123 ") == "collect:abc123"
    assert stored(question("calculate"), "60") == "60"
    assert "no es una fecha AAAA-MM-DD" in error(question("today"), "hoy")
    for kind in ("image", "audio", "video", "file", "audit", "begin_repeat"):
        assert parse_answer(question(kind), "algo.jpg") == []


@SETTINGS
@given(st.sampled_from(["text", "integer", "decimal", "date", "start", "today", "deviceid", "calculate"]),
       anything)
def test_every_parser_property(kind, raw):
    round_trips(question(kind), raw)
