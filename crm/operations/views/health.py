"""`GET /salud`: the health check for load balancers and operators (contract: Health). No login, no
session cookie, no audit, no rate limit, never cached; it names no person."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from crm.operations import health

bp = Blueprint("operations_health", __name__)


@bp.get("/salud")
def salud():
    result = health.check(current_app._get_current_object())
    response = jsonify(result.as_dict())
    response.status_code = 200 if result.healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
