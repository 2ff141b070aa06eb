"""A code book per open-text question, and the codes assigned to its answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import Answer, Question

LABEL_MAX = 120


class AnswerCode(db.Model):
    """One code of a question's code book. `label_key` is the label folded (crm.core.text.fold: no accents,
    case or extra spaces), unique per question, so «Horario» and «horario » are one code."""

    __tablename__ = "answer_code"
    __table_args__ = (
        UniqueConstraint("question_id", "label_key"),
        CheckConstraint("label_key <> ''", name="label_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(LABEL_MAX))
    label_key: Mapped[str] = mapped_column(String(LABEL_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship()


class CodeAssignment(db.Model):
    """A code assigned to an answer, by whom and when. Removed with the answer (and so with its response and
    survey) and with the code, by the database's cascades."""

    __tablename__ = "answer_code_assignment"
    __table_args__ = (
        UniqueConstraint("answer_id", "code_id"),
        Index("ix_answer_code_assignment_code_id", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("answer_code.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer: Mapped[Answer] = relationship()
    code: Mapped[AnswerCode] = relationship()
