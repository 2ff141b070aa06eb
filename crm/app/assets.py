"""Static assets for slow connections: fingerprinted URLs, long caching and compression (issue 13).

- Every `url_for('static', filename=F)` gets `?v=<fingerprint>`, the first 10 hex digits of the SHA-256 of
  F's content, computed once per process when the app is built (crm/static is part of the release).
- A static response whose `v` is the file's fingerprint is `public, max-age=31536000, immutable`: a new
  version of the file has a new URL. Any other static response (no `v`, an old one) gets a short cache.
- Compression (Flask-Compress, brotli or gzip as the browser accepts) applies to the static files and to
  the pages for anonymous visitors: the respondent and sign-up pages, the privacy notice, the log-in page.
  The staff pages stay uncompressed: they show personal data next to text the URL can reflect (a
  search), the shape BREACH needs to read a page's content through its compressed length.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request, session
from flask_compress import Compress

from crm.core.web import skip_session_refresh

YEAR = 31_536_000
SHORT = 600  # seconds: a URL without its fingerprint (typed, or from a page of another release)
CACHEABLE = (200, 206, 304)
COMPRESSED_BLUEPRINTS = frozenset({"public", "privacy", "signup"})  # the respondent and sign-up pages
COMPRESSED_ENDPOINTS = frozenset({"static", "auth.login"})

compress = Compress()


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def fingerprints(folder: str | Path) -> dict[str, str]:
    """{path relative to the folder, with '/': fingerprint} for every file below it."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): fingerprint(path.read_bytes())
            for path in sorted(folder.rglob("*")) if path.is_file()}


def init_app(app: Flask) -> None:
    table = fingerprints(app.static_folder)
    app.extensions["static_fingerprints"] = table

    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            version = table.get(values.get("filename", ""))
            if version:
                values.setdefault("v", version)

    app.url_defaults(add_fingerprint)
    for key, value in {
        "COMPRESS_REGISTER": False,  # compress_response below decides which responses
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # static files are streamed responses
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_LEVEL": 6,
    }.items():
        app.config.setdefault(key, value)
    compress.init_app(app)
    app.after_request(compress_response)


def compress_response(response):
    # A static file depends on no cookie: no Set-Cookie (the idle timeout's refresh) and no `Vary: Cookie`,
    # which would keep browsers from reusing it once the session cookie changes (it does on every page).
    # Registered before Flask-Login, so this runs after its remember-cookie hook, which reads the session.
    if request.endpoint == "static":
        skip_session_refresh()
        session.accessed = False
    if request.endpoint in COMPRESSED_ENDPOINTS or request.blueprint in COMPRESSED_BLUEPRINTS:
        return compress.after_request(response)
    return response


def cache_static(app: Flask, response) -> None:
    """The Cache-Control of a static file's response (endpoint `static`)."""
    if response.status_code not in CACHEABLE:
        response.headers["Cache-Control"] = "no-store"
        return
    filename = (request.view_args or {}).get("filename", "")
    current = app.extensions.get("static_fingerprints", {}).get(filename)
    fresh = current is not None and request.args.get("v") == current
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = YEAR if fresh else SHORT
    response.cache_control.immutable = fresh or None
