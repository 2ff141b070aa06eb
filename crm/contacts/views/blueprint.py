"""The staff blueprint of contacts (people, organizations, networks, duplicates, ARCO); its pages are in
crm.contacts.views.people and crm.contacts.views.privacy."""

from __future__ import annotations

import phonenumbers
from flask import Blueprint

from crm.contacts.countries import country_name

bp = Blueprint("contacts", __name__)


@bp.app_template_filter("country")
def _country(code):
    return country_name(code)


@bp.app_template_filter("telefono")
def _phone(e164):
    """A stored E.164 number as people write it: "+12135552021" -> "+1 213-555-2021" (unchanged if unreadable)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
