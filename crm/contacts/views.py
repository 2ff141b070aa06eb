from flask import Blueprint, render_template

from crm.auth.permissions import permission_required

bp = Blueprint("contacts", __name__)


@bp.get("/contactos")
@permission_required("view_contacts")
def people():
    return render_template("wip.html", title="Contactos")


@bp.get("/organizaciones")
@permission_required("view_contacts")
def organizations():
    return render_template("wip.html", title="Organizaciones")


@bp.get("/redes")
@permission_required("view_contacts")
def networks():
    return render_template("wip.html", title="Redes")
