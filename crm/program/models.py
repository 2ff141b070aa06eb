"""The results matrix of a program year: levels (FIN, PROPOSITO, AI1..AI6) and action lines."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.core.extensions import db

LEVELS = ("FIN", "PROPOSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6")


class ProgramYear(db.Model):
    __tablename__ = "program_year"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2200", name="year_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")

    components: Mapped[list[Component]] = relationship(
        back_populates="program_year", cascade="all, delete-orphan", order_by="Component.position"
    )

    def component(self, code: str) -> Component | None:
        return next((c for c in self.components if c.code == code), None)


class Component(db.Model):
    """A level of the matrix: FIN, PROPOSITO or a component AI1..AI6."""

    __tablename__ = "program_component"
    __table_args__ = (
        UniqueConstraint("program_year_id", "code"),
        CheckConstraint("kind IN ('satisfaction', 'compliance')", name="kind_known"),
        CheckConstraint("target IS NULL OR target >= 0", name="target_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_year.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    formula: Mapped[str] = mapped_column(String(300), default="")
    frequency: Mapped[str] = mapped_column(String(20), default="quarterly")
    target: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    program_year: Mapped[ProgramYear] = relationship(back_populates="components")
    action_lines: Mapped[list[ActionLine]] = relationship(
        back_populates="component", cascade="all, delete-orphan", order_by="ActionLine.position"
    )


class ActionLine(db.Model):
    __tablename__ = "action_line"
    __table_args__ = (
        UniqueConstraint("program_year_id", "code"),
        CheckConstraint("target >= 0", name="target_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the component so a code is unique within its year in the database.
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_year.id", ondelete="CASCADE"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("program_component.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[int] = mapped_column(default=0)
    # Twelve monthly programmed counts (January first), or None: spread evenly.
    schedule: Mapped[list | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    component: Mapped[Component] = relationship(back_populates="action_lines")

    def monthly(self) -> list[int]:
        """The programmed count per month (CONTRACTS.md: even spread, largest remainder, earlier first)."""
        if self.schedule:
            return [int(x) for x in self.schedule]
        base, remainder = divmod(int(self.target), 12)
        return [base + (1 if month < remainder else 0) for month in range(12)]
