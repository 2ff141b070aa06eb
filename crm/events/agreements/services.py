"""The agreements' operations, shared by the staff pages, the import and the command line: record, edit, move
from state to state (each change dated and attributed), attach the signed document, list what ends soon.

Services own their transaction and never read the request. The rules both the pages and the import apply
(milestone lines in the program of their year, the signing of signed agreements, the validity after the
signing) are `milestone_problems` and `find_line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import BinaryIO

from sqlalchemy import select

from crm.core import audit, documents
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import local_today
from crm.events.agreements.models import (
    AGREEMENT_TYPES,
    MAX_AREA,
    MAX_FOLIO,
    MAX_TITLE,
    NEXT_STATES,
    SIGNED_STATES,
    STATES,
    Agreement,
    AgreementTransition,
)
from crm.events.organizations import OrganizationError, resolve_names
from crm.program.models import ActionLine, ProgramYear

COMMAND_LINE = "línea de comandos"
ENDING_DAYS = 90
DOCUMENT_KINDS = ("pdf",)


class AgreementsError(DomainError):
    """A rule of the agreements was broken; the message is Spanish."""


@dataclass
class AgreementData:
    """What a form or a file row says about an agreement (its state changes only through `transition`,
    or through an import, which records the change as a transition too)."""

    folio: str
    title: str
    counterparts: list = field(default_factory=list)  # Organization records
    type: str | None = None
    responsible_area: str = ""
    opinion_on: date | None = None
    opinion_line: ActionLine | None = None
    signed_on: date | None = None
    signing_line: ActionLine | None = None
    valid_until: date | None = None
    notes: str = ""


# --------------------------------------------------------------------------- rules


def find_line(code: str, on: date | None, what: str) -> ActionLine | None:
    """The action line `code` of the program of `on`'s year (None for an empty code). AgreementsError when the
    milestone has no date, the year has no program or the program no such line. `what` names the milestone."""
    code = clean(code).upper().replace(" ", "")
    if not code:
        return None
    if on is None:
        raise AgreementsError(f"indique la fecha del {what}: la línea de acción cuenta en esa fecha")
    program_id = db.session.scalar(select(ProgramYear.id).where(ProgramYear.year == on.year))
    if program_id is None:
        raise AgreementsError(f"no hay un programa cargado para {on.year} (cárguelo con «flask program load»)")
    line = db.session.scalar(select(ActionLine).where(ActionLine.program_year_id == program_id,
                                                      ActionLine.code == code))
    if line is None:
        raise AgreementsError(f"«{code}» no es una línea de acción del programa {on.year}")
    return line


def line_year(line: ActionLine) -> int:
    return db.session.get(ProgramYear, line.program_year_id).year


def milestone_problems(state: str, data: AgreementData) -> list[tuple[str, str]]:
    """(field, message) for every rule `data` breaks in `state`: the signing of a signed agreement, the
    validity end not before the signing, and each milestone's line in the program of the milestone's year."""
    found = []
    if state in SIGNED_STATES and data.signed_on is None:
        found.append(("signed_on", f"un convenio {STATES[state].lower()} necesita la fecha de firma"))
    if data.valid_until and data.signed_on and data.valid_until < data.signed_on:
        found.append(("valid_until", f"el fin de la vigencia ({data.valid_until.isoformat()}) es anterior a la "
                                     f"firma ({data.signed_on.isoformat()})"))
    for name, on, line, what in (("opinion_line", data.opinion_on, data.opinion_line, "dictamen"),
                                 ("signing_line", data.signed_on, data.signing_line, "firma")):
        if line is None:
            continue
        if on is None:
            found.append((name, f"indique la fecha del {what}: la línea de acción cuenta en esa fecha"))
        elif line_year(line) != on.year:
            found.append((name, f"la línea {line.code} es del programa {line_year(line)}, no del año del {what} "
                                f"({on.year})"))
    return found


def _check_text(data: AgreementData) -> None:
    data.folio, data.title = clean(data.folio), clean(data.title)
    data.responsible_area = clean(data.responsible_area)
    if not data.folio or len(data.folio) > MAX_FOLIO:
        raise AgreementsError(f"El folio es obligatorio (máximo {MAX_FOLIO} caracteres).")
    if not data.title or len(data.title) > MAX_TITLE:
        raise AgreementsError(f"El título es obligatorio (máximo {MAX_TITLE} caracteres).")
    if len(data.responsible_area) > MAX_AREA:
        raise AgreementsError(f"El área responsable admite hasta {MAX_AREA} caracteres.")
    if data.type is not None and data.type not in AGREEMENT_TYPES:
        raise AgreementsError("Elija un tipo de convenio de la lista.")
    if not data.counterparts:
        raise AgreementsError("Indique al menos una organización contraparte.")


def _check_folio(folio: str, agreement: Agreement | None) -> None:
    clash = db.session.scalar(select(Agreement).where(Agreement.folio_key == fold(folio)))
    if clash is not None and (agreement is None or clash.id != agreement.id):
        raise AgreementsError(f"Ya existe un convenio con el folio «{clash.folio}».")


# --------------------------------------------------------------------------- records


def actor_fields(actor) -> dict:
    """The transition's attribution: the account (id and address), or a label such as the command line."""
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        return {"actor_id": actor.id, "actor_label": actor.email}
    return {"actor_id": None, "actor_label": actor if isinstance(actor, str) and actor else COMMAND_LINE}


