from flask import Blueprint, render_template

from crm.auth.permissions import permission_required

bp = Blueprint("events", __name__)


@bp.get("/actividades")
@permission_required("view_events")
def activities():
    return render_template("wip.html", title="Actividades")
