"""Optional error reporting to a Sentry-compatible service (`CRM_SENTRY_DSN`; empty: off, the default).

Sentry's SDK (the `sentry` extra) with its Flask integration; nothing personal leaves the server: no
default PII, no request bodies, cookies, credential headers or query strings, and tokens and e-mail
addresses masked in messages and paths (the same masking as the logs)."""

from __future__ import annotations

from flask import Flask

from crm.core.errors import ConfigurationError
from crm.operations.logs import mask

_SECRET_HEADERS = {"cookie", "authorization", "x-csrftoken", "x-csrf-token", "proxy-authorization"}


def _mask_key(container: dict, key: str) -> None:
    if isinstance(container.get(key), str):
        container[key] = mask(container[key])


def scrub(event: dict, _hint: dict | None = None) -> dict:
    """Sentry's `before_send`: the event without bodies, cookies, credentials, tokens or addresses."""
    req = event.get("request")
    if isinstance(req, dict):
        req.pop("data", None)
        req.pop("cookies", None)
        req["query_string"] = ""
        _mask_key(req, "url")
        headers = req.get("headers")
        if isinstance(headers, dict):
            req["headers"] = {k: v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}
    event.pop("user", None)
    for item in (event.get("exception") or {}).get("values") or []:
        _mask_key(item, "value")
    entry = event.get("logentry") or {}
    _mask_key(entry, "message")
    _mask_key(entry, "formatted")
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        _mask_key(crumb, "message")
    _mask_key(event, "transaction")
    return event


def configure_reporting(app: Flask) -> bool:
    """Starts the SDK when `CRM_SENTRY_DSN` is set; True if it did. A DSN without the SDK installed is a
    configuration error (start-up stops with a clear message) rather than silently reporting nothing."""
    dsn = (app.config.get("CRM_SENTRY_DSN") or "").strip()
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError:
        raise ConfigurationError("CRM_SENTRY_DSN está configurado, pero falta el paquete «sentry-sdk» "
                                 "(instálelo con: .venv/bin/pip install 'sentry-sdk[flask]')") from None
    sentry_sdk.init(dsn=dsn, integrations=[FlaskIntegration()], send_default_pii=False, before_send=scrub,
                    environment=app.config.get("CRM_SENTRY_ENVIRONMENT") or "production",
                    traces_sample_rate=0.0, max_request_body_size="never",
                    include_local_variables=False)  # frame locals hold requests, people, tokens
    return True
