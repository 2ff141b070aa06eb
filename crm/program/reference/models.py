"""One reference figure: a year's value of one kind for one key (an alcaldía, a country)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.extensions import db
from crm.core.timeutil import utcnow

# The kinds the database accepts (crm.program.reference.kinds describes each); a new kind is an entry there
# and a migration that widens this check.
KIND_CODES = ("lista_nominal_alcaldia", "credenciales_extranjero_pais")
MAX_VALUE = 2_000_000_000  # an INTEGER column on every database


class ReferenceFigure(db.Model):
    __tablename__ = "reference_figure"
    __table_args__ = (
        UniqueConstraint("year", "kind", "key"),
        CheckConstraint("year BETWEEN 2000 AND 2200", name="year_range"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KIND_CODES) + ")", name="kind_known"),
        CheckConstraint("length(key) > 0", name="key_present"),
        CheckConstraint(f"value >= 0 AND value <= {MAX_VALUE}", name="value_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    # the alcaldía's official name as contacts stores it, or the country's ISO 3166 alpha-2 code
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[int]
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
