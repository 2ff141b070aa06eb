"""The API's blueprint (/api): its routes, its JSON errors, and its views loaded on first use.

The views (indicators.py, people.py, surveys.py, openapi.py) are declared to SpecTree, whose pydantic models
and plugin take about 10 MB: a process that never answers an API request (an import job, the task consumer,
a web worker that serves only pages) should not carry them (docs/quality.md, peak memory). So the routes are
registered here with a placeholder, and the first request to any /api path imports the view modules and
puts their functions in the app's view table, before Flask looks the view up (a before-request hook of this
blueprint). Everything else about them (rules, endpoints, url_for, the JSON errors) is in place from the start.
"""

from __future__ import annotations

import importlib
import threading

from flask import Blueprint, Flask, current_app

from crm.api import errors

bp = Blueprint("api", __name__, url_prefix="/api")
errors.register(bp)

# endpoint: (rule, module holding the view of that name); every path is GET
ROUTES = {
    "indicators": ("/v1/indicators", "crm.api.views.indicators"),
    "people": ("/v1/people", "crm.api.views.people"),
    "organizations": ("/v1/organizations", "crm.api.views.people"),
    "activities": ("/v1/activities", "crm.api.views.people"),
    "requests": ("/v1/requests", "crm.api.views.people"),
    "agreements": ("/v1/agreements", "crm.api.views.people"),
    "surveys": ("/v1/surveys", "crm.api.views.surveys"),
    "responses": ("/v1/surveys/<survey>/responses", "crm.api.views.surveys"),
    "openapi": ("/openapi.json", "crm.api.views.openapi"),
}
_LOADED = "vinculo.api_views"
_lock = threading.Lock()


def _placeholder(**_kwargs):
    raise RuntimeError("the API's views were not loaded (crm.api.views.blueprint.load_views)")


for _endpoint, (_rule, _module) in ROUTES.items():
    bp.add_url_rule(_rule, _endpoint, _placeholder, methods=["GET"])


def load_views(app: Flask) -> None:
    """The API's view functions in `app`'s view table (once per app)."""
    if app.extensions.get(_LOADED):
        return
    with _lock:
        if not app.extensions.get(_LOADED):
            for endpoint, (_rule, module) in ROUTES.items():
                app.view_functions[f"{bp.name}.{endpoint}"] = getattr(importlib.import_module(module), endpoint)
            app.extensions[_LOADED] = True


@bp.before_request
def _views_on_first_use() -> None:
    load_views(current_app._get_current_object())
