"""A small paginator over a select() (no N+1: one count, one page query)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from crm.core.extensions import db

MAX_PAGE = 1_000_000  # ?pagina=99999999999999999999 would overflow the OFFSET


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(query: Select, per_page: int = 25, page: int | None = None, scalars: bool = True) -> Page:
    if page is None:
        try:
            page = min(max(1, int(request.args.get("pagina", 1))), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars().unique()) if scalars else list(result)
    return Page(items=items, page=page, per_page=per_page, total=total)
