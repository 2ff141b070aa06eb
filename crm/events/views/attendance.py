"""Recording who attended an activity: by e-mail, with the person picker (a search page that works without
JavaScript, and the same results as an HTML fragment for crm/static/staff/picker.js), a whole network or a
survey's invitation list at once, and removing one attendee."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.contacts.models import Network, Person, PersonEmail
from crm.contacts.search import PeopleFilter, people_query
from crm.core.extensions import db, limiter
from crm.events import links, services
from crm.events.forms import AttendanceForm, BulkAttendanceForm, PickPeopleForm
from crm.events.models import Activity, Attendance
from crm.events.views.blueprint import bp

SEARCH_LIMIT = "120 per minute"  # typing fires one search per pause; a script reading the registry is slowed
RESULTS = 20
MIN_QUERY = 2


def bulk_form() -> BulkAttendanceForm:
    """The form with its choices: each network (with its active members) and each survey's invitation list."""
    form = BulkAttendanceForm()
    networks = db.session.execute(select(Network.id, Network.name).order_by(Network.name)).all()
    form.origen.choices = [("", "Elija una lista")] + [(f"red:{net_id}", f"Red: {name}") for net_id, name in networks] + [
        (f"encuesta:{link.id}", f"Invitaciones de la encuesta «{link.title}»") for link in links.invitation_lists()]
    return form


def _search(activity: Activity, text: str) -> tuple[list[Person], set[int]]:
    """Up to RESULTS people matching `text` (names, e-mail, phone, as in Contactos) and who already attended."""
    if len(text) < MIN_QUERY:
        return [], set()
    people = db.session.scalars(people_query(PeopleFilter(q=text)).limit(RESULTS)).all()
    present = set(db.session.scalars(select(Attendance.person_id).where(
        Attendance.activity_id == activity.id, Attendance.person_id.in_([p.id for p in people]))))
    return list(people), present


@bp.get("/actividades/<int:activity_id>/asistencia/buscar")
@permission_required("manage_events")
@limiter.limit(SEARCH_LIMIT)
def attendance_search(activity_id: int):
    """The picker: a search page (no JavaScript needed) or, with `fragmento=1`, only its results. It shows names
    and e-mails, so it also needs the right to see contacts (every role that manages events has it today)."""
    if not current_user.can("view_contacts"):
        abort(403)
    item = db.get_or_404(Activity, activity_id)
    text = " ".join((request.args.get("q") or "").split())[:200]
    people, present = _search(item, text)
    context = {"activity": item, "q": text, "people": people, "present": present, "form": PickPeopleForm(),
               "too_short": 0 < len(text) < MIN_QUERY, "limit": RESULTS}
    if request.args.get("fragmento") == "1":
        return render_template("events/_picker_results.html", **context)
    return render_template("events/attendance_search.html", **context)


def _report(result: services.AttendanceAdded, what: str) -> None:
    message = f"{what}: {result.added} {'persona agregada' if result.added == 1 else 'personas agregadas'}"
    if result.skipped:
        message += (f"; {result.skipped} {'omitida' if result.skipped == 1 else 'omitidas'} (ya registradas como"
                    " asistentes o con el registro anonimizado)")
    flash(message + ".", "success" if result.added else "info")


@bp.post("/actividades/<int:activity_id>/asistencia/personas")
@permission_required("manage_events")
def attendance_pick(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = PickPeopleForm()
    if form.validate_on_submit():
        ids = [person_id for person_id in form.persona.data if 0 < person_id < 2**31][:500]
        _report(services.add_attendance_by_id(item, ids, source="buscador", actor=current_user),
                "Asistencia registrada")
    else:
        flash("Marque al menos una persona en los resultados de la búsqueda.", "danger")
    return redirect(url_for(".activity", activity_id=activity_id) + "#asistencia")


@bp.post("/actividades/<int:activity_id>/asistencia/lista")
@permission_required("manage_events")
def attendance_bulk(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = bulk_form()
    if not form.validate_on_submit():
        flash("Elija una red o una lista de invitación de las que se ofrecen.", "danger")
        return redirect(url_for(".activity", activity_id=activity_id) + "#asistencia")
    kind, _, number = form.origen.data.partition(":")
    if kind == "red":
        ids = services.network_members(int(number))
        name = db.session.scalar(select(Network.name).where(Network.id == int(number)))
        what = f"Red «{name}»"
    else:
        ids = links.invitees(int(number))
        what = "Lista de invitación"
    _report(services.add_attendance_by_id(item, ids, source=form.origen.data, actor=current_user), what)
    return redirect(url_for(".activity", activity_id=activity_id) + "#asistencia")


@bp.post("/actividades/<int:activity_id>/asistencia")
@permission_required("manage_events")
def activity_attendance(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        addresses = {a.lower() for a in re.split(r"[\s,;]+", form.emails.data or "") if a}
        found = db.session.scalars(select(Person).join(PersonEmail).where(PersonEmail.address_key.in_(addresses))).all()
        known = {e.address_key for p in found for e in p.emails}
        missing = sorted(addresses - known)
        added = services.add_attendance(item, list(found), actor=current_user)
        flash(f"Asistencia registrada: {added} {'persona' if added == 1 else 'personas'}.", "success")
        if missing:
            flash(f"No se encontraron estos correos: {', '.join(missing[:20])}.", "warning")
    else:
        flash("Escriba al menos un correo.", "danger")
    return redirect(url_for(".activity", activity_id=activity_id) + "#asistencia")


@bp.post("/actividades/<int:activity_id>/asistencia/<int:person_id>/quitar")
@permission_required("manage_events")
def activity_attendance_remove(activity_id: int, person_id: int):
    item = db.get_or_404(Activity, activity_id)
    if ConfirmForm().validate_on_submit():
        services.remove_attendance(item, person_id, actor=current_user)
        flash("Asistencia retirada.", "success")
    return redirect(url_for(".activity", activity_id=activity_id) + "#asistencia")