def apply_data(agreement: Agreement, data: AgreementData) -> None:
    agreement.folio, agreement.folio_key, agreement.title = data.folio, fold(data.folio), data.title
    agreement.type, agreement.responsible_area = data.type, data.responsible_area
    agreement.opinion_on, agreement.opinion_line = data.opinion_on, data.opinion_line
    agreement.signed_on, agreement.signing_line = data.signed_on, data.signing_line
    agreement.valid_until, agreement.notes = data.valid_until, clean(data.notes) if data.notes else ""
    agreement.counterparts = list({org.id: org for org in data.counterparts}.values())


def add_transition(agreement: Agreement, to_state: str, on: date, actor) -> AgreementTransition:
    """Records the change of `agreement` to `to_state` on `on` (inside the caller's transaction)."""
    step = AgreementTransition(from_state=agreement.state if agreement.id else None, to_state=to_state,
                               on_date=on, **actor_fields(actor))
    agreement.transitions.append(step)
    agreement.state = to_state
    return step


def _raise_first(state: str, data: AgreementData) -> None:
    problems = milestone_problems(state, data)
    if problems:
        message = problems[0][1]
        raise AgreementsError(message[0].upper() + message[1:] + ".")


def create_agreement(data: AgreementData, *, actor, on: date | None = None) -> Agreement:
    """A new agreement in negotiation since `on` (default today)."""
    if on is not None and on > local_today():
        raise AgreementsError("La fecha de inicio de la negociación no puede ser posterior a hoy.")
    _check_text(data)
    _check_folio(data.folio, None)
    _raise_first("en_negociacion", data)
    agreement = Agreement(state="en_negociacion")
    apply_data(agreement, data)
    add_transition(agreement, "en_negociacion", on or local_today(), actor)
    db.session.add(agreement)
    db.session.flush()
    audit.record(actor, "agreement.create", agreement, {"folio": agreement.folio})
    db.session.commit()
    return agreement


def update_agreement(agreement: Agreement, data: AgreementData, *, actor) -> Agreement:
    _check_text(data)
    _check_folio(data.folio, agreement)
    _raise_first(agreement.state, data)
    apply_data(agreement, data)
    audit.record(actor, "agreement.update", agreement, {"folio": agreement.folio})
    db.session.commit()
    return agreement


def transition(agreement: Agreement, to_state: str, on: date, *, actor, line_code: str = "") -> Agreement:
    """Moves the agreement to the next state on date `on`, attributed to `actor`. Reaching «dictaminado» dates
    the opinion and reaching «firmado» the signing; `line_code` names the action line that milestone counts
    under (empty: the line it had, if any)."""
    allowed = NEXT_STATES[agreement.state]
    if to_state not in allowed:
        names = ", ".join(f"«{STATES[s].lower()}»" for s in allowed) or "ningún otro estado"
        raise AgreementsError(f"Un convenio {STATES[agreement.state].lower()} solo puede pasar a {names}.")
    last = agreement.transitions[-1].on_date if agreement.transitions else None
    if last and on < last:
        raise AgreementsError(f"La fecha no puede ser anterior al último cambio de estado ({last.isoformat()}).")
    if on > local_today():
        raise AgreementsError("La fecha no puede ser posterior a hoy: registre el cambio cuando ocurra.")
    data = as_data(agreement)
    if to_state == "dictaminado":
        data.opinion_on = on
        data.opinion_line = find_line(line_code, on, "dictamen") if line_code else data.opinion_line
    elif to_state == "firmado":
        data.signed_on = on
        data.signing_line = find_line(line_code, on, "firma") if line_code else data.signing_line
    _raise_first(to_state, data)
    apply_data(agreement, data)
    previous = agreement.state
    add_transition(agreement, to_state, on, actor)
    audit.record(actor, "agreement.transition", agreement,
                 {"folio": agreement.folio, "from": previous, "to": to_state, "on": on.isoformat()})
    db.session.commit()
    return agreement


