"""The rate limits of the respondent pages (the `public` blueprint), checked before and counted after each
request (surveys.respond.views registers the hooks).

Two limits, counted here rather than by Flask-Limiter's decorators (whose generic evaluation, twice per
request, was about an eighth of a valid submission's CPU); the same strategy and storage as the rest of
the application (`limiter.limiter`), the same configuration, the same answers (429 through the blueprint's
error handler):
- failed token look-ups (404) count against the browser (the address plus a random id kept in its session
  cookie) and against the address. Over CRM_PUBLIC_MISS_LIMIT (20 a minute) that browser gets 429 on every
  token page for a while; over CRM_PUBLIC_MISS_ADDRESS_LIMIT (300 a minute) the whole address does. On an
  election day hundreds of people answer from behind one NAT: a few of them with a mistyped link hold back
  only themselves, and a guesser that drops its cookies is still held to the address limit (tokens have
  256 bits: the limits keep the noise down, they are not what makes guessing hopeless). Valid traffic
  never counts;
- the same rendered form (its submission key) posted again and again from one address: only repeats count
  (a first submission costs one read of an empty counter), over CRM_PUBLIC_REPEAT_LIMIT it gets 429.
A failing limiter storage lets respondents through (logged): a limiter outage must not stop an election
day's submissions.
"""

from __future__ import annotations

import secrets
from functools import cache

from flask import abort, current_app, g, request, session
from flask_limiter.util import get_remote_address
from limits import parse_many

from crm.core.extensions import limiter
from surveys.respond.store import clean_submission_key

_MISS_SCOPE = "public-token-miss"
_ADDRESS_MISS_SCOPE = "public-token-miss-address"
_BROWSER = "_navegador"  # the session key of the browser's random id
_REPEAT_SCOPE = "public-repeat"


def counted_here() -> bool:
    """Flask-Limiter skips the respondent pages (a request filter): their limits are counted here."""
    return request.blueprint == "public"


@cache
def _parsed_limits(spec: str) -> tuple:
    return tuple(parse_many(spec))


def _limits(name: str, default: str) -> tuple:
    return _parsed_limits(current_app.config.get(name) or default)


def _limits_on() -> bool:
    return bool(limiter.enabled and limiter.initialized)


def check_limits():
    """Before a request: 429 when this browser, this address or this repeated form is over its limit."""
    if not _limits_on():
        return None
    address = get_remote_address() or ""
    key = clean_submission_key(request.form.get("_clave")) if request.method == "POST" else None
    browser = session.get(_BROWSER) or ""
    g.public_limit_keys = (address, browser, key)
    try:
        strategy = limiter.limiter
        over = any(not strategy.test(item, _ADDRESS_MISS_SCOPE, address)
                   for item in _limits("CRM_PUBLIC_MISS_ADDRESS_LIMIT", "300 per minute"))
        if not over and browser:
            over = any(not strategy.test(item, _MISS_SCOPE, address, browser)
                       for item in _limits("CRM_PUBLIC_MISS_LIMIT", "20 per minute"))
        if not over and key is not None:
            over = any(not strategy.test(item, _REPEAT_SCOPE, address, key)
                       for item in _limits("CRM_PUBLIC_REPEAT_LIMIT", "10 per minute"))
    except Exception:  # the storage is unreachable: let the respondent through
        current_app.logger.exception("Límites de las páginas de respuesta: el almacenamiento no responde")
        return None
    if over:
        abort(429)
    return None


def count_limits(response):
    """After a request: a failed token look-up (404) or a repeated form (g.repeated_post) counts."""
    keys = g.get("public_limit_keys")
    if keys is None:
        return response
    address, browser, key = keys
    try:
        if response.status_code == 404:
            for item in _limits("CRM_PUBLIC_MISS_ADDRESS_LIMIT", "300 per minute"):
                limiter.limiter.hit(item, _ADDRESS_MISS_SCOPE, address)
            if not browser:  # the browser's first miss: from now on it is counted on its own
                browser = session[_BROWSER] = secrets.token_urlsafe(12)
            for item in _limits("CRM_PUBLIC_MISS_LIMIT", "20 per minute"):
                limiter.limiter.hit(item, _MISS_SCOPE, address, browser)
        if key is not None and g.get("repeated_post"):
            for item in _limits("CRM_PUBLIC_REPEAT_LIMIT", "10 per minute"):
                limiter.limiter.hit(item, _REPEAT_SCOPE, address, key)
    except Exception:
        current_app.logger.exception("Límites de las páginas de respuesta: el almacenamiento no responde")
    return response
