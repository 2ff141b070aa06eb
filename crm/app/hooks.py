"""What every request and page goes through: the idle timeout, impossible path values, security headers,
the `local` date filter and the display filters, the template globals, and the error pages."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from crm.app.assets import cache_static
from crm.auth.roles import role_has
from crm.core.display import FILTERS
from crm.core.timeutil import local_text
from crm.core.web import MAX_ID

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# static: a cookie (and its Vary: Cookie) would keep browsers and caches from reusing a year-long asset
SESSIONLESS_ENDPOINTS = frozenset({"operations_health.salud", "static",
                                   "transparency.page", "transparency.csv"})  # public and cacheable


def register_hooks(app: Flask) -> None:
    app.before_request(_idle_timeout)
    app.url_value_preprocessor(_impossible_path_values)
    app.after_request(_security_headers)
    app.template_filter("local")(local_text)
    for name, function in FILTERS.items():  # fecha, entero, porcentaje, etiqueta... (crm/core/display.py)
        app.template_filter(name)(function)
    app.context_processor(_globals)


def _idle_timeout() -> None:
    if request.endpoint in SESSIONLESS_ENDPOINTS:  # a balancer's health check carries and gets no cookie
        return
    if request.path.startswith("/api/"):  # the read API: bearer tokens only, no session (docs/api.md)
        return
    if not session.permanent:  # PERMANENT_SESSION_LIFETIME is the idle timeout, refreshed per request
        session.permanent = True


def _impossible_path_values(_endpoint, values) -> None:
    # /redes/%00 or /contactos/99999999999999999999: no record has such a name or id, and the database
    # would refuse the value itself (NUL in text, an integer beyond its columns) with a server error.
    for value in (values or {}).values():
        if (isinstance(value, str) and "\x00" in value) or (isinstance(value, int) and value > MAX_ID):
            abort(404)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint == "static":
        cache_static(current_app, response)  # a year under a fingerprinted URL, else a short cache
    elif request.endpoint:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _can(permission: str) -> bool:
    return bool(current_user.is_authenticated and role_has(current_user.role, permission))


def _globals() -> dict:
    return {"can": _can, "page_lang": getattr(g, "lang", "es")}


def register_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    app.register_error_handler(403, lambda e: page(403, "Acceso no permitido",
                                                   "Su cuenta no tiene permiso para ver esta página."))
    app.register_error_handler(404, lambda e: page(404, "Página no encontrada",
                                                   "La dirección no existe o el registro ya no está disponible."))
    app.register_error_handler(413, lambda e: page(413, "Archivo demasiado grande",
                                                   "El archivo supera el tamaño máximo permitido."))
    app.register_error_handler(429, lambda e: page(429, "Demasiados intentos",
                                                   "Se recibieron demasiados intentos en poco tiempo. "
                                                   "Espere unos minutos e intente de nuevo."))
    app.register_error_handler(500, lambda e: page(500, "Error interno",
                                                   "Ocurrió un error inesperado. Nada de lo que ya estaba guardado "
                                                   "se perdió; intente de nuevo."))
    app.register_error_handler(CSRFError, lambda e: page(400, "El formulario caducó",
                                                         "Por seguridad, vuelva a cargar la página y envíe el "
                                                         "formulario de nuevo."))
