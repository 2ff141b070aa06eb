from flask import Blueprint, render_template, request
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.program import services
from crm.program.models import ProgramYear

bp = Blueprint("program", __name__, url_prefix="/programa")

MONTHS = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic"]


@bp.get("/")
@permission_required("view_program")
def show():
    years = db.session.scalars(select(ProgramYear.year).order_by(ProgramYear.year.desc())).all()
    year = request.args.get("anio", type=int)
    year = year if year and 1900 <= year <= 2200 else None  # a year the database and dates can hold
    year = year or (local_today().year if local_today().year in years else
                                                  (years[0] if years else None))
    program = services.program_for_year(year) if year else None
    warnings = services.validate_program(services.program_as_data(program))[1] if program else []
    return render_template("program/show.html", program=program, years=years, months=MONTHS, warnings=warnings)

