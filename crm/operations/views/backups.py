"""`/administracion/respaldos`: the backups in the backup folder and the result of the last scheduled run
(administrators only). A listing only: backups hold personal data and are not downloaded through the web."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from crm.auth.permissions import permission_required
from crm.core.errors import ConfigurationError
from crm.core.schedule import last_run_day, parse_hour
from crm.operations.backup import scheduled
from crm.operations.backup.formats import KIND_LABELS

bp = Blueprint("operations_backups", __name__, url_prefix="/administracion")


@bp.get("/respaldos")
@permission_required("view_backups")
def backups():
    try:
        hour = parse_hour(current_app.config.get("CRM_BACKUP_HOUR"))
    except ConfigurationError:  # a wrong setting: the page says so instead of failing
        hour = "invalid"
    last = scheduled.last_scheduled_run()
    return render_template("operations/backups.html", files=scheduled.list_backups(), kinds=KIND_LABELS,
                           folder=scheduled.backup_folder(), hour=hour, keep=scheduled.keep_count(),
                           timezone=current_app.config.get("CRM_TIMEZONE"), last=last,
                           last_details=(last.details or {}) if last else {},
                           last_day=last_run_day(scheduled.TASK_NAME))
