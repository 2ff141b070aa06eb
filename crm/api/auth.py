"""Who calls the API: the bearer token of the Authorization header, the account's named permission, and the
rate limit per token. The session cookie is never read here: a browser's session gives no access to /api/v1."""

from __future__ import annotations

import math
import re
import time
from functools import wraps

from flask import current_app, g, request
from limits import parse_many

from crm.api.errors import json_error
from crm.auth import tokens
from crm.auth.roles import PERMISSIONS, role_has
from crm.core.extensions import limiter

# RFC 6750 §2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1)
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)")
MAX_HEADER = 512
DEFAULT_LIMIT = "120 per minute;3000 per hour"
DEFAULT_FAILURE_LIMIT = "30 per minute"  # per address: wrong tokens tried from one place
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vinculo"'}


def parse_bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header; None for anything else (missing, another scheme,
    several tokens, characters outside RFC 6750's b64token, absurd lengths)."""
    if not header or len(header) > MAX_HEADER:
        return None
    match = _BEARER.fullmatch(header.strip(" \t"))
    return match.group(1) if match else None


def _limits(name: str, default: str):
    return parse_many(current_app.config.get(name) or default)


def _retry_after(items, *key) -> int | None:
    """Counts one hit against each limit; the seconds to wait when one of them is exhausted (None: go on)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    strategy = limiter.limiter
    for item in items:
        if not strategy.hit(item, *key):
            reset_at, _remaining = strategy.get_window_stats(item, *key)
            return max(1, math.ceil(reset_at - time.time()))
    return None


def _too_many(wait: int):
    return json_error(429, headers={"Retry-After": str(wait)})


def _failures_exhausted() -> int | None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    strategy = limiter.limiter
    address = request.remote_addr or ""
    for item in _limits("CRM_API_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT):
        if not strategy.test(item, "api-failures", address):
            reset_at, _remaining = strategy.get_window_stats(item, "api-failures", address)
            return max(1, math.ceil(reset_at - time.time()))
    return None


def _refused(message: str, error: str):
    """401, counted against the caller's address (a search for valid tokens is slowed down there)."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        for item in _limits("CRM_API_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT):
            limiter.limiter.hit(item, "api-failures", request.remote_addr or "")
    return json_error(401, message, error=error, headers=_CHALLENGE)


def api_permission(permission: str):
    """A bearer token of an active account whose role holds `permission` (crm.auth.roles), within the token's
    rate limit; 401, 403 or 429 in JSON otherwise. The token is in `g.api_token` for the view.

    Only refused tokens count against (and are stopped by) the limit of the caller's address: a valid token is
    never locked out by someone else's wrong ones from the same proxy or NAT. Guessing gains nothing from that,
    a token being 256 random bits. A valid token's request counts against its own limit before the role check."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization")
            secret = parse_bearer(header)
            token = tokens.verify_token(secret) if secret is not None else None
            if token is None:
                wait = _failures_exhausted()  # only refused tokens are slowed down, never a valid one
                if wait is not None:
                    return _too_many(wait)
                if secret is not None:
                    return _refused("La clave de acceso no es válida, venció o fue revocada.", "invalid_token")
                if header:
                    return _refused("El encabezado Authorization debe tener la forma «Bearer CLAVE».",
                                    "invalid_request")
                return _refused("Falta la clave de acceso: envíe el encabezado «Authorization: Bearer CLAVE».",
                                "missing_token")
            # counted before the role check: a token refused with 403 over and over is limited as well
            wait = _retry_after(_limits("CRM_API_LIMIT", DEFAULT_LIMIT), "api-token", str(token.id))
            if wait is not None:
                return _too_many(wait)
            if not role_has(token.user.role, permission):  # the account's role now, not when the token was made
                return json_error(403)
            g.api_token = token
            return view(*args, **kwargs)

        wrapped.api_permission = permission  # read by the API's role matrix test
        return wrapped

    return decorator
