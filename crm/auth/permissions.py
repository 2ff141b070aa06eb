"""The decorator every staff view uses: login required, then a named permission (crm.auth.roles)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from crm.auth.roles import PERMISSIONS


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
