"""The kinds of reference figure and how each reads its key.

A kind's key is an alcaldía or a country. The catalogs that recognise them belong to crm.contacts, which
crm.program may not import: the composition root registers one matcher per key type
(`register_key_type`, wired in crm/app/wiring.py), text -> the stored key, or None when unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.core.errors import DomainError
from crm.program.reference.models import KIND_CODES


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # Spanish, for pages and messages
    key_type: str  # "alcaldia" or "pais": the matcher that reads the key
    unit: str  # what the value counts


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("lista_nominal_alcaldia", "Lista nominal por alcaldía", "alcaldia", "personas en la lista nominal"),
    Kind("credenciales_extranjero_pais", "Credenciales para votar entregadas en el extranjero por país", "pais",
         "credenciales entregadas"),
)}
assert set(KINDS) == set(KIND_CODES), "every kind needs its database check (models.KIND_CODES) and vice versa"

KEY_TYPES = {"alcaldia": "una alcaldía de la Ciudad de México",
             "pais": "un país (código ISO de dos letras o su nombre)"}

_MATCHERS: dict[str, Callable[[str], str | None]] = {}


def register_key_type(key_type: str, match: Callable[[str], str | None]) -> None:
    """The function that reads a key of this type: text -> the stored key, None when it is not one."""
    if key_type not in KEY_TYPES:
        raise KeyError(f"unknown key type {key_type!r}")
    _MATCHERS[key_type] = match


def matchers() -> dict[str, Callable[[str], str | None]]:
    missing = sorted({k.key_type for k in KINDS.values()} - set(_MATCHERS))
    if missing:
        raise DomainError(f"falta registrar cómo leer las claves de tipo {', '.join(missing)}")
    return dict(_MATCHERS)