def save_agreement(agreement: Agreement | None, *, folio: str, title: str, counterparts: str, type: str | None,
                   responsible_area: str = "", opinion_on: date | None = None, opinion_code: str = "",
                   signed_on: date | None = None, signing_code: str = "", valid_until: date | None = None,
                   notes: str = "", since: date | None = None, actor) -> Agreement:
    """Records a new agreement (`agreement` None), in negotiation since `since` (default today), or edits one,
    from what a staff form says: counterparts as
    names or acronyms separated by `;` (new ones are registered unclassified), action lines by code. Rolls
    back and raises AgreementsError on any broken rule."""
    try:
        data = AgreementData(
            folio=folio, title=title, counterparts=resolve_names(counterparts), type=type or None,
            responsible_area=responsible_area or "", opinion_on=opinion_on,
            opinion_line=find_line(opinion_code, opinion_on, "dictamen"), signed_on=signed_on,
            signing_line=find_line(signing_code, signed_on, "firma"), valid_until=valid_until, notes=notes or "")
        if agreement is None:
            return create_agreement(data, actor=actor, on=since)
        return update_agreement(agreement, data, actor=actor)
    except (AgreementsError, OrganizationError):
        db.session.rollback()
        raise


def as_data(agreement: Agreement) -> AgreementData:
    return AgreementData(
        folio=agreement.folio, title=agreement.title, counterparts=list(agreement.counterparts),
        type=agreement.type, responsible_area=agreement.responsible_area, opinion_on=agreement.opinion_on,
        opinion_line=agreement.opinion_line, signed_on=agreement.signed_on, signing_line=agreement.signing_line,
        valid_until=agreement.valid_until, notes=agreement.notes)


# --------------------------------------------------------------------------- the signed document


def attach_document(agreement: Agreement, stream: BinaryIO, filename: str, *, actor) -> Agreement:
    """Stores the signed document (a PDF, told from its content, at most CRM_DOCUMENT_MAX_MB) and replaces the
    one before, which is deleted once the new one is recorded. DocumentError (Spanish) when refused."""
    key = documents.store_document(stream, kinds=DOCUMENT_KINDS)
    previous = agreement.document_key
    agreement.document_key, agreement.document_name = key, clean(filename)[:200] or "convenio.pdf"
    audit.record(actor, "agreement.document_replace" if previous else "agreement.document_attach", agreement,
                 {"folio": agreement.folio, "file": agreement.document_name})
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        documents.delete_document(key)
        raise
    if previous:
        documents.delete_document(previous)
    return agreement


def open_document(agreement: Agreement, *, actor) -> BinaryIO:
    """The signed document, open for reading; the download is recorded in the audit log. AgreementsError when
    there is none (or its file is gone)."""
    if not agreement.document_key:
        raise AgreementsError("Este convenio no tiene documento firmado.")
    try:
        stream = documents.open_document(agreement.document_key)
    except (FileNotFoundError, documents.InvalidDocumentKey):
        raise AgreementsError("El archivo del documento firmado no se encuentra.") from None
    audit.record(actor, "agreement.document_download", agreement, {"folio": agreement.folio})
    db.session.commit()
    return stream


# --------------------------------------------------------------------------- lists


def ending_soon(today: date | None = None, days: int = ENDING_DAYS) -> list[Agreement]:
    """Signed agreements whose validity ends from today to `days` days ahead, the nearest first."""
    today = today or local_today()
    return list(db.session.scalars(
        select(Agreement).where(Agreement.state == "firmado", Agreement.valid_until >= today,
                                Agreement.valid_until <= today + timedelta(days=days))
        .order_by(Agreement.valid_until, Agreement.folio_key)))
