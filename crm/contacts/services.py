"""Operations on people and organizations shared by the import, the export and the web pages.

Pure helpers (country names, e-mail addresses, languages, organization names) plus the organization
index used to match "INE", "Instituto Nacional Electoral" and
"Instituto Nacional Electoral (INE)" to the same record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

# The bulk SQL lives in crm.contacts.imports.write and phones in crm.contacts.phones; their names stay
# importable from here for the callers.
from crm.contacts.imports.write import bulk_insert, bulk_update, insert_returning_ids  # noqa: F401
from crm.contacts.models import Organization
from crm.contacts.phones import normalize_phone, phone_has_country_code  # noqa: F401
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import clean, fold

DEFAULT_COUNTRY = "MX"
COPY_UPDATE_FROM = 200  # rows; PostgreSQL updates this many rows through COPY and one UPDATE ... FROM


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


# --- organizations ------------------------------------------------------------------------------

_WITH_ACRONYM = re.compile(r"^(?P<name>.*?\S)\s*\((?P<acronym>[^()]+)\)$")


def split_organization(text: str) -> tuple[str, str | None]:
    """`Instituto Nacional Electoral (INE)` -> ("Instituto Nacional Electoral", "INE"); else (text, None)."""
    text = clean(text)
    match = _WITH_ACRONYM.match(text)
    if match:
        acronym = match.group("acronym").strip()
        looks_like_acronym = (len(acronym) <= 20 and " " not in acronym) or (
            len(acronym) <= 40 and acronym == acronym.upper()
        )
        if acronym and looks_like_acronym:
            return match.group("name").strip(), acronym
    return text, None


@dataclass
class OrgRef:
    """An organization found or to be created; `id` is None until it is written."""

    name: str
    acronym: str | None
    id: int | None = None
    fill_acronym: bool = False  # an existing organization without acronym gets the written one

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


@dataclass
class OrganizationIndex:
    """Every organization by folded name, acronym and display name (loaded once, no per-row queries)."""

    by_name: dict[str, OrgRef] = field(default_factory=dict)
    by_acronym: dict[str, list[OrgRef]] = field(default_factory=dict)
    by_display: dict[str, OrgRef] = field(default_factory=dict)
    new: list[OrgRef] = field(default_factory=list)
    _seen: dict[str, tuple[OrgRef | None, str | None]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> OrganizationIndex:
        index = cls()
        rows = db.session.execute(select(Organization.id, Organization.name, Organization.name_key,
                                         Organization.acronym)).all()
        for org_id, name, name_key, acronym in rows:
            index._add(OrgRef(name=name, acronym=acronym or None, id=org_id), name_key=name_key)
        return index

    def _add(self, ref: OrgRef, name_key: str | None = None) -> None:
        self.by_name.setdefault(name_key or fold(ref.name), ref)
        if ref.acronym:
            self.by_acronym.setdefault(fold(ref.acronym), []).append(ref)
        self.by_display.setdefault(fold(ref.display_name), ref)

    def find(self, text: str) -> tuple[OrgRef | None, str | None]:
        """(organization, None), (None, None) when unknown, or (None, problem) when ambiguous."""
        name, acronym = split_organization(text)
        whole = fold(text)
        ref = self.by_display.get(whole) or self.by_name.get(whole)
        if ref is None and acronym:
            ref = self.by_name.get(fold(name))
        if ref is not None:
            return ref, None
        candidates = self.by_acronym.get(fold(acronym) if acronym else whole, [])
        if len(candidates) == 1:
            return candidates[0], None
        if len(candidates) > 1:
            names = ", ".join(sorted(c.name for c in candidates)[:3])
            return None, f"la sigla corresponde a varias organizaciones ({names}); escriba el nombre completo"
        return None, None

    def get_or_add(self, text: str) -> tuple[OrgRef | None, str | None]:
        """The organization named by `text`, planned for creation if new (created by `write`)."""
        if text not in self._seen:
            self._seen[text] = self._get_or_add(text)
        return self._seen[text]

    def _get_or_add(self, text: str) -> tuple[OrgRef | None, str | None]:
        ref, problem = self.find(text)
        if problem:
            return None, problem
        name, acronym = split_organization(text)
        if ref is not None:
            if acronym and not ref.acronym and fold(acronym) not in self.by_acronym:
                ref.acronym = acronym
                ref.fill_acronym = ref.id is not None
                self.by_acronym.setdefault(fold(acronym), []).append(ref)
                self.by_display.setdefault(fold(ref.display_name), ref)
            return ref, None
        if len(fold(name)) > 300 or (acronym and len(fold(acronym)) > 40):
            return None, "el nombre es demasiado largo (máximo 300 caracteres; la sigla, 40)"
        ref = OrgRef(name=name, acronym=acronym)
        self.new.append(ref)
        self._add(ref)
        return ref, None

    def write(self) -> None:
        """Insert the planned organizations and fill acronyms (inside the caller's transaction)."""
        if self.new:
            values = [{"name": r.name, "name_key": fold(r.name), "acronym": r.acronym,
                       "acronym_key": fold(r.acronym) if r.acronym else None} for r in self.new]
            ids = insert_returning_ids(Organization, values)
            for ref, new_id in zip(self.new, ids, strict=True):
                ref.id = new_id
            self.new = []
        fills = {id(r): r for refs in self.by_acronym.values() for r in refs if r.fill_acronym}
        if fills:
            bulk_update(Organization, [{"id": r.id, "acronym": r.acronym, "acronym_key": fold(r.acronym)}
                                       for r in fills.values()])
            for ref in fills.values():
                ref.fill_acronym = False


def find_organization(text: str) -> Organization | None:
    """The organization named by `text` (name, acronym or `Name (ACR)`, case and accents ignored)."""
    ref, _problem = OrganizationIndex.load().find(text)
    return db.session.get(Organization, ref.id) if ref is not None and ref.id is not None else None


def get_or_create_organization(text: str) -> Organization:
    """Find the organization named by `text` or add a new one to the session (the caller commits)."""
    text = clean(text)
    if not text:
        raise ContactsError("falta el nombre de la organización")
    index = OrganizationIndex.load()
    ref, problem = index.get_or_add(text)
    if problem:
        raise ContactsError(problem)
    index.write()
    return db.session.get(Organization, ref.id)
