"""Which answers of an open-text question the coding page lists: paged, filtered by «sin codificar», by a
code or by text; reading them is reading personal data, so each page shown is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, select

from crm.core import audit
from crm.core.extensions import db
from crm.core.pagination import Page
from surveys.coding.models import AnswerCode, CodeAssignment
from surveys.models import Answer, Question, Response

UNCODED = "sin-codificar"
CODED = "codificadas"
SEARCH_MAX = 100


@dataclass(frozen=True)
class Filters:
    state: str = ""  # UNCODED, CODED or "" (all)
    code_id: int | None = None
    text: str = ""

    @classmethod
    def from_args(cls, args, codes: list[AnswerCode]) -> Filters:
        state = args.get("estado", "")
        code = args.get("codigo", "")
        code_id = int(code) if code.isascii() and code.isdigit() and len(code) < 12 and int(code) in {c.id for c in codes} else None
        return cls(state=state if state in (UNCODED, CODED) else "", code_id=code_id,
                   text=" ".join((args.get("texto") or "").split())[:SEARCH_MAX])

    def args(self) -> dict[str, str]:
        """As query arguments (only those set)."""
        result = {"estado": self.state, "codigo": str(self.code_id or ""), "texto": self.text}
        return {k: v for k, v in result.items() if v}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def answers_query(question: Question, filters: Filters) -> Select:
    """The question's answers with some text, of the responses that count (not excluded), newest first."""
    query = (select(Answer).join(Response, Response.id == Answer.response_id)
             .where(Answer.question_id == question.id, Response.excluded.is_(False),
                    Answer.value.is_not(None), Answer.value != ""))
    any_code = exists().where(CodeAssignment.answer_id == Answer.id)
    if filters.state == UNCODED:
        query = query.where(~any_code)
    elif filters.state == CODED:
        query = query.where(any_code)
    if filters.code_id is not None:
        query = query.where(exists().where(CodeAssignment.answer_id == Answer.id,
                                           CodeAssignment.code_id == filters.code_id))
    if filters.text:
        query = query.where(Answer.value.ilike(f"%{_escape(filters.text)}%", escape="\\"))
    return query.order_by(Response.submitted_at.desc(), Answer.id.desc())


def submitted(answers: list[Answer]) -> dict[int, object]:
    """answer id -> when its response was submitted."""
    ids = [a.response_id for a in answers]
    if not ids:
        return {}
    when = dict(db.session.execute(select(Response.id, Response.submitted_at).where(Response.id.in_(ids))).all())
    return {a.id: when.get(a.response_id) for a in answers}


def audit_page(question: Question, page: Page, filters: Filters, *, actor) -> None:
    """Record that `actor` read this page of comments."""
    audit.record(actor, "surveys.view_responses", question.survey,
                 {"question": question.name, "coding": True, "page": page.page,
                  "answers": [a.id for a in page.items], **filters.args()})
    db.session.commit()
