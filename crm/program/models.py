"""The results matrix of a program year: levels (FIN, PROPOSITO, AI1..AI6) and action lines."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.core.extensions import db

LEVELS = ("FIN", "PROPOSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6")
# The Logical Framework's vocabulary (stored codes -> how they read): dimension and type of an indicator.
DIMENSIONS = {"eficacia": "eficacia", "eficiencia": "eficiencia", "calidad": "calidad", "economia": "economía"}
INDICATOR_TYPES = {"estrategico": "estratégico", "desempeno": "desempeño"}
DEFAULT_GREEN, DEFAULT_YELLOW = 85, 70


class ProgramYear(db.Model):
    __tablename__ = "program_year"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2200", name="year_range"),
        CheckConstraint("threshold_yellow >= 0 AND threshold_yellow <= threshold_green AND threshold_green <= 100",
                        name="thresholds_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    # The traffic light: green from threshold_green %, yellow from threshold_yellow %, red below.
    threshold_green: Mapped[int] = mapped_column(default=DEFAULT_GREEN, server_default=str(DEFAULT_GREEN))
    threshold_yellow: Mapped[int] = mapped_column(default=DEFAULT_YELLOW, server_default=str(DEFAULT_YELLOW))

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
        CheckConstraint("dimension IS NULL OR dimension IN ('eficacia', 'eficiencia', 'calidad', 'economia')",
                        name="dimension_known"),
        CheckConstraint("indicator_type IS NULL OR indicator_type IN ('estrategico', 'desempeno')",
                        name="indicator_type_known"),
        CheckConstraint("applies OR conditional", name="applies_only_if_conditional"),
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
    # The matrix's other columns (Logical Framework): all optional.
    dimension: Mapped[str | None] = mapped_column(String(20))
    indicator_type: Mapped[str | None] = mapped_column(String(20))
    verification: Mapped[str] = mapped_column(Text, default="", server_default="")
    assumptions: Mapped[str] = mapped_column(Text, default="", server_default="")
    risks: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A conditional component may be switched off for its year: it then reads "no aplica" and leaves FIN.
    conditional: Mapped[bool] = mapped_column(default=False, server_default=false())
    applies: Mapped[bool] = mapped_column(default=True, server_default=true())

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
