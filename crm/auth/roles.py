"""Roles and what each may do: the named permissions every view, API path and page element asks for."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.ADMIN: "Administración",
    Role.STAFF: "Personal operativo",
    Role.COORDINATOR: "Coordinación",
    Role.VIEWER: "Consulta",
}


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
    "view_agreements": ALL,
    "manage_agreements": frozenset({Role.ADMIN, Role.STAFF, Role.COORDINATOR}),
    # surveys
    "view_surveys": ALL,
    "manage_surveys": frozenset({Role.ADMIN, Role.STAFF}),
    "view_responses": frozenset({Role.ADMIN, Role.STAFF, Role.COORDINATOR}),
    # indicators and program
    "view_indicators": ALL,
    "export_reports": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "view_program": ALL,
    "manage_program": frozenset({Role.ADMIN}),
    "view_coverage": frozenset({Role.ADMIN, Role.COORDINATOR}),  # network members against reference figures
    # mailings to the networks: composing and sending, bounces; everyone may read the delivery reports
    "send_mailings": frozenset({Role.ADMIN, Role.STAFF}),
    "view_mailings": ALL,
    # administration
    "manage_users": frozenset({Role.ADMIN}),
    "view_audit": frozenset({Role.ADMIN}),
    "view_backups": frozenset({Role.ADMIN}),
}


def role_has(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    try:
        return Role(role) in PERMISSIONS[permission]
    except ValueError:
        return False
