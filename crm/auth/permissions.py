"""Who may do what: named permissions per role, and the decorator every view uses."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from crm.auth.models import Role

ALL = frozenset(Role)
PERMISSIONS: dict[str, frozenset[Role]] = {
    # relations
    "view_contacts": frozenset({Role.ADMIN, Role.STAFF, Role.COORDINATOR}),
    "edit_contacts": frozenset({Role.ADMIN, Role.STAFF}),
    "import_data": frozenset({Role.ADMIN, Role.STAFF}),
    "export_data": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "manage_privacy": frozenset({Role.ADMIN, Role.STAFF}),
    "manage_events": frozenset({Role.ADMIN, Role.STAFF}),
    "view_events": ALL,
    # surveys
    "view_surveys": ALL,
    "manage_surveys": frozenset({Role.ADMIN, Role.STAFF}),
    "view_responses": frozenset({Role.ADMIN, Role.STAFF, Role.COORDINATOR}),
    # indicators and program
    "view_indicators": ALL,
    "export_reports": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "view_program": ALL,
    "manage_program": frozenset({Role.ADMIN}),
    # administration
    "manage_users": frozenset({Role.ADMIN}),
    "view_audit": frozenset({Role.ADMIN}),
}


def role_has(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    try:
        return Role(role) in PERMISSIONS[permission]
    except ValueError:
        return False


def permission_required(permission: str):
    """Login required, then the named permission; 403 otherwise."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from crm.core.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = permission  # read by the route matrix test
        return wrapped

    return decorator
