"""The staff blueprint of contacts (people, organizations, networks, duplicates, ARCO); its pages are in
crm.contacts.views.people and crm.contacts.views.privacy."""

from __future__ import annotations

from flask import Blueprint

from crm.contacts.countries import country_name

bp = Blueprint("contacts", __name__)


@bp.app_template_filter("country")
def _country(code):
    return country_name(code)
