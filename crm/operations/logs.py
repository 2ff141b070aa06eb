"""Logs an operator can search and an auditor can read: a request id on every request, and, with
`CRM_LOG_FORMAT=json`, one JSON object per line (python-json-logger) for the app's and gunicorn's loggers.

Whatever the format, log lines carry no personal data and no credentials: respondent and confirmation
tokens in paths are masked (`/r/[token]`), query strings are never logged, e-mail addresses and bearer
tokens in messages are masked. The request id comes from the proxy's `X-Request-ID` when it is a sane
token (so nginx's and the app's lines join), else it is generated; it is sent back in the response.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")
_TOKEN_PATHS = re.compile(r"(/(?:r|confirmar|revisar|baja|descargas?)/)[^/?#\s]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_API_TOKEN = re.compile(r"\b(vnc_)[A-Za-z0-9_-]{8,}")  # an API token anywhere (crm.auth.tokens), even bare
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
access_log = logging.getLogger("vinculo.solicitud")
_FORMATTER = logging.Formatter()


def mask(text: str) -> str:
    """The text with tokens in paths, query strings, e-mail addresses and bearer tokens masked."""
    text = _QUERY.sub(r"\1", text)
    text = _TOKEN_PATHS.sub(r"\1[token]", text)
    text = _BEARER.sub(r"\1[token]", text)
    text = _API_TOKEN.sub(r"\1[token]", text)
    return _EMAIL.sub("[correo]", text)


class Redact(logging.Filter):
    """Masks what must not be logged in the formatted message (the arguments may carry it as well as the
    template); adds the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep logging's own error report
            return True
        record.msg, record.args = mask(message), None
        if record.exc_info:  # a traceback's messages carry values too (an e-mail in a constraint error)
            record.exc_text = mask(_FORMATTER.formatException(record.exc_info))
            record.exc_info = None
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def current_request_id() -> str | None:
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


def json_formatter() -> logging.Formatter:
    return JsonFormatter(FIELDS, rename_fields=RENAMED, datefmt=DATE_FORMAT, json_ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Log format and filters for the process (idempotent), and the request id hooks for this app."""
    json_lines = (app.config.get("CRM_LOG_FORMAT") or "text").strip().lower() == "json"
    root = logging.getLogger()
    if json_lines and not any(getattr(h, "_vinculo", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(json_formatter())
        handler.addFilter(Redact())
        handler._vinculo = True
        root.handlers = [h for h in root.handlers if not isinstance(h, logging.StreamHandler)] + [handler]
        root.setLevel(app.config.get("CRM_LOG_LEVEL") or "INFO")
        for name in ("gunicorn.error", "gunicorn.access", "huey"):  # their own handlers, same lines
            for existing in logging.getLogger(name).handlers:
                existing.setFormatter(json_formatter())
        app.logger.handlers.clear()  # propagate to the root's JSON handler
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "huey", app.logger.name, "vinculo"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redact) for f in logger.filters):
            logger.addFilter(Redact())
    app.config["CRM_ACCESS_LOG"] = json_lines
    app.before_request(_start_request)
    app.after_request(_finish_request)


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response):
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
    if current_app.config.get("CRM_ACCESS_LOG"):
        started = getattr(g, "request_started", None)
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        access_log.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"method": request.method, "path": mask(request.path),
                               "status": response.status_code, "duration_ms": duration})
    return response


def gunicorn_logconfig() -> dict:
    """A `logconfig_dict` for gunicorn.conf.py under CRM_LOG_FORMAT=json: gunicorn's own lines as JSON,
    with the same masking (its access log stays off: the app logs each request itself)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": Redact}},
        "formatters": {"json": {"()": JsonFormatter, "fmt": FIELDS, "rename_fields": RENAMED,
                                "datefmt": DATE_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"],
                                "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
                    # the application logs each request itself (vinculo.solicitud), with its request id
                    "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
    }
