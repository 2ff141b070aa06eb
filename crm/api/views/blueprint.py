"""The API's blueprint (/api), shared by its view modules; its JSON errors are registered here."""

from flask import Blueprint

from crm.api import errors

bp = Blueprint("api", __name__, url_prefix="/api")
errors.register(bp)
