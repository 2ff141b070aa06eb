"""The blueprints of the survey pages. The view modules add their routes to them (the staff pages of
surveys.manage, surveys.builder and surveys.invitations share `surveys`); the composition root imports
those modules and then registers the blueprints."""

from __future__ import annotations

from flask import Blueprint

surveys_bp = Blueprint("surveys", __name__, url_prefix="/encuestas")
public_bp = Blueprint("public", __name__, url_prefix="/r")
privacy_bp = Blueprint("privacy", __name__)
