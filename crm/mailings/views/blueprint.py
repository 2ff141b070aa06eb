"""The mailings blueprint: the public unsubscribe link and the staff pages (Difusión)."""

from flask import Blueprint

bp = Blueprint("mailings", __name__)
