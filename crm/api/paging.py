"""Paged answers: `{"items": [...], "next": absolute URL or null, "total": N}`; and who is reading, for the audit."""

from __future__ import annotations

from flask import current_app, g, jsonify, request, url_for

from crm.api.reads import Page, Reader


def reader() -> Reader:
    token = g.api_token
    return Reader(actor=token.user, path=request.path, token=token.prefix)


def next_url(number: int, per_page: int) -> str:
    """The following page's absolute address, on CRM_BASE_URL: never on the request's Host (or X-Forwarded-Host)
    header, which the caller or anything on the way chooses (a forged one would send the next request, token
    and all, elsewhere). The request's other query arguments are kept."""
    args = {**request.args.to_dict(), "page": number + 1, "per_page": per_page}
    path = url_for(request.endpoint, **(request.view_args or {}), **args)
    base = (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return base + path


def paged(page: Page, number: int, per_page: int):
    """The JSON answer of one page."""
    following = next_url(number, per_page) if number * per_page < page.total else None
    return jsonify(items=page.items, next=following, total=page.total)
