"""Administration: user accounts and the audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth import audit_page, services
from crm.auth.audit_page import AuditFilterForm
from crm.auth.forms import ROLE_CHOICES, ActiveForm, RoleForm, UserCreateForm
from crm.auth.models import User
from crm.auth.permissions import permission_required
from crm.core.audit import action_label
from crm.core.extensions import db
from crm.core.pagination import paginate

bp = Blueprint("admin", __name__, url_prefix="/administracion")


@bp.get("/usuarios")
@permission_required("manage_users")
def users():
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=accounts, form=UserCreateForm(), role_choices=ROLE_CHOICES)


@bp.post("/usuarios")
@permission_required("manage_users")
def create_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.role.data, form.password.data, name=form.name.data or "",
                                        actor=current_user)
        except services.AuthError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(f"Cuenta creada para {user.email}.", "success")
            return redirect(url_for(".users"))
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=accounts, form=form, role_choices=ROLE_CHOICES), 422


@bp.post("/usuarios/<int:user_id>/rol")
@permission_required("manage_users")
def change_role(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(user, form.role.data, actor=current_user)
            flash(f"Rol de {user.email} actualizado.", "success")
        except services.AuthError as exc:
            flash(str(exc), "danger")
    else:
        flash("El rol elegido no es válido.", "danger")
    return redirect(url_for(".users"))


@bp.post("/usuarios/<int:user_id>/activa")
@permission_required("manage_users")
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            services.set_active(user, not user.active, actor=current_user)
            flash(f"Cuenta {'activada' if user.active else 'desactivada'}: {user.email}.", "success")
        except services.AuthError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".users"))


@bp.get("/bitacora")
@permission_required("view_audit")
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    form.fill_choices()
    form.validate()
    page = paginate(form.query(), per_page=50)
    return render_template("admin/audit.html", page=page, form=form, period=form.summary(),
                           targets=audit_page.targets(page.items, current_user), details=audit_page.details,
                           action_label=action_label)
