"""/transparencia: the public results matrix and its CSV. No login, no session, no personal data.

Both answers are cacheable: `Cache-Control: public, max-age=60`, a strong ETag (a hash of the body), and
304 to a matching If-None-Match. Their bodies come from the server-side cache (cache.py). The page uses
no session (its endpoints are in crm.app.hooks.SESSIONLESS_ENDPOINTS), so no cookie is set and a shared
cache may keep it. Rate-limited per address like the other public pages.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, render_template, request

from crm.core.extensions import limiter
from crm.core.tabular import csv_bytes
from crm.core.timeutil import local_today
from crm.indicators.transparency import cache, rows

bp = Blueprint("transparency", __name__, url_prefix="/transparencia")

MAX_AGE_SECONDS = 60
RATE_LIMIT = "120 per minute"  # per address; the answers are cached, this only stops floods


def _years() -> tuple[list[int], int]:
    return cache.cached(("years", local_today(), cache.stamp()), rows.public_years)


def _chosen_year(raw: str) -> tuple[int, list[int]]:
    years, default = _years()
    if not raw:
        return default, years
    if not (raw.isascii() and raw.isdigit()) or int(raw) not in years:
        abort(404)
    return int(raw), years


def _cacheable(body: bytes, mimetype: str, etag: str, filename: str | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response.set_etag(etag)
    return response.make_conditional(request)


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


@bp.get("")
@limiter.limit(RATE_LIMIT)
def page():
    year, years = _chosen_year(request.args.get("anio", "").strip())

    def render() -> tuple[bytes, str]:
        data = rows.build(year)
        body = render_template("transparency/page.html", data=data, year=year, years=years).encode("utf-8")
        return body, _etag(body)

    body, etag = cache.cached(("page", year, tuple(years), local_today(), cache.stamp()), render)
    return _cacheable(body, "text/html", etag)


@bp.get("/matriz-<int:year>.csv")
@limiter.limit(RATE_LIMIT)
def csv(year: int):
    _chosen_year(str(year))

    def render() -> tuple[bytes, str]:
        body = csv_bytes(rows.CSV_COLUMNS, rows.table_rows(rows.build(year)))
        return body, _etag(body)

    body, etag = cache.cached(("csv", year, local_today(), cache.stamp()), render)
    return _cacheable(body, "text/csv", etag, filename=f"matriz-resultados-{year}.csv")
