"""GET /api/v1/indicators?year=Y: the results matrix, as `indicators report --format json` prints it."""

from __future__ import annotations

import hashlib

from flask import current_app, request
from spectree import Response

from crm.api import reads
from crm.api.auth import api_permission
from crm.api.schemas import ERRORS, Error, IndicatorsQuery, IndicatorsReport, spec
from crm.core.timeutil import local_today
from crm.indicators.reports import to_json


@api_permission("view_indicators")
@spec.validate(query=IndicatorsQuery, resp=Response(HTTP_200=IndicatorsReport, HTTP_304=None, HTTP_400=Error, **ERRORS),
               tags=["indicators"])
def indicators():
    """The results matrix of a program year.

    The same object as `flask indicators report --format json --year Y`. The answer carries an ETag; send it back
    in If-None-Match to get 304 Not Modified while the figures have not changed."""
    year = request.context.query.year or local_today().year
    body = to_json(reads.indicators_report(year)).encode("utf-8")
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)
