"""The phone fast path (crm.contacts.phones._fast_e164) answers exactly what libphonenumber answers.

`normalize_phone` takes the fast path for plain writings and libphonenumber (`normalize_phone_full`)
for everything else; both must give the same E.164 or the same None (the same problem in an import)
for every writing: national numbers, `+52`, `52`, the old `044`/`045`/`01`/`1` prefixes, NANP numbers,
other countries' numbers with and without their code, separators, parentheses, spaces.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from crm.contacts.phones import _fast_e164, normalize_phone, normalize_phone_full, phone_has_country_code

REGIONS = ["MX"] * 6 + ["US", "CA", "ES", "FR", "GB", "DE", "IT", "AR", "CO", "BR", "CL", "PE", "GT", "AU", "IN",
                        "JP", "PR", "DO", "JM", "BB", "AG", "RU", "KZ", "NZ", "CH"]
SEPARATORS = ["", " ", " ", "-", ".", "  ", " - "]
_TYPES = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
          phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.PREMIUM_RATE)


def _example(region: str, kind: int) -> str:
    number = phonenumbers.example_number_for_type(region, _TYPES[kind])
    return phonenumbers.national_significant_number(number) if number is not None else "5512345678"


@st.composite
def national_digits(draw, region: str) -> str:
    """Digits of a national number: near an example of the region (often valid), Mexican-shaped, or any."""
    choice = draw(st.sampled_from([0, 0, 1, 1, 2]))
    if choice == 0:
        digits = list(_example(region, draw(st.integers(0, len(_TYPES) - 1))))
        for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):  # change, insert or drop a few digits
            position = draw(st.integers(0, len(digits) - 1))
            action = draw(st.sampled_from(["set", "set", "set", "insert", "drop"]))
            digit = str(draw(st.integers(0, 9)))
            if action == "set":
                digits[position] = digit
            elif action == "insert":
                digits.insert(position, digit)
            elif len(digits) > 1:
                del digits[position]
        return "".join(digits)
    if choice == 1:  # a Mexican number: 10 digits (sometimes not), area code first (55 Mexico City, 33, 81...)
        area = draw(st.sampled_from(["55", "56", "33", "81", "22", "99", "228", "442", "1", "0", "800", "900"]))
        size = draw(st.sampled_from([10, 10, 10, 10, 9, 11]))
        return area + draw(st.text("0123456789", min_size=max(0, size - len(area)), max_size=max(0, size - len(area))))
    return draw(st.text("0123456789", min_size=1, max_size=16))


@st.composite
def writings(draw) -> tuple[str, str | None]:
    """(text, country): a number as people write it, and the country it is read in."""
    region = draw(st.sampled_from(REGIONS))
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    code = str(metadata.country_code)
    digits = draw(national_digits(region))
    prefix = draw(st.sampled_from([
        "", "", "", "", "", f"+{code}", f"+{code}", f"+{code}", code, f"00{code}", metadata.national_prefix or "0",
        "+52", "52", "+52 1", "521", "044", "045", "01", "1", "+1", "+", "++52",
    ]))
    # digits in groups joined by separators; perhaps the first group between parentheses
    groups, rest = [], digits
    while rest:
        size = draw(st.integers(1, 4))
        groups.append(rest[:size])
        rest = rest[size:]
    if groups and draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    body = ""
    for group in groups:
        body += (draw(st.sampled_from(SEPARATORS)) if body else "") + group
    text = prefix + draw(st.sampled_from(["", " ", "-", ". "])) + body if prefix else body
    text = draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " ", ")"]))
    country = draw(st.sampled_from([region] * 8 + [None, "MX", "US", "mx", "ZZ", ""]))
    return text, country


def _fast_path_agrees(text: str, country: str | None):
    """Where the fast path answers, it answers what libphonenumber does; -> libphonenumber's answer."""
    fast = _fast_e164(text, country)
    full = normalize_phone_full(text, country)
    event("fast path" if fast is not None else "libphonenumber")
    if fast is not None:
        assert fast == full
    return full


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writings())
def test_fast_path_gives_what_libphonenumber_gives(case):
    text, country = case
    full = _fast_path_agrees(text, country)
    event("valid" if full is not None else "invalid")
    assert normalize_phone(text, country) == full


