"""The staff download of an uploaded file: `/encuestas/<survey>/archivos/<token>.<ext>`, for those who may see
the survey's responses; audited (who saw which file of which response), always a download (attachment), with
the type told from the content at upload time and nosniff."""

from __future__ import annotations

from flask import abort, send_file
from flask_login import current_user

import surveys.uploads.cleanup  # noqa: F401  (the session listeners and the hourly sweep)
from crm.auth.permissions import permission_required
from surveys.blueprints import surveys_bp
from surveys.uploads.access import open_for_staff


@surveys_bp.get("/<int:survey_id>/archivos/<path:name>")
@permission_required("view_responses")
def upload_download(survey_id: int, name: str):
    download = open_for_staff(survey_id, f"{survey_id}/{name}", actor=current_user)
    if download is None:
        abort(404)
    response = send_file(download.file, mimetype=download.mimetype, as_attachment=True,
                         download_name=download.name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
