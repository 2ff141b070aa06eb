"""Staff pages of the organization registry: list and filters, register and edit (with the relation's alta and
baja), the `sin_clasificar` queue, merge, counts by type on a date with a chart, and the export."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts.catalogs import ORG_SCOPES, ORG_TYPES
from crm.contacts.countries import country_choices
from crm.contacts.models import Affiliation, Organization
from crm.contacts.organizations import chart, records
from crm.contacts.organizations import merge as merging
from crm.contacts.organizations.forms import ClassifyForm, ConfirmForm, MergeForm, OrganizationForm
from crm.contacts.organizations.listing import (
    OrganizationFilter,
    organizations_query,
    people_counts,
    sort_key,
)
from crm.contacts.organizations.names import OrganizationIndex
from crm.contacts.organizations.references import count_references
from crm.contacts.organizations.rows import read_date
from crm.contacts.organizations.summary import export_bytes, summary
from crm.contacts.services import ContactsError
from crm.contacts.views.blueprint import bp
from crm.core import audit
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import local_today
from crm.core.web import MAX_ID, SVG_CSP

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/organizaciones")
@permission_required("view_contacts")
def organizations():
    f = OrganizationFilter.from_args(request.args)
    order = sort_key(request.args.get("orden"))
    page = paginate(organizations_query(f, order).options(selectinload(Organization.relations)), per_page=30)
    counts = dict(db.session.execute(select(Organization.type, func.count(Organization.id))
                                     .where(Organization.archived.is_(False)).group_by(Organization.type)).all())
    links = {org.id: count_references(org.id) for org in page.items}  # activities, requests, agreements...
    link_labels = list(dict.fromkeys(label for row in links.values() for label in row))
    return render_template("contacts/organizations/list.html", page=page, f=f, types=ORG_TYPES, scopes=ORG_SCOPES,
                           counts=counts, countries=country_choices(), order=order, links=links,
                           link_labels=link_labels, people=people_counts([org.id for org in page.items]))


@bp.get("/organizaciones/exportar.<fmt>")
@permission_required("export_data")
def organizations_export(fmt: str):
    """Every organization in the import's columns (CSV or XLSX), formula-safe and audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    body = export_bytes(fmt, actor=current_user)
    return Response(body, mimetype="text/csv" if fmt == "csv" else XLSX,
                    headers={"Content-Disposition": f'attachment; filename="organizaciones.{fmt}"'})


def _as_of():
    day = read_date(request.args.get("fecha", "").strip()[:10])
    return day or local_today(), bool(request.args.get("fecha")) and day is None


@bp.get("/organizaciones/resumen")
@permission_required("view_contacts")
def organizations_summary():
    day, invalid = _as_of()
    data = summary(day)
    return render_template("contacts/organizations/summary.html", data=data, types=ORG_TYPES, scopes=ORG_SCOPES,
                           invalid=invalid, alt=chart.alt_text(data))


