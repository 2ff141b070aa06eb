"""JSON errors under /api: `{"error": CODE, "message": "<Spanish>"}`. The rest of the app keeps its HTML error
pages: the handlers here belong to the API blueprint, and the routing errors (an unknown /api path, a method
the path does not take) are answered by a before-request hook that acts only on /api paths."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

API_PREFIX = "/api/"

MESSAGES = {
    400: ("bad_request", "La solicitud no es válida."),
    401: ("unauthorized", "Falta la clave de acceso o no es válida."),
    403: ("forbidden", "La cuenta de esta clave no tiene permiso para consultar estos datos."),
    404: ("not_found", "La dirección no existe o el registro ya no está disponible."),
    405: ("method_not_allowed", "La API solo admite consultas (GET) en esta dirección."),
    429: ("too_many_requests", "Se recibieron demasiadas solicitudes con esta clave. Espere e intente de nuevo."),
    500: ("internal_error", "Ocurrió un error inesperado; intente de nuevo."),
}


def json_error(status: int, message: str | None = None, *, error: str | None = None, headers: dict | None = None):
    code, default = MESSAGES.get(status, ("error", "La solicitud no pudo atenderse."))
    response = jsonify(error=error or code, message=message or default)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(exc: HTTPException):
    """An HTTP error raised inside an API view, as JSON (a 405 keeps its Allow header)."""
    status = exc.code or 500
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    return json_error(status, headers=headers)


class ApiError(Exception):
    """Raised by the API's views for an answer other than 200 with a specific Spanish message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def from_api_error(exc: ApiError):
    return json_error(exc.status, exc.message)


def routing_error_as_json():
    """Before every request: an /api path that matched no route (404) or not with this method (405) is answered
    in JSON here, before the app's HTML error pages would be."""
    error = request.routing_exception
    if error is None or not request.path.startswith(API_PREFIX):
        return None
    if isinstance(error, (NotFound, MethodNotAllowed)):
        return from_http_exception(error)
    return None


def register(bp) -> None:
    bp.before_app_request(routing_error_as_json)
    bp.register_error_handler(ApiError, from_api_error)
    for status in (400, 401, 403, 404, 405, 429, 500):
        bp.register_error_handler(status, from_http_exception)
