"""Saved filters of the people list: saved from the list (WTForms + CSRF, edit_contacts), listed to reuse, mail
or delete; names unique without accents or case; parameters validated against the list's own."""

from __future__ import annotations

import re

import pytest
from flask import g
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm.contacts.saved_filters import services as saved_filters
from crm.contacts.saved_filters.models import SavedFilter
from crm.contacts.search import PeopleFilter
from crm.contacts.services import ContactsError
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.factories import PASSWORD, make_person, make_user

CRITERIA = {"q": "garcia", "red": "rvc", "pais": "MX"}


def saved_rows() -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).order_by(SavedFilter.id)))


def test_staff_saves_the_current_filters_and_reuses_them_from_the_list(client, login_as):
    make_person("Ana", first_surname="García", networks=("rvc",), country="MX")
    user = login_as("staff")
    page = client.get("/contactos", query_string=CRITERIA).get_data(as_text=True)
    assert "Guardar este filtro" in page and 'name="red" value="rvc"' in page  # the form carries the filters
    response = client.post("/contactos/filtros", data={"name": "  García de la RVC ", **CRITERIA, "orden": "nombre"})
    assert response.status_code == 302 and "red=rvc" in response.headers["Location"]
    [saved] = saved_rows()
    assert (saved.name, saved.name_key, saved.params, saved.created_by_id) == \
        ("García de la RVC", "garcia de la rvc", CRITERIA, user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.saved_filter_create"))
    assert entry.actor_id == user.id and entry.details["params"] == CRITERIA
    listing = client.get("/contactos").get_data(as_text=True)
    assert "García de la RVC" in listing and "Texto: garcia · Red: Red Voto Chilango · País: México" in listing
    link = re.search(r'<a href="(/contactos\?[^"]+)">García de la RVC</a>', listing).group(1).replace("&amp;", "&")
    assert all(f"{key}={value}" in link for key, value in CRITERIA.items())
    assert "/difusion/nuevo?segmento=filtro" in listing  # staff may send mailings
    compose = client.get("/difusion/nuevo?segmento=filtro:García de la RVC").get_data(as_text=True)
    assert re.search(r'<option selected value="filtro:García de la RVC">|<option value="filtro:García de la RVC" selected',
                     compose)


def test_a_name_already_taken_without_accents_or_case_and_a_filter_without_criteria_are_refused(client, login_as):
    login_as("staff")
    client.post("/contactos/filtros", data={"name": "Jóvenes", "red": "rvc"})
    again = client.post("/contactos/filtros", data={"name": "JOVENES", "pais": "MX"}, follow_redirects=True)
    assert "Ya existe un filtro guardado llamado «JOVENES»" in again.get_data(as_text=True)
    empty = client.post("/contactos/filtros", data={"name": "Todo", "orden": "pais"}, follow_redirects=True)
    assert "El filtro no tiene ningún criterio" in empty.get_data(as_text=True)
    unnamed = client.post("/contactos/filtros", data={"name": "", "red": "rvc"}, follow_redirects=True)
    assert "Escriba un nombre para el filtro." in unnamed.get_data(as_text=True)
    assert [s.name for s in saved_rows()] == ["Jóvenes"]


def test_the_database_refuses_a_second_name_with_the_same_key_and_an_empty_name(app):
    db.session.add(SavedFilter(name="Uno", name_key="uno", params={"red": "rvc"}))
    db.session.commit()
    db.session.add(SavedFilter(name="UNO", name_key="uno", params={"red": "rvc"}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(SavedFilter(name="", name_key="", params={}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_staff_deletes_a_saved_filter(client, login_as):
    login_as("staff")
    saved = saved_filters.save_filter("Observación", {"red": "observacion"})
    assert client.post(f"/contactos/filtros/{saved.id}/eliminar").status_code == 302
    assert saved_rows() == []
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.saved_filter_delete")) is not None
    gone = client.post(f"/contactos/filtros/{saved.id}/eliminar", follow_redirects=True)
    assert "Ese filtro guardado ya no existe." in gone.get_data(as_text=True)


def test_only_who_may_edit_contacts_saves_or_deletes_and_coordinators_only_see_them(client, login_as):
    saved = saved_filters.save_filter("Observación", {"red": "observacion"})
    login_as("coordinator")  # view_contacts, not edit_contacts
    page = client.get("/contactos", query_string=CRITERIA).get_data(as_text=True)
    assert "Observación" in page and "Guardar este filtro" not in page and "Eliminar" not in page
    assert "/difusion/nuevo" not in page  # coordinators do not send mailings
    assert client.post("/contactos/filtros", data={"name": "Otro", **CRITERIA}).status_code == 403
    assert client.post(f"/contactos/filtros/{saved.id}/eliminar").status_code == 403
    assert [s.name for s in saved_rows()] == ["Observación"]


def test_viewers_and_anonymous_visitors_are_kept_out(client, login_as):
    assert client.post("/contactos/filtros", data={"name": "Otro", **CRITERIA}).status_code == 302  # to log in
    login_as("viewer")
    assert client.post("/contactos/filtros", data={"name": "Otro", **CRITERIA}).status_code == 403
    assert saved_rows() == []


def test_saving_needs_the_form_token(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        user = make_user(role="staff")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/acceso").get_data(as_text=True))
        client.post("/acceso", data={"email": user.email, "password": PASSWORD, "csrf_token": token.group(1)})
        g.pop("csrf_token", None)  # the test's app context (and its g) outlives requests; the log-in renewed the session
        page = client.get("/contactos", query_string=CRITERIA).get_data(as_text=True)
        assert client.post("/contactos/filtros", data={"name": "Sin token", **CRITERIA}).status_code == 400
        assert saved_rows() == []
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/contactos/filtros", data={"name": "Con token", **CRITERIA, "csrf_token": token})
        assert response.status_code == 302 and [s.name for s in saved_rows()] == ["Con token"]


def test_parameters_are_checked_against_the_list(app):
    with pytest.raises(ContactsError, match="no conoce: «pagina»"):
        saved_filters.clean_params({"red": "rvc", "pagina": "2"})
    with pytest.raises(ContactsError, match="pasa de 2 caracteres"):
        saved_filters.clean_params({"pais": "MEX"})
    with pytest.raises(ContactsError, match="debe ser texto"):
        saved_filters.clean_params({"red": ["rvc"]})
    assert saved_filters.clean_params({"red": "rvc", "q": "", "orden": "nombre"}) == {"red": "rvc"}


@given(st.dictionaries(st.sampled_from([*saved_filters.KNOWN, "pagina", "x"]),
                       st.one_of(st.text(max_size=250), st.integers(), st.none()), max_size=8))
def test_any_parameters_are_either_refused_or_kept_within_the_list_limits(values):
    try:
        params = saved_filters.clean_params(values)
    except ContactsError:
        return
    assert params and set(params) <= set(saved_filters.KNOWN) and any(key != "orden" for key in params)
    assert all(isinstance(v, str) and 0 < len(v) <= saved_filters.KNOWN[k][1] for k, v in params.items())
    PeopleFilter(**PeopleFilter.args_from(params))  # reads as the list reads its query string
