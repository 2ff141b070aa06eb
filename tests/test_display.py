"""crm/core/display.py: the staff pages' dates, numbers, counts and code labels."""

from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from crm.core import display

NBSP = "\u00a0"


def test_dates_are_short_local_and_do_not_wrap(app):
    assert display.short_date(date(2025, 3, 12)) == f"12{NBSP}mar{NBSP}2025"
    # 2025-03-12 03:30 UTC is still the 11th in Mexico City (UTC-6)
    assert display.short_date(datetime(2025, 3, 12, 3, 30)) == f"11{NBSP}mar{NBSP}2025"
    assert display.short_datetime(datetime(2025, 3, 12, 20, 5)) == f"12{NBSP}mar{NBSP}2025,{NBSP}14:05"
    assert display.short_date(None) == "" and display.short_datetime(None) == ""


def test_numbers_counts_and_percentages():
    assert display.whole(579.0) == "579"
    assert display.whole(1234567) == "1,234,567"
    assert display.number(55.0) == "55" and display.number(55.25, 2) == "55.25"
    assert display.percent(0.552) == f"55.2{NBSP}%"
    assert display.points(55.0) == f"55{NBSP}%"
    assert display.count(1, "actividad", "actividades") == "1 actividad"
    assert display.count(0, "actividad", "actividades") == "0 actividades"
    assert display.count(2.0, "actividad", "actividades") == "2 actividades"
    for empty in (None, float("nan"), ""):
        assert display.whole(empty) == display.percent(empty) == display.number(empty) == ""


def test_quarters_and_labels():
    assert display.quarter("2025-Q1") == f"T1{NBSP}2025"
    assert display.quarter("2025") == "2025"
    display.register_labels("test_channel", {"email": "Correo electrónico"})
    assert display.label("email", "test_channel") == "Correo electrónico"
    assert display.label("fax", "test_channel") == "fax"
    assert display.label(None, "test_channel") == ""


@given(st.one_of(st.none(), st.floats(min_value=-1e12, max_value=1e12), st.just(float("nan")),
                 st.integers(min_value=-10**12, max_value=10**12)))
def test_no_number_is_ever_written_as_a_python_value(value):
    for text in (display.whole(value), display.number(value), display.percent(value)):
        assert "None" not in text and "nan" not in text.lower()


def test_iso_date_texts_are_written_short_too():
    assert display.short_date("2026-12-04") == f"4{NBSP}dic{NBSP}2026"
    assert display.short_date("no es fecha") == "no es fecha"


def test_import_guidance_marks_what_is_typed_literally():
    assert str(display.literals("fecha, por ejemplo 2025-03-12 (año-mes-día)")) == (
        "fecha, por ejemplo <code>2025-03-12</code> (año-mes-día)")
    assert str(display.literals("si = Sí; no_se = No sé")) == "<code>si</code> = Sí; <code>no_se</code> = No sé"
    assert str(display.literals("<b> = x")) == "<code>&lt;b&gt;</code> = x"


@given(st.text(max_size=80))
def test_import_guidance_keeps_every_character_and_adds_only_code_tags(text):
    import html

    shown = str(display.literals(text))
    assert html.unescape(shown.replace("<code>", "").replace("</code>", "")) == text
    assert "<" not in shown.replace("<code>", "").replace("</code>", "")
