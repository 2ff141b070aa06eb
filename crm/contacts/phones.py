"""Phone numbers: E.164 normalisation with libphonenumber, and an exact fast path for plain writings.

`normalize_phone` gives what `normalize_phone_full` (libphonenumber's parse, validity test and the
old Mexican prefixes) gives, for every input. Most cells of a contacts file are plain writings (ASCII
digits with spaces, dashes, dots or parentheses, perhaps a leading `+`): for those, `_fast_e164` repeats
libphonenumber's parsing steps with regular expressions compiled once from libphonenumber's own metadata
(international and national prefixes, general and per-type national number patterns, leading digits of
the regions that share a country code), about ten times faster. It returns an answer only when the
number is valid and every step it repeats is one it knows exactly (no national prefix to strip, no
international dialling prefix, no leading zero, no non-geographic code); in every other case, and for
every invalid number, libphonenumber decides. tests/contacts/test_phone_fast_path.py compares both on
random numbers in many writings.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS, PhoneMetadata

from crm.core.text import clean

MAX_LENGTH = 60  # characters of a written phone; longer is not a phone
_SEPARATORS = str.maketrans("", "", " ().-")
_NSN_MIN, _NSN_MAX = 2, 17  # libphonenumber's bounds for a national significant number
_NON_GEO = "001"


def phone_has_country_code(text: str) -> bool:
    """Whether the written phone carries its own country code (so no country is needed to read it)."""
    if text.isascii() and text.isprintable():  # clean() only collapses and trims spaces here
        return text.lstrip(" ").startswith("+")
    return clean(text).lstrip().startswith("+")


@lru_cache(maxsize=16384)  # a file repeats numbers (and phone-only rows are read again in the stored country)
def normalize_phone(text: str, country: str | None) -> str | None:
    """E.164 of a phone written in any common way, read in `country` when it has no `+`; None if invalid."""
    try:
        fast = _fast_e164(text, country)
    except Exception:  # pragma: no cover - defensive: libphonenumber decides
        fast = None
    return fast if fast is not None else normalize_phone_full(text, country)


def normalize_phone_full(text: str, country: str | None) -> str | None:
    """`normalize_phone` through libphonenumber only (the reference the fast path must equal)."""
    text = clean(text)
    if not text or len(text) > MAX_LENGTH:
        return None
    try:
        number = phonenumbers.parse(text, country or None)
        if not phonenumbers.is_valid_number(number):
            number = _old_mexican_prefix(number)
            if number is None:
                return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return None
    except Exception:  # a hostile value must never stop the whole import with a traceback
        return None


def _old_mexican_prefix(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber | None:
    """Mexican numbers still written with the prefixes abolished in 2019-2020 (+52 1, 044, 045, 01)."""
    if number.country_code != 52:
        return None
    national = str(number.national_number)
    for prefix, length in (("1", 11), ("44", 12), ("45", 12), ("01", 12)):
        if national.startswith(prefix) and len(national) == length:
            candidate = phonenumbers.PhoneNumber(country_code=52, national_number=int(national[len(prefix):]))
            if phonenumbers.is_valid_number(candidate):
                return candidate
    return None


# --- the fast path -----------------------------------------------------------------------------


def _compile(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


class _Rules:
    """One region's metadata as compiled patterns (libphonenumber's parse and validity steps)."""

    _TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
              "fixed_line")

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.country_code = metadata.country_code
        self.prefix = str(metadata.country_code)
        self.idd = _compile(metadata.international_prefix)
        self.national_prefix = _compile(metadata.national_prefix_for_parsing)
        self.leading = _compile(metadata.leading_digits)
        general = metadata.general_desc
        self.general = _compile(general.national_number_pattern if general is not None else None)
        self.general_lengths = tuple(general.possible_length) if general is not None else ()
        self.local_lengths = tuple(general.possible_length_local_only or ()) if general is not None else ()
        self.descs = [getattr(metadata, name) for name in self._TYPES]
        if not metadata.same_mobile_and_fixed_line_pattern:
            self.descs.append(metadata.mobile)
        self._valid_by_length: dict[int, re.Pattern | None] = {}

    @staticmethod
    def _matches_length(desc, length: int) -> bool:
        lengths = desc.possible_length
        return not lengths or length in lengths

    def general_match(self, digits: str) -> bool:
        return self.general is not None and self.general.fullmatch(digits) is not None

    def too_long(self, digits: str) -> bool:
        """libphonenumber's length test (general description) answers TOO_LONG."""
        lengths = self.general_lengths
        if not lengths or lengths[0] == -1 or len(digits) in self.local_lengths:
            return False
        return len(digits) != lengths[0] and lengths[0] < len(digits) and lengths[-1] < len(digits)

    def valid(self, nsn: str) -> bool:
        """libphonenumber's number type is not UNKNOWN: the general description and one type match."""
        length = len(nsn)
        general_lengths = self.general_lengths
        if self.general is None or (general_lengths and length not in general_lengths):
            return False
        if not self.general.fullmatch(nsn):
            return False
        if length not in self._valid_by_length:
            patterns = [f"(?:{d.national_number_pattern})" for d in self.descs
                        if d is not None and d.national_number_pattern and self._matches_length(d, length)]
            self._valid_by_length[length] = re.compile("|".join(patterns)) if patterns else None
        union = self._valid_by_length[length]
        return union is not None and union.fullmatch(nsn) is not None


