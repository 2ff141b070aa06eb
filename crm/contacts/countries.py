"""Country names in Spanish for display and choices (ISO 3166 alpha-2 codes, Babel's CLDR names)."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale

FIRST = ("MX", "US", "CA", "ES", "DE", "FR", "GB")


@cache
def _names() -> dict[str, str]:
    territories = Locale("es").territories
    return {c.alpha_2: territories.get(c.alpha_2, c.name) for c in pycountry.countries}


def country_name(code: str | None) -> str:
    """The Spanish name of an ISO alpha-2 code ("" for none; the code itself when unknown)."""
    if not code:
        return ""
    return _names().get(code.upper(), code)


@cache
def country_choices() -> list[tuple[str, str]]:
    names = _names()
    rest = sorted((code for code in names if code not in FIRST), key=lambda c: names[c])
    return [(code, names[code]) for code in (*FIRST, *rest)]
