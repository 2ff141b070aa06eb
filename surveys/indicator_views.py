from flask import Blueprint, render_template

from crm.auth.permissions import permission_required

bp = Blueprint("indicators", __name__, url_prefix="/indicadores")


@bp.get("/")
@permission_required("view_indicators")
def dashboard():
    return render_template("wip.html", title="Indicadores")