@bp.get("/organizaciones/resumen.svg")
@permission_required("view_contacts")
def organizations_chart():
    day, _ = _as_of()
    response = Response(chart.render_svg(summary(day)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@bp.get("/organizaciones/sin-clasificar")
@permission_required("edit_contacts")
def organizations_unclassified():
    query = (select(Organization).where(Organization.type == "sin_clasificar", Organization.archived.is_(False))
             .order_by(Organization.created_at.desc(), Organization.id.desc()))
    return render_template("contacts/organizations/unclassified.html", page=paginate(query, per_page=20),
                           form=ClassifyForm(), scopes=ORG_SCOPES)


@bp.post("/organizaciones/<int:org_id>/clasificar")
@permission_required("edit_contacts")
def organization_classify(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = ClassifyForm()
    if form.validate_on_submit():
        try:
            records.classify(org, form.type.data, form.scope.data or None, actor=current_user)
            flash(f"«{org.display_name}» quedó clasificada como {ORG_TYPES[org.type].lower()}.", "success")
        except ContactsError as exc:
            flash(str(exc), "danger")
    else:
        flash(f"Elija el tipo de «{org.display_name}» antes de clasificarla.", "danger")
    return redirect(url_for(".organizations_unclassified"))


def _data(form: OrganizationForm) -> records.OrganizationData:
    return records.OrganizationData(
        name=form.name.data or "", acronym=form.acronym.data or "", type=form.type.data,
        scope=form.scope.data or None, country=form.country.data or "MX", website=form.website.data or "",
        email=form.email.data or "", phone=form.phone.data or "", began_on=form.began_on.data,
        ended_on=form.ended_on.data)


@bp.route("/organizaciones/nueva", methods=["GET", "POST"])
@permission_required("edit_contacts")
def organization_new():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            org = records.save_organization(None, _data(form), actor=current_user)
        except ContactsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash("Organización registrada.", "success")
            return redirect(url_for(".organization", org_id=org.id))
    return render_template("contacts/organizations/form.html", form=form, org=None), (
        422 if request.method == "POST" else 200)


@bp.route("/organizaciones/<int:org_id>/editar", methods=["GET", "POST"])
@permission_required("edit_contacts")
def organization_edit(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = OrganizationForm(obj=org if request.method == "GET" else None)
    if request.method == "GET":
        form.acronym.data, form.scope.data, form.phone.data = org.acronym or "", org.scope or "", org.phone or ""
        current = org.current_relation
        form.began_on.data, form.ended_on.data = (current.began_on, current.ended_on) if current else (None, None)
    if form.validate_on_submit():
        try:
            records.save_organization(org, _data(form), actor=current_user)
        except ContactsError as exc:
            db.session.rollback()
            org = db.get_or_404(Organization, org_id)
            form.form_errors.append(str(exc))
        else:
            flash("Cambios guardados.", "success")
            return redirect(url_for(".organization", org_id=org.id))
    return render_template("contacts/organizations/form.html", form=form, org=org), (
        422 if request.method == "POST" else 200)


@bp.get("/organizaciones/<int:org_id>")
@permission_required("view_contacts")
def organization(org_id: int):
    org = db.session.scalar(select(Organization).where(Organization.id == org_id)
                            .options(selectinload(Organization.relations)))
    if org is None:
        abort(404)
    affiliations = db.session.scalars(select(Affiliation).where(Affiliation.organization_id == org.id)
                                      .options(selectinload(Affiliation.person))).all()
    audit.record(current_user, "organization.view", org, {"people": len(affiliations)})  # names of people: personal data
    db.session.commit()
    return render_template("contacts/organizations/detail.html", org=org, affiliations=affiliations, types=ORG_TYPES,
                           scopes=ORG_SCOPES, links=merging.links(org), confirm=ConfirmForm())


@bp.post("/organizaciones/<int:org_id>/archivo")
@permission_required("edit_contacts")
def organization_archive(org_id: int):
    org = db.get_or_404(Organization, org_id)
    if ConfirmForm().validate_on_submit():
        records.set_archived(org, not org.archived, actor=current_user)
        flash("Organización archivada." if org.archived else "Organización restaurada.", "success")
    return redirect(url_for(".organization", org_id=org.id))


def _is_id(text: str) -> bool:
    """A record number: ASCII digits only ("²³" passes str.isdigit() but not int()), within the id column."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID


def _other(org: Organization, text: str) -> tuple[Organization | None, str | None]:
    """The organization the merge page's search names (number, name or acronym), or a message."""
    text = text.strip()[:300]
    if not text:
        return None, None
    if _is_id(text):
        other = db.session.get(Organization, int(text))
    else:
        ref, problem = OrganizationIndex.load().find(text)
        if problem:
            return None, problem[:1].upper() + problem[1:] + "."
        other = db.session.get(Organization, ref.id) if ref is not None else None
    if other is None:
        return None, f"No se encontró ninguna organización «{text}»; escriba su nombre, sus siglas o su número."
    if other.id == org.id:
        return None, "Es la misma organización: elija el otro registro que se fusionará con este."
    return other, None


@bp.route("/organizaciones/<int:org_id>/fusionar", methods=["GET", "POST"])
@permission_required("edit_contacts")
def organization_merge(org_id: int):
    """GET: find the other record and show what will move; POST: merge it into this one (this one stays)."""
    org = db.get_or_404(Organization, org_id)
    form = MergeForm()
    if request.method == "POST":
        if not form.validate_on_submit() or not _is_id(str(form.other_id.data)):
            abort(400)
        other = db.get_or_404(Organization, int(form.other_id.data))
        try:
            merging.merge_organizations(org, other, actor=current_user)
        except ContactsError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".organization_merge", org_id=org.id))
        flash("Registros fusionados: todas las personas, actividades, gestiones y convenios quedaron en este.", "success")
        return redirect(url_for(".organization", org_id=org.id))
    other, problem = _other(org, request.args.get("otra", ""))
    if other is not None:
        form.other_id.data = str(other.id)
    return render_template("contacts/organizations/merge.html", org=org, other=other, problem=problem, form=form,
                           query=request.args.get("otra", ""), types=ORG_TYPES,
                           links={"org": merging.links(org), "other": merging.links(other) if other else {}})
