from flask import Blueprint, render_template

from crm.auth.permissions import permission_required

bp = Blueprint("surveys", __name__, url_prefix="/encuestas")


@bp.get("/")
@permission_required("view_surveys")
def index():
    return render_template("wip.html", title="Encuestas")
