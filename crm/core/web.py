"""What every request shares: parameters without NUL characters, the session cookie that a response may
leave unrefreshed, and the largest id a URL can name."""

from __future__ import annotations

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

MAX_ID = 2**31 - 1  # the largest value of an INTEGER primary key on PostgreSQL
# The Content-Security-Policy of a server-drawn SVG (charts, QR codes): an image that runs nothing, even when
# opened by itself at its own address.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"

_SKIP_REFRESH = "vinculo.skip_session_refresh"  # per request (g can outlive a request in tests)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class Parameters(ImmutableMultiDict):
    """Query and form values without NUL characters: no browser sends them and PostgreSQL refuses them in
    text (a search or a form with one would fail with a server error)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


class CleanRequest(Request):
    """The app's request class: its query and form values are `Parameters`."""

    parameter_storage_class = Parameters


def skip_session_refresh() -> None:
    """This response does not need to re-send an unchanged session cookie."""
    request.environ[_SKIP_REFRESH] = True


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a response may skip the idle-timeout refresh of an
    unchanged session (`skip_session_refresh()`): a survey's valid POST, whose redirect to the thank-you
    page refreshes it anyway; signing and sending the cookie twice was a tenth of that request's cost."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        if request.environ.get(_SKIP_REFRESH) and not session.modified:
            return False
        return super().should_set_cookie(app, session)
