"""Staff pages of activities: the filtered, sortable list and its download, registering, editing, the activity's
page (attendance is recorded in attendance.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.events import links, reports, services
from crm.events.filters import EventFilter, filter_activities, organization_problem
from crm.events.forms import ActivityForm, AttendanceForm, EvidenceFileForm, EvidenceLinkForm, PickPeopleForm
from crm.events.models import ACTIVITY_TYPES, MODALITIES, Activity, Attendance
from crm.events.organizations import resolve_names
from crm.events.views.attendance import bulk_form
from crm.events.views.blueprint import bp, default_year, download, line_choices, list_years, sort_key
from crm.program.models import ActionLine

COMPONENTS = ("AI1", "AI2", "AI3", "AI4", "AI5", "AI6")


def _filter() -> EventFilter:
    return EventFilter.from_args(request.args, default_year=default_year())


def _attendees():
    return (select(func.count(Attendance.id)).where(Attendance.activity_id == Activity.id)
            .correlate(Activity).scalar_subquery())


SORTS = {  # `?orden=` key: the columns, ascending (a leading "-" reverses them)
    "fecha": lambda: (Activity.date, Activity.id),
    "linea": lambda: (ActionLine.code, Activity.date, Activity.id),
    "titulo": lambda: (Activity.title_key, Activity.id),
    "tipo": lambda: (Activity.type, Activity.date, Activity.id),
    "asistentes": lambda: (_attendees(), Activity.date, Activity.id),
}


@bp.get("/actividades")
@permission_required("view_events")
def activities():
    f = _filter()
    order = sort_key(request.args.get("orden"), SORTS, "-fecha")
    columns = SORTS[order.lstrip("-")]()
    query = filter_activities(select(Activity), f).options(selectinload(Activity.organizations),
                                                           selectinload(Activity.action_line))
    if order.lstrip("-") == "linea":
        query = query.join(ActionLine, ActionLine.id == Activity.action_line_id)
    query = query.order_by(*(c.desc() if order.startswith("-") else c.asc() for c in columns))
    page = paginate(query, per_page=30)
    ids = [a.id for a in page.items]
    attendance = dict(db.session.execute(select(Attendance.activity_id, func.count(Attendance.id))
                                         .where(Attendance.activity_id.in_(ids)).group_by(Attendance.activity_id)).all())
    return render_template("events/activities.html", page=page, f=f, years=list_years(f.year), types=ACTIVITY_TYPES,
                           modalities=MODALITIES, components=COMPONENTS, lines=line_choices(), order=order,
                           attendance=attendance, problem=organization_problem(f))


@bp.get("/actividades/exportar.<fmt>")
@permission_required("export_data")
def activities_export(fmt: str):
    """The filtered list (the page's own filters) as CSV or XLSX: the report of the activities carried out."""
    if fmt not in reports.FORMATS:
        abort(404)
    f = _filter()
    return download(reports.ACTIVITIES_KIND, f, fmt, reports.count_activities(f),
                    url_for(".activities", **f.as_args()))


def _save(form: ActivityForm, activity: Activity | None):
    """Create or update from a validated form; the activity, or None with the problem added to the form."""
    values = dict(on=form.date.data, action_code=form.action_code.data, title=form.title.data, type=form.type.data,
                  modality=form.modality.data, place=form.place.data or "", description=form.description.data or "")
    try:
        organization_ids = [org.id for org in resolve_names(form.organizations.data)]
        if activity is None:
            return services.create_activity(**values, organization_ids=organization_ids, actor=current_user)
        services.update_activity(activity, **values, organization_ids=organization_ids, actor=current_user)
        return activity
    except services.EventsError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return None


@bp.route("/actividades/nueva", methods=["GET", "POST"])
@permission_required("manage_events")
def activity_new():
    form = ActivityForm()
    form.action_code.choices = line_choices()
    if form.validate_on_submit() and (activity := _save(form, None)) is not None:
        flash("Actividad registrada.", "success")
        return redirect(url_for(".activity", activity_id=activity.id))
    return render_template("events/activity_form.html", form=form, activity=None), \
        (422 if request.method == "POST" else 200)


@bp.route("/actividades/<int:activity_id>/editar", methods=["GET", "POST"])
@permission_required("manage_events")
def activity_edit(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = ActivityForm(data={
        "date": item.date, "action_code": item.action_line.code, "title": item.title, "type": item.type or "",
        "modality": item.modality or "", "place": item.place,
        "organizations": "; ".join(org.display_name for org in item.organizations), "description": item.description})
    form.action_code.choices = line_choices()
    form.submit.label.text = "Guardar cambios"
    if form.validate_on_submit() and _save(form, item) is not None:
        flash("Cambios guardados.", "success")
        return redirect(url_for(".activity", activity_id=item.id))
    return render_template("events/activity_form.html", form=form, activity=item), \
        (422 if request.method == "POST" else 200)


def activity_page(item: Activity, *, link_form: EvidenceLinkForm | None = None,
                  file_form: EvidenceFileForm | None = None, status: int = 200):
    surveys = links.surveys_for_activity(item.id)
    return render_template("events/activity.html", activity=item, form=AttendanceForm(), types=ACTIVITY_TYPES,
                           modalities=MODALITIES, surveys=surveys, link_form=link_form or EvidenceLinkForm(),
                           file_form=file_form or EvidenceFileForm(), bulk_form=bulk_form(),
                           pick_form=PickPeopleForm()), status


@bp.get("/actividades/<int:activity_id>")
@permission_required("view_events")
def activity(activity_id: int):
    item = db.session.scalar(select(Activity).where(Activity.id == activity_id)
                             .options(selectinload(Activity.attendances).selectinload(Attendance.person)))
    if item is None:
        abort(404)
    return activity_page(item)
