"""The coding page's forms: a code (new or renamed), deleting one, and the codes of the answers of a page
(one multiple-choice field per answer shown, rendered as check boxes)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from surveys.coding.models import LABEL_MAX
from surveys.coding.services import DESCRIPTION_MAX


class CodeForm(FlaskForm):
    label = StringField("Nombre del código", validators=[DataRequired("Escriba el nombre del código."),
                                                         Length(max=LABEL_MAX)])
    description = TextAreaField("Descripción (opcional)", validators=[Optional(), Length(max=DESCRIPTION_MAX)])


class DeleteCodeForm(FlaskForm):
    confirm = BooleanField("Eliminar también sus asignaciones")


def field_name(answer_id: int) -> str:
    return f"r{answer_id}"


def page_form(answer_ids: list[int], choices: list[tuple[int, str]], *, data: dict[int, set[int]] | None = None,
              formdata=None) -> FlaskForm:
    """The form of one page of answers: `answers` (the ids shown, hidden) and, for each, the codes ticked.
    Unticked boxes send nothing, so the hidden list tells which answers the page showed. Given `data`
    (answer id -> code ids) the form shows it and reads no request (a GET)."""

    class PageForm(FlaskForm):
        answers = HiddenField()

    for answer_id in answer_ids:
        setattr(PageForm, field_name(answer_id),
                SelectMultipleField(f"Códigos de la respuesta {answer_id}", choices=choices, coerce=int,
                                    validate_choice=True))
    if data is not None:
        values = {field_name(a): sorted(data.get(a, ())) for a in answer_ids}
        values["answers"] = " ".join(str(a) for a in answer_ids)
        return PageForm(formdata=None, data=values)
    return PageForm() if formdata is None else PageForm(formdata=formdata)


def posted_answer_ids(text: str | None) -> list[int]:
    """The hidden list of the answers a page showed ("12 13 14"); anything else is ignored."""
    ids = []
    for part in (text or "").split()[:200]:
        if part.isascii() and part.isdigit() and len(part) < 12:
            ids.append(int(part))
    return ids