_RULES: dict[str, _Rules | None] = {}


def _rules(region: str) -> _Rules | None:
    if region not in _RULES:
        metadata = PhoneMetadata.metadata_for_region(region, None) if region != _NON_GEO else None
        _RULES[region] = _Rules(metadata) if metadata is not None else None
    return _RULES[region]


def _valid(country_code: int, nsn: str) -> bool:
    """libphonenumber's is_valid_number for a number without leading zero: the region, then its patterns."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or _NON_GEO in regions:
        return False
    found = None
    if len(regions) == 1:
        found = _rules(regions[0])
    else:
        for region in regions:
            rules = _rules(region)
            if rules is None:
                continue
            if rules.leading is not None:
                if rules.leading.match(nsn):
                    found = rules
                    break
            elif rules.valid(nsn):
                found = rules
                break
    return found is not None and found.country_code == country_code and found.valid(nsn)


def _country_code(digits: str) -> int:
    """libphonenumber's country code at the start of `digits` (after a `+`), 0 when none."""
    if not digits or digits[0] == "0":
        return 0
    for size in (1, 2, 3):
        if len(digits) >= size and int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return int(digits[:size])
    return 0


def _fast_e164(text: str, country: str | None) -> str | None:
    """E.164 of a plain writing when it is valid and libphonenumber reads it the same way; else None."""
    if len(text) > MAX_LENGTH or not text.isascii():
        return None
    body = text.lstrip(" ")
    plus = body.startswith("+")
    digits = (body[1:] if plus else body).translate(_SEPARATORS)
    if not digits.isdigit():  # ASCII here: only 0-9 (and not empty)
        return None
    if plus:
        if len(digits) <= _NSN_MIN:
            return None
        code = _country_code(digits)
        if not code:
            return None
        nsn = digits[len(str(code)):]
        main = COUNTRY_CODE_TO_REGION_CODE[code][0]
        if main == _NON_GEO:
            return None
        strip_rules = _rules(main)
    else:
        if not country or country not in SUPPORTED_REGIONS:
            return None
        rules = _rules(country)
        if rules is None or (rules.idd is not None and rules.idd.match(digits)):
            return None
        code = rules.country_code
        nsn, strip_rules = digits, rules
        if digits.startswith(rules.prefix):  # perhaps the country code written without `+`
            potential = digits[len(rules.prefix):]
            if rules.national_prefix is not None and rules.national_prefix.match(potential):
                return None
            if (not rules.general_match(digits) and rules.general_match(potential)) or rules.too_long(digits):
                nsn = potential
                strip_rules = _rules(COUNTRY_CODE_TO_REGION_CODE[code][0])
    if strip_rules is None or (strip_rules.national_prefix is not None and strip_rules.national_prefix.match(nsn)):
        return None
    if not _NSN_MIN <= len(nsn) <= _NSN_MAX or nsn[0] == "0":
        return None
    return f"+{code}{nsn}" if _valid(code, nsn) else None
