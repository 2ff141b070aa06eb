"""Staff pages of the agreements (convenios): list and filters, record, edit, change of state, the signed
document (attach or replace, download), and the export."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import extract, or_, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts.models import Organization
from crm.core.documents import DocumentError, document_content_type
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import local_today
from crm.core.web import MAX_ID
from crm.events.agreements import services
from crm.events.agreements.forms import (
    NO_LINE,
    AgreementForm,
    DocumentForm,
    NewAgreementForm,
    TransitionForm,
    state_choices,
)
from crm.events.agreements.models import (
    AGREEMENT_TYPES,
    NEXT_STATES,
    STATES,
    Agreement,
    agreement_organization,
)
from crm.events.agreements.pipeline import export_bytes
from crm.events.organizations import OrganizationError
from crm.program.models import ActionLine, ProgramYear

bp = Blueprint("agreements", __name__, url_prefix="/convenios")


def _line_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(ActionLine.code, ActionLine.description)
                              .join(ProgramYear, ProgramYear.id == ActionLine.program_year_id)
                              .order_by(ProgramYear.year.desc(), ActionLine.id)).all()
    seen, choices = set(), [NO_LINE]
    for code, description in rows:
        if code not in seen:
            seen.add(code)
            choices.append((code, f"{code} · {description[:70]}"))
    return choices


def _message(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def _filters() -> dict:
    args = request.args
    year = args.get("anio", type=int)
    org = args.get("organizacion", type=int)
    return {"estado": args.get("estado", "") if args.get("estado") in STATES else "",
            "tipo": args.get("tipo", "") if args.get("tipo") in AGREEMENT_TYPES else "",
            "organizacion": org if org and 0 < org <= MAX_ID else None,  # beyond the id column: no record
            "anio": year if year and 2000 <= year <= 2200 else None,
            "por_vencer": args.get("por_vencer") == "1"}


def _query(filters: dict, today: date):
    query = select(Agreement).options(selectinload(Agreement.counterparts)).order_by(
        Agreement.created_at.desc(), Agreement.id.desc())
    if filters["estado"]:
        query = query.where(Agreement.state == filters["estado"])
    if filters["tipo"]:
        query = query.where(Agreement.type == filters["tipo"])
    if filters["organizacion"]:
        query = query.where(Agreement.id.in_(select(agreement_organization.c.agreement_id).where(
            agreement_organization.c.organization_id == filters["organizacion"])))
    if filters["anio"]:
        query = query.where(or_(extract("year", Agreement.opinion_on) == filters["anio"],
                                extract("year", Agreement.signed_on) == filters["anio"]))
    if filters["por_vencer"]:
        query = query.where(Agreement.state == "firmado", Agreement.valid_until >= today,
                            Agreement.valid_until <= today + timedelta(days=services.ENDING_DAYS))
    return query


@bp.get("")
@permission_required("view_agreements")
def index():
    filters, today = _filters(), local_today()
    page = paginate(_query(filters, today), per_page=30)
    organizations = db.session.execute(
        select(Organization.id, Organization.name, Organization.acronym)
        .where(Organization.id.in_(select(agreement_organization.c.organization_id)))
        .order_by(Organization.name)).all()
    return render_template("events/agreements/index.html", page=page, filters=filters, states=STATES,
                           types=AGREEMENT_TYPES, organizations=organizations, today=today)


def _form_values(form: AgreementForm) -> dict:
    return {"folio": form.folio.data, "title": form.title.data, "counterparts": form.counterparts.data,
            "type": form.type.data or None, "responsible_area": form.responsible_area.data or "",
            "opinion_on": form.opinion_on.data, "opinion_code": form.opinion_line.data or "",
            "signed_on": form.signed_on.data, "signing_code": form.signing_line.data or "",
            "valid_until": form.valid_until.data, "notes": form.notes.data or ""}


@bp.route("/nuevo", methods=["GET", "POST"])
@permission_required("manage_agreements")
def new():
    form = NewAgreementForm()
    form.opinion_line.choices = form.signing_line.choices = _line_choices()
    if form.validate_on_submit():
        try:
            agreement = services.save_agreement(None, **_form_values(form), since=form.since.data,
                                                actor=current_user)
        except (services.AgreementsError, OrganizationError) as exc:
            form.form_errors.append(_message(exc))
        else:
            flash("Convenio registrado en negociación.", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
    return (render_template("events/agreements/form.html", form=form, agreement=None),
            422 if request.method == "POST" else 200)


@bp.route("/<int:agreement_id>/editar", methods=["GET", "POST"])
@permission_required("manage_agreements")
def edit(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = AgreementForm(obj=None if request.method == "POST" else agreement)
    form.opinion_line.choices = form.signing_line.choices = _line_choices()
    if request.method == "GET":
        form.counterparts.data = "; ".join(org.display_name for org in agreement.counterparts)
        form.type.data = agreement.type or ""
        form.opinion_line.data = agreement.opinion_line.code if agreement.opinion_line else ""
        form.signing_line.data = agreement.signing_line.code if agreement.signing_line else ""
    if form.validate_on_submit():
        try:
            services.save_agreement(agreement, **_form_values(form), actor=current_user)
        except (services.AgreementsError, OrganizationError) as exc:
            form.form_errors.append(_message(exc))
        else:
            flash("Convenio actualizado.", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
    return (render_template("events/agreements/form.html", form=form, agreement=agreement),
            422 if request.method == "POST" else 200)


def _transition_form(agreement: Agreement) -> TransitionForm:
    form = TransitionForm()
    form.to_state.choices = state_choices(NEXT_STATES[agreement.state])
    form.line.choices = _line_choices()
    if not form.is_submitted():
        form.on_date.data = local_today()
    return form


def _show(agreement: Agreement, transition_form=None, document_form=None, status: int = 200):
    return render_template("events/agreements/show.html", agreement=agreement,
                           transition_form=transition_form or _transition_form(agreement),
                           document_form=document_form or DocumentForm(), states=STATES), status


@bp.get("/<int:agreement_id>")
@permission_required("view_agreements")
def show(agreement_id: int):
    return _show(db.get_or_404(Agreement, agreement_id))


@bp.post("/<int:agreement_id>/estado")
@permission_required("manage_agreements")
def change_state(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = _transition_form(agreement)
    if form.validate_on_submit():
        try:
            services.transition(agreement, form.to_state.data, form.on_date.data, actor=current_user,
                                line_code=form.line.data or "")
        except services.AgreementsError as exc:
            db.session.rollback()
            form.form_errors.append(_message(exc))
        else:
            flash(f"El convenio pasó a «{STATES[agreement.state].lower()}».", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
    return _show(agreement, transition_form=form, status=422)


@bp.post("/<int:agreement_id>/documento")
@permission_required("manage_agreements")
def attach(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        try:
            services.attach_document(agreement, upload.stream, upload.filename or "", actor=current_user)
        except DocumentError as exc:
            db.session.rollback()
            form.document.errors.append(str(exc))
        else:
            flash("Documento firmado adjuntado.", "success")
            return redirect(url_for(".show", agreement_id=agreement.id))
    return _show(agreement, document_form=form, status=422)


@bp.get("/<int:agreement_id>/documento")
@permission_required("view_agreements")
def download(agreement_id: int):
    agreement = db.get_or_404(Agreement, agreement_id)
    try:
        stream = services.open_document(agreement, actor=current_user)
    except services.AgreementsError:
        abort(404)
    name = agreement.document_name if agreement.document_name.lower().endswith(".pdf") else "convenio.pdf"
    response = send_file(stream, mimetype=document_content_type(agreement.document_key), as_attachment=True,
                         download_name=name, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"  # send_file's "no-cache" still lets it be stored
    return response


@bp.get("/exportar")
@permission_required("export_data")
def export():
    kind = "xlsx" if request.args.get("formato") == "xlsx" else "csv"
    body = export_bytes(kind, actor=current_user)
    mimetype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if kind == "xlsx"
                else "text/csv; charset=utf-8")
    return body, 200, {"Content-Type": mimetype,
                       "Content-Disposition": f'attachment; filename="convenios-{local_today().isoformat()}.{kind}"'}
