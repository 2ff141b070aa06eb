"""No tokens in the logs: the request log lines of the respondent pages show `/r/[token]`."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/r/)[A-Za-z0-9_-]+")


def _redact(value):
    if isinstance(value, str):
        return _TOKEN_IN_PATH.sub(r"\1[token]", value)
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_redact(v) for v in value)
    return value


class RedactTokens(logging.Filter):
    """Masks `/r/<token>` in request log lines (the development server's and gunicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.msg)
        if record.args:
            record.args = _redact(record.args)
        return True


def install_log_filter(_state) -> None:
    """Adds the filter to the request loggers once (a blueprint's record_once callback)."""
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
