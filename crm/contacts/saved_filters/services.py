"""Saving, listing and deleting saved filters of people, and the people one selects (the list's own query)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from crm.contacts.catalogs import MEMBERSHIP_STATUSES, NETWORKS
from crm.contacts.countries import country_name
from crm.contacts.models import Person
from crm.contacts.saved_filters.models import NAME_MAX, SavedFilter
from crm.contacts.search import PeopleFilter, filtered
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import clean, fold

# query-string name -> (PeopleFilter field, length limit), as the people list reads them
KNOWN = {name: (field, limit) for field, (name, limit) in PeopleFilter.ARGS.items()}
SORT = PeopleFilter.ARGS["sort"][0]
LABELS = {"q": "Texto", "red": "Red", "pais": "País", "estado": "Estado o provincia", "alcaldia": "Alcaldía",
          "estatus": "Estatus en la red", "etiqueta": "Etiqueta"}


def clean_params(values: Mapping) -> dict[str, str]:
    """The people list's parameters in `values` (its query-string names), validated: every key one the list
    knows, every value text within the list's length limit; empty values and the default order dropped.
    Raises ContactsError when something is wrong or no criterion is left."""
    params: dict[str, str] = {}
    for key, value in values.items():
        if key not in KNOWN:
            raise ContactsError(f"El filtro tiene un parámetro que la lista de personas no conoce: «{key}».")
        if not isinstance(value, str):
            raise ContactsError(f"El valor de «{key}» debe ser texto.")
        if len(value) > KNOWN[key][1]:
            raise ContactsError(f"El valor de «{key}» pasa de {KNOWN[key][1]} caracteres.")
        if value.strip() and not (key == SORT and value == "nombre"):
            params[key] = value
    if not any(key != SORT for key in params):
        raise ContactsError("El filtro no tiene ningún criterio: elija al menos uno (texto, red, país, etiqueta...) "
                            "antes de guardarlo.")
    return params


def people_filter(saved: SavedFilter) -> PeopleFilter:
    """The people list's filter for the saved parameters (read as the list reads its query string)."""
    return PeopleFilter(**PeopleFilter.args_from(saved.params or {}))


def people_select(saved: SavedFilter) -> Select:
    """A select of the people the list shows for the saved parameters (not ordered)."""
    return filtered(select(Person), people_filter(saved))


def describe(params: Mapping) -> str:
    """The criteria in Spanish: "Red: Red Voto Chilango · País: México"."""
    shown = {"red": lambda v: NETWORKS.get(v, v), "pais": country_name,
             "estatus": lambda v: MEMBERSHIP_STATUSES.get(v, v)}
    return " · ".join(f"{label}: {shown.get(key, str)(params[key])}" for key, label in LABELS.items()
                      if params.get(key))


def all_filters() -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).order_by(SavedFilter.name_key)))


def find_filter(name: str) -> SavedFilter | None:
    key = fold(name)
    return db.session.scalar(select(SavedFilter).where(SavedFilter.name_key == key)) if key else None


def save_filter(name: str, values: Mapping, *, actor=None) -> SavedFilter:
    """Saves the list's current parameters under `name` (unique, compared without accents or case)."""
    name = clean(name)
    if not name:
        raise ContactsError("Escriba un nombre para el filtro.")
    if len(name) > NAME_MAX:
        raise ContactsError(f"El nombre del filtro pasa de {NAME_MAX} caracteres.")
    params = clean_params(values)
    taken = f"Ya existe un filtro guardado llamado «{name}»; elija otro nombre."
    if find_filter(name) is not None:
        raise ContactsError(taken)
    saved = SavedFilter(name=name, name_key=fold(name), params=params,
                        created_by_id=actor.id if hasattr(actor, "email") else None)
    db.session.add(saved)
    try:
        db.session.flush()
    except IntegrityError as exc:  # saved meanwhile by someone else
        db.session.rollback()
        raise ContactsError(taken) from exc
    audit.record(actor, "contacts.saved_filter_create", saved, {"name": name, "params": params})
    db.session.commit()
    return saved


def delete_filter(filter_id: int, *, actor=None) -> str:
    """Deletes a saved filter; returns its name. Mailings already sent to it keep their recipients."""
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None:
        raise ContactsError("Ese filtro guardado ya no existe.")
    audit.record(actor, "contacts.saved_filter_delete", saved, {"name": saved.name, "params": saved.params})
    db.session.delete(saved)
    db.session.commit()
    return saved.name
