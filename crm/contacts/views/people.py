"""Staff pages for people and networks (organizations: crm.contacts.views.organizations)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts import bulk, exporter, people, references
from crm.contacts.catalogs import ALCALDIAS, MEMBERSHIP_STATUSES, NETWORKS, SEXES
from crm.contacts.countries import country_choices
from crm.contacts.forms import ConfirmForm, NoteForm, PersonForm
from crm.contacts.models import Membership, Network, Person
from crm.contacts.privacy import signup
from crm.contacts.saved_filters import services as saved_filters
from crm.contacts.saved_filters.forms import SavedFilterForm
from crm.contacts.search import SORTS, PeopleFilter, people_query
from crm.contacts.views.blueprint import bp
from crm.core.display import count
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.exports import service as export_service


def _filters() -> PeopleFilter:
    return PeopleFilter(**PeopleFilter.args_from(request.values))


def _filter_context(f: PeopleFilter) -> dict:
    return {"f": f, "networks": NETWORKS, "countries": country_choices(), "alcaldias": ALCALDIAS,
            "membership_statuses": MEMBERSHIP_STATUSES, "sorts": SORTS}


@bp.get("/contactos", endpoint="people")
@permission_required("view_contacts")
def people_list():
    f = _filters()
    page = paginate(people_query(f), per_page=25)
    return render_template("contacts/people.html", page=page, saved=saved_filters.all_filters(),
                           describe=saved_filters.describe, save_form=SavedFilterForm(),
                           **_filter_context(f))


@bp.post("/contactos/filtros")
@permission_required("edit_contacts")
def saved_filter_new():
    """Saves the list's current filters (sent as hidden fields) under a name."""
    f = _filters()
    form = SavedFilterForm()
    if not form.validate_on_submit():
        flash(" ".join(form.name.errors) or "La sesión del formulario expiró; intente de nuevo.", "danger")
    else:
        try:
            saved = saved_filters.save_filter(form.name.data, f.as_args(), actor=current_user)
            flash(f"Filtro «{saved.name}» guardado; también puede usarlo como destinatarios de un envío.", "success")
        except people.ContactsError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".people", **f.as_args()))


