"""A saved filter of people: a unique name (compared folded) and the list's parameters as JSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.extensions import db
from crm.core.timeutil import utcnow

NAME_MAX = 80


class SavedFilter(db.Model):
    __tablename__ = "saved_people_filter"
    __table_args__ = (CheckConstraint("name <> '' AND name_key <> ''", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)  # crm.core.text.fold(name)
    params: Mapped[dict] = mapped_column(JSON)  # query-string name -> value, as the people list reads them
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
