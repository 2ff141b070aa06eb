"""What every contacts module shares: the domain error and the pure helpers for countries, e-mail
addresses and languages (phones: crm.contacts.phones; organization names: crm.contacts.organizations.names).
"""

from __future__ import annotations

import re
from functools import lru_cache

from crm.core.errors import DomainError
from crm.core.text import clean, fold

DEFAULT_COUNTRY = "MX"


class ContactsError(DomainError):
    """A contacts rule was broken; the message is Spanish and meant for the user."""


# --- countries -------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "US": ["EUA", "E.U.A.", "EEUU", "EE.UU.", "EE. UU.", "EU", "USA", "U.S.A.", "U.S.", "Estados Unidos de América",
           "Estados Unidos de Norteamérica", "Estados Unidos de Norte América", "United States of America",
           "Norteamérica"],
    "GB": ["UK", "U.K.", "Reino Unido", "Gran Bretaña", "Great Britain", "Inglaterra", "England", "Escocia",
           "Scotland", "Gales", "Wales", "Irlanda del Norte", "Northern Ireland"],
    "MX": ["México", "Mexico", "Méjico", "Estados Unidos Mexicanos", "República Mexicana", "Mexican Republic"],
    "ES": ["España", "Spain", "Reino de España"],
    "KR": ["Corea del Sur", "South Korea"],
    "KP": ["Corea del Norte", "North Korea"],
    "RU": ["Rusia", "Russia"],
    "NL": ["Holanda", "Holland"],
    "CZ": ["República Checa", "Czech Republic"],
    "BO": ["Bolivia"],
    "VE": ["Venezuela"],
    "IR": ["Iran", "Irán"],
    "VN": ["Vietnam", "Viet Nam"],
    "TW": ["Taiwan", "Taiwán"],
    "SY": ["Siria", "Syria"],
    "TZ": ["Tanzania"],
    "CD": ["República Democrática del Congo", "Congo (Kinshasa)", "DR Congo"],
    "CI": ["Costa de Marfil", "Ivory Coast"],
    "DO": ["República Dominicana", "Dominicana"],
    "VA": ["Vaticano", "Ciudad del Vaticano", "Vatican", "Holy See", "Santa Sede"],
    "PS": ["Palestina", "Palestine"],
}


def _country_key(text: object) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


@lru_cache(maxsize=1)
def _country_index() -> dict[str, str]:
    import pycountry
    from babel import Locale

    index: dict[str, str] = {}
    known = {c.alpha_2 for c in pycountry.countries}

    def add(name: str | None, code: str) -> None:
        key = _country_key(name or "")
        if key and code in known:
            index.setdefault(key, code)

    # Codes first so that a code always means its country.
    for country in pycountry.countries:
        add(country.alpha_2, country.alpha_2)
        add(country.alpha_3, country.alpha_2)
    for code, aliases in _COUNTRY_ALIASES.items():
        for alias in aliases:
            add(alias, code)
    for locale in ("es", "en", "es_MX"):
        for code, name in Locale.parse(locale).territories.items():
            add(name, code)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            add(getattr(country, attribute, None), country.alpha_2)
    return index


@lru_cache(maxsize=4096)
def resolve_country(text: str) -> str | None:
    """ISO alpha-2 for an alpha-2/alpha-3 code or a Spanish/English name; None if unknown."""
    return _country_index().get(_country_key(text)) if text else None


def country_name(code: str) -> str:
    from crm.contacts.countries import country_name as spanish_name

    return spanish_name(code)


# --- e-mail -----------------------------------------------------------------------------------

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_EMAIL = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>[A-Za-z0-9.-]+)")
_EMAIL_REASONS = (
    ("an email address must have an @-sign", "falta la arroba (@)"),
    ("exactly one @-sign", "debe tener exactamente una arroba (@)"),
    ("something after the @-sign", "falta el dominio después de la @"),
    ("something before the @-sign", "falta el nombre antes de la @"),
    ("special-use or reserved", "el dominio es de uso reservado"),
    ("should have a period", "el dominio debe tener un punto (por ejemplo gmail.com)"),
    ("too long", "es demasiado larga"),
    ("period", "hay un punto mal colocado"),
    ("invalid character", "contiene caracteres no permitidos"),
    ("not allowed", "contiene caracteres no permitidos"),
)


def _full_email_problem(address: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        message = str(exc).lower()
        return next((spanish for english, spanish in _EMAIL_REASONS if english in message), "la dirección no es válida")
    except Exception:  # a hostile value must never stop the whole import with a traceback
        return "la dirección no es válida"
    return None


@lru_cache(maxsize=4096)
def _domain_problem(domain: str) -> str | None:
    return _full_email_problem("a@" + domain)


def email_problem(address: str) -> str | None:
    """None when `address` is a valid e-mail address (syntax only, no DNS), else the reason in Spanish.

    Plain ASCII addresses (nearly all) check the local part with the RFC 5322 dot-atom rule that
    email_validator applies and validate their domain once (cached); anything else goes through
    email_validator in full, so both paths accept exactly the same addresses.
    """
    if len(address) <= 254:
        match = _PLAIN_EMAIL.fullmatch(address)
        if match and len(match.group("local")) <= 64:
            return _domain_problem(match.group("domain").lower())
    return _full_email_problem(address)


def email_key(address: str) -> str:
    """The matching key of an address (PersonEmail.address_key): lower case."""
    return address.lower()


# --- languages ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language_codes() -> frozenset[str]:
    import pycountry

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1024)
def resolve_language(text: str) -> str | None:
    """ISO 639-1 code (`es`, `EN`, `pt-BR` -> `pt`); None if unknown."""
    match = re.fullmatch(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})?", clean(text))
    if not match:
        return None
    code = match.group(1).lower()
    return code if code in _language_codes() else None