@bp.post("/contactos/filtros/<int:filter_id>/eliminar")
@permission_required("edit_contacts")
def saved_filter_delete(filter_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        name = saved_filters.delete_filter(filter_id, actor=current_user)
        flash(f"Filtro «{name}» eliminado.", "success")
    except people.ContactsError as exc:
        flash(str(exc), "danger")
    return redirect(url_for(".people"))


def _form_data(form: PersonForm) -> people.PersonData:
    return people.PersonData(
        given_name=form.given_name.data or "", first_surname=form.first_surname.data or "",
        second_surname=form.second_surname.data or "", sex=form.sex.data or None, email=form.email.data or "",
        phone=form.phone.data or "", country=form.country.data or "MX", state=form.state.data or "",
        city=form.city.data or "", alcaldia=form.alcaldia.data or None, origin_alcaldia=form.origin_alcaldia.data or None,
        language=form.language.data or "es")


@bp.route("/contactos/nueva", methods=["GET", "POST"])
@permission_required("edit_contacts")
def person_new():
    form = PersonForm()
    if form.validate_on_submit():
        try:
            person = people.create_person(_form_data(form), actor=current_user)
        except people.ContactsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash("Persona registrada.", "success")
            return redirect(url_for(".person", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=None), (422 if request.method == "POST" else 200)


@bp.get("/contactos/<int:person_id>")
@permission_required("view_contacts")
def person(person_id: int):
    person = db.session.scalar(
        select(Person).where(Person.id == person_id)
        .options(selectinload(Person.emails), selectinload(Person.phones), selectinload(Person.memberships),
                 selectinload(Person.affiliations), selectinload(Person.consents), selectinload(Person.notes),
                 selectinload(Person.tags), selectinload(Person.channel_preferences)))
    if person is None:
        abort(404)
    people.record_view(person, actor=current_user)
    participation = references.participation(person)
    return render_template("contacts/person.html", person=person, sections=participation.sections,
                           timeline=_timeline(person, participation.timeline), note_form=NoteForm(), sexes=SEXES,
                           membership_statuses=MEMBERSHIP_STATUSES)


def _timeline(person: Person, referenced: list[tuple]) -> list[tuple]:
    """The person's history, newest first; `referenced`: the entries of the person references (attendance...)."""
    events = [(person.created_at, "Registro en la plataforma")]
    events += [(m.joined_at, f"Alta en {m.network.name} ({MEMBERSHIP_STATUSES.get(m.status, m.status)})")
               for m in person.memberships]
    events += [(c.accepted_at, f"Aceptó el aviso de privacidad {c.notice_version}".strip()) for c in person.consents]
    events += referenced
    events += [(n.created_at, "Nota agregada") for n in person.notes]
    return sorted(events, key=lambda e: e[0], reverse=True)


@bp.route("/contactos/<int:person_id>/editar", methods=["GET", "POST"])
@permission_required("edit_contacts")
def person_edit(person_id: int):
    person = db.get_or_404(Person, person_id)
    if person.is_anonymized:
        flash("La persona fue anonimizada y no puede recibir cambios.", "warning")
        return redirect(url_for(".person", person_id=person.id))
    form = PersonForm(obj=person if request.method == "GET" else None)
    if request.method == "GET":
        form.email.data = person.primary_email.address if person.primary_email else ""
        form.phone.data = person.primary_phone.e164 if person.primary_phone else ""
        form.sex.data = person.sex or ""
        form.alcaldia.data = person.alcaldia or ""
        form.origin_alcaldia.data = person.origin_alcaldia or ""
    if form.validate_on_submit():
        try:
            people.update_person(person, _form_data(form), actor=current_user)
        except people.ContactsError as exc:
            form.form_errors.append(str(exc))
        else:
            flash("Cambios guardados.", "success")
            return redirect(url_for(".person", person_id=person.id))
    return render_template("contacts/person_form.html", form=form, person=person), (422 if request.method == "POST" else 200)


@bp.post("/contactos/<int:person_id>/notas")
@permission_required("edit_contacts")
def person_note(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            people.add_note(person, form.body.data, actor=current_user)
            flash("Nota agregada.", "success")
        except people.ContactsError as exc:
            flash(str(exc), "danger")
    else:
        flash("Escriba el texto de la nota.", "danger")
    return redirect(url_for(".person", person_id=person.id) + "#notas")


@bp.get("/redes")
@permission_required("view_contacts")
def networks():
    rows = db.session.execute(
        select(Network, func.count(Membership.id))
        .join(Membership, Membership.network_id == Network.id, isouter=True)
        .group_by(Network.id).order_by(Network.name)).all()
    return render_template("contacts/networks.html", rows=rows)


@bp.get("/redes/<code>")
@permission_required("view_contacts")
def network(code: str):
    net = db.session.scalar(select(Network).where(Network.code == code))
    if net is None:
        abort(404)
    f = _filters()
    f.network = net.code
    page = paginate(people_query(f), per_page=25)
    base = (select(Person).join(Membership).where(Membership.network_id == net.id, Person.status != "anonymized")
            .subquery())
    by_country = db.session.execute(select(base.c.country, func.count()).group_by(base.c.country)
                                    .order_by(func.count().desc())).all()
    by_sex = db.session.execute(select(base.c.sex, func.count()).group_by(base.c.sex)
                                .order_by(func.count().desc())).all()
    by_status = db.session.execute(select(Membership.status, func.count()).where(Membership.network_id == net.id)
                                   .group_by(Membership.status)).all()
    return render_template("contacts/network.html", net=net, page=page, by_country=by_country, by_sex=by_sex,
                           by_status=by_status, sexes=SEXES, **_filter_context(f))


@bp.route("/redes/<code>/solicitudes", methods=["GET", "POST"])
@permission_required("edit_contacts")
def network_applicants(code: str):
    net = db.session.scalar(select(Network).where(Network.code == code))
    if net is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        number = request.form.get("membresia", type=int) or 0
        membership = db.session.get(Membership, number) if 0 < number < 2**31 else None
        if membership is None or membership.network_id != net.id:
            abort(404)
        try:
            signup.review(membership, request.form.get("decision") == "aprobar", actor=current_user)
            flash("Solicitud revisada.", "success")
        except people.ContactsError as exc:
            flash(str(exc), "danger")
        return redirect(url_for(".network_applicants", code=code))
    return render_template("contacts/applicants.html", net=net, applicants=signup.pending_applicants(net), form=form)


@bp.post("/contactos/acciones")
@permission_required("edit_contacts")
def bulk_action():
    """Applies an action to every active person of the filtered list (the list's own filters)."""
    f = _filters()
    back = request.form.get("volver", "")
    back = back if back.startswith("/") and not back.startswith("//") else url_for(".people")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    action = request.form.get("accion")
    try:
        if action == "etiqueta":
            added = bulk.add_tag(f, request.form.get("etiqueta_nueva", ""), actor=current_user)
            flash(f"Etiqueta agregada a {count(added, 'persona', 'personas')}.", "success")
        elif action == "estatus":
            changed = bulk.set_membership_status(f, request.form.get("red_accion", "") or f.network,
                                                 request.form.get("estatus_nuevo", ""), actor=current_user)
            flash(f"Estatus cambiado en {count(changed, 'membresía', 'membresías')}.", "success")
        else:
            abort(400)
    except people.ContactsError as exc:
        flash(str(exc), "danger")
    return redirect(back)


@bp.get("/contactos/exportar.<fmt>")
@permission_required("export_data")
def people_export(fmt: str):
    """The filtered list (the page's own filters) as CSV or XLSX, formula-safe and audited; a list longer than
    crm.exports' inline limit is written by a background task, and the person goes to its page."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = _filters()
    total = exporter.count_filtered(f)
    if total > export_service.inline_limit():
        job = export_service.start(exporter.EXPORT_KIND, f.as_args(), fmt, owner_id=current_user.id, total=total,
                                   filename=f"personas.{fmt}", back=url_for(".people", **f.as_args()),
                                   address=request.remote_addr)
        return redirect(url_for("exports.status", token=job.token))
    body = exporter.export_filtered(f, fmt, actor=current_user)
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="personas.{fmt}"'})