@st.composite
def mexican_writings(draw) -> tuple[str, str | None]:
    """The dominant case of a contacts file: a Mexican number, national or with 52/+52, in MX or elsewhere."""
    area = draw(st.sampled_from(["55", "56", "33", "81", "222", "228", "442", "664", "998", "999", "2", "7"]))
    digits = area + draw(st.text("0123456789", min_size=10 - len(area), max_size=10 - len(area)))
    prefix = draw(st.sampled_from(["", "", "", "+52 ", "+52", "52 ", "52", "+52 1 ", "044 ", "045 ", "01 "]))
    groups = [digits[:len(area)], digits[len(area):len(area) + 4], digits[len(area) + 4:]]
    if draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    separator = draw(st.sampled_from(SEPARATORS))
    text = prefix + separator.join(groups)
    country = draw(st.sampled_from(["MX", "MX", "MX", None, "US", "ES"]))
    return text, country


@settings(max_examples=1500, deadline=None)
@given(mexican_writings())
def test_mexican_numbers_agree(case):
    text, country = case
    assert normalize_phone(text, country) == _fast_path_agrees(text, country)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from("0123456789 +-.()/xX#*,;\t\u00a0\uff10\u0661\u200b"), max_size=30),
       st.sampled_from(["MX", "US", None, "ES"]))
def test_any_text_of_phone_characters_agrees(text, country):
    """Odd characters (full-width or Arabic digits, extensions, tabs, invisible ones) go to libphonenumber."""
    fast = _fast_e164(text, country)
    full = normalize_phone_full(text, country)
    if fast is not None:
        assert fast == full
    assert normalize_phone(text, country) == full


@pytest.mark.parametrize(("text", "country", "e164"), [
    ("55 1234 5678", "MX", "+525512345678"),
    ("(55) 1234-5678", "MX", "+525512345678"),
    ("55.1234.5678", "MX", "+525512345678"),
    ("5512345678", "MX", "+525512345678"),
    ("+52 55 1234 5678", None, "+525512345678"),
    ("+52 55 1234 5678", "US", "+525512345678"),
    ("52 55 1234 5678", "MX", "+525512345678"),
    ("33 1234 5678", "MX", "+523312345678"),
    ("+1 202 555 0123", None, "+12025550123"),
    ("(312) 555-2368", "US", "+13125552368"),
    ("416 555 0199", "CA", "+14165550199"),
    ("+34 612 345 678", None, "+34612345678"),
])
def test_common_writings_take_the_fast_path(text, country, e164):
    assert _fast_e164(text, country) == e164
    assert normalize_phone_full(text, country) == e164


@pytest.mark.parametrize(("text", "country", "e164"), [
    ("044 55 1234 5678", "MX", "+525512345678"),  # old mobile prefixes: libphonenumber and the fix-up
    ("045 33 1234 5678", "MX", "+523312345678"),
    ("01 55 1234 5678", "MX", "+525512345678"),
    ("+52 1 55 1234 5678", None, "+525512345678"),
    ("00 52 55 1234 5678", "MX", "+525512345678"),  # international dialling prefix
    ("020 7946 0958", "GB", "+442079460958"),  # national prefix
    ("１２３", "MX", None),  # full-width digits
    ("55 1234 5678 ext. 12", "MX", "+525512345678"),
    ("12345", "MX", None),
    ("55 1234 5678", None, None),  # no country code and no country
    ("", "MX", None),
])
def test_other_writings_go_to_libphonenumber(text, country, e164):
    assert _fast_e164(text, country) is None
    assert normalize_phone(text, country) == normalize_phone_full(text, country) == e164


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(" +5\t\u00a0\u200b\u202e(x"), max_size=8))
def test_phone_has_country_code_fast_check_agrees(text):
    from crm.core.text import clean

    assert phone_has_country_code(text) == clean(text).lstrip().startswith("+")
