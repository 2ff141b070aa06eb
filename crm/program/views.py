from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.program import editing, forms, services
from crm.program.models import DIMENSIONS, INDICATOR_TYPES, ProgramYear
from crm.program.texts import warning_es

bp = Blueprint("program", __name__, url_prefix="/programa")

MONTHS = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic"]


def _program(year: int) -> ProgramYear:
    program = services.program_for_year(year) if 2000 <= year <= 2200 else None
    if program is None:
        abort(404)
    return program


def default_year(years: list[int]) -> int | None:
    """The latest program year up to the current one (the year's work); else the first one ahead."""
    this_year = local_today().year
    past = [y for y in years if y <= this_year]
    return max(past) if past else (min(years) if years else None)


@bp.get("/")
@permission_required("view_program")
def show():
    years = db.session.scalars(select(ProgramYear.year).order_by(ProgramYear.year.desc())).all()
    year = request.args.get("anio", type=int)
    year = year if year and 1900 <= year <= 2200 else None  # a year the database and dates can hold
    year = year or default_year(years)
    program = services.program_for_year(year) if year else None
    warnings = services.validate_program(services.program_as_data(program))[1] if program else []
    warnings = [warning_es(w) for w in warnings]  # the contract's text, in Spanish for people
    return render_template("program/show.html", program=program, years=years, months=MONTHS, warnings=warnings,
                           dimensions=DIMENSIONS, types=INDICATOR_TYPES, applies_form=forms.AppliesForm())


@bp.route("/<int:year>/cronograma", methods=["GET", "POST"])
@permission_required("manage_program")
def schedule(year: int):
    """Each action line's 12 monthly counts; a warning where they do not add up to the line's target."""
    program = _program(year)
    form = forms.schedule_form(program, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            warnings = editing.set_schedule(program, forms.schedules_from(form, program), actor=current_user)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash("Cronograma guardado." + (" Revise las líneas cuyos meses no suman su meta." if warnings else ""),
                  "warning" if warnings else "success")
            return redirect(url_for("program.schedule", year=year))
    return render_template("program/schedule.html", program=program, form=form, months=MONTHS,
                           field_name=forms.field_name, warnings=editing.schedule_warnings(program))


@bp.post("/<int:year>/componentes/<code>/aplica")
@permission_required("manage_program")
def set_applies(year: int, code: str):
    program = _program(year)
    form = forms.AppliesForm()
    if form.validate_on_submit():
        try:
            editing.set_applies(program, code, form.applies.data == "si", actor=current_user)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"{code}: {'aplica' if form.applies.data == 'si' else 'no aplica'} en {year}.", "success")
    else:
        flash("No se pudo guardar: vuelva a intentarlo desde la página del programa.", "danger")
    return redirect(url_for("program.show", anio=year))


@bp.get("/<int:year>/programa.yaml")
@permission_required("view_program")
def download(year: int):
    """The year as a program file: `flask program load` reads it back unchanged."""
    program = _program(year)
    response = Response(editing.program_file(program).encode("utf-8"), mimetype="application/yaml")
    response.headers["Content-Disposition"] = f'attachment; filename="programa-{year}.yaml"'
    return response
