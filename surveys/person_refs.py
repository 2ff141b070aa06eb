"""What surveys hold about a person, for contacts (crm.contacts.references): invitations and responses.
Registered by the composition root (crm.app.wiring)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from crm.contacts.models import Person
from crm.contacts.references import PageSection, Participation, PersonReference
from crm.core.display import label, short_datetime
from crm.core.extensions import db
from surveys.models import Answer, Invitation, Question, Response, ResponseDraft, Survey


def _merge(survivor_id: int, other_id: int) -> None:
    """The other's invitations and responses move to the survivor."""
    db.session.execute(update(Invitation).where(Invitation.person_id == other_id).values(person_id=survivor_id))
    db.session.execute(update(Response).where(Response.person_id == other_id).values(person_id=survivor_id))


def _erase(person_id: int) -> None:
    """Responses stay for the aggregates, linked to no one; invitations (a token for a person) go, and with them
    the answers saved to continue later (also removed by the foreign key's ON DELETE CASCADE)."""
    invited = select(Invitation.id).where(Invitation.person_id == person_id)
    db.session.execute(delete(ResponseDraft).where(ResponseDraft.invitation_id.in_(invited)))
    db.session.execute(update(Response).where(Response.person_id == person_id)
                       .values(person_id=None, invitation_id=None))
    db.session.execute(delete(Invitation).where(Invitation.person_id == person_id))


def _export(person: Person) -> dict:
    invitations = [{"survey": i.survey.title, "status": i.status, "created_at": i.created_at.isoformat()}
                   for i in db.session.scalars(select(Invitation).where(Invitation.person_id == person.id))]
    responses = []
    for response in db.session.scalars(select(Response).where(Response.person_id == person.id)).all():
        answers = db.session.execute(select(Question.name, Answer.value, Answer.choice_id).join(Question)
                                     .where(Answer.response_id == response.id)).all()
        responses.append({"survey": response.survey.title, "submitted_at": response.submitted_at.isoformat(),
                          "answers": [{"question": q, "value": v, "choice_id": c} for q, v, c in answers]})
    drafts = [{"survey": survey, "saved_at": saved_at.isoformat(), "answers": answers}
              for survey, saved_at, answers in db.session.execute(
                  select(Survey.title, ResponseDraft.updated_at, ResponseDraft.answers)
                  .join(Invitation, Invitation.id == ResponseDraft.invitation_id)
                  .join(Survey, Survey.id == Invitation.survey_id).where(Invitation.person_id == person.id))]
    return {"invitations": invitations, "responses": responses, "saved_unsent": drafts}


def _page(person: Person) -> Participation:
    invitations = db.session.scalars(select(Invitation).where(Invitation.person_id == person.id)
                                     .order_by(Invitation.created_at.desc())).all()
    responses = db.session.scalars(select(Response).where(Response.person_id == person.id)
                                   .order_by(Response.submitted_at.desc())).all()
    items = [f"Invitación a «{i.survey.title}»: {label(i.status, 'estado_invitacion').lower()}" for i in invitations]
    items += [f"Respondió «{r.survey.title}» el {short_datetime(r.submitted_at)}" for r in responses]
    timeline = [(r.submitted_at, f"Respondió «{r.survey.title}»") for r in responses]
    return Participation([PageSection("Encuestas", items, "Sin invitaciones ni respuestas.")], timeline)


SURVEYS = PersonReference("surveys", merge=_merge, erase=_erase, export=_export, participation=_page)
