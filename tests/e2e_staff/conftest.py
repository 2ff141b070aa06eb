"""The staff pages with the demo data: a live server (the fixtures of tests/browser.py) holding `flask demo load`'s
data and an administrator, for the acceptance crawl and the staff guide's screenshots."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.e2e.conftest import pytest_collection_modifyitems  # noqa: F401

STAFF_VIEWPORT = {"width": 1280, "height": 900}
PHONE_VIEWPORT = {"width": 390, "height": 844}


@dataclass
class DemoSite:
    url: str
    admin: object  # tests.e2e.conftest.CreatedUser
    busiest_person: int  # the person with the most attendance, program participation and invitations


def _busiest_person() -> int:
    """The demo person whose page lists the most participation (each kind of reference counts)."""
    from sqlalchemy import func, select

    from crm.core.extensions import db
    from crm.events.models import Attendance, Participant
    from surveys.models import Invitation

    scores: dict[int, int] = {}
    for model in (Attendance, Participant, Invitation):
        for person_id, total in db.session.execute(select(model.person_id, func.count()).group_by(model.person_id)):
            scores[person_id] = scores.get(person_id, 0) + 1 + min(total, 3)
    return max(scores, key=lambda person_id: (scores[person_id], -person_id))


@pytest.fixture
def demo_site(request, tmp_path):
    """The live server with `flask demo load`'s data (documents under the test's folder) and an admin."""
    from crm.app.demo import load_demo
    from crm.core.extensions import db

    server = request.getfixturevalue("live_server")
    app = server.app
    saved = app.instance_path, dict(app.config)
    # documents and background-job files under the test's folder; lists of more than 20 rows exported as
    # background jobs, so that their status page is reached too
    app.instance_path = str(tmp_path / "instance")
    app.config.update(CRM_DOCUMENT_DIR=str(tmp_path / "documents"), CRM_EXPORT_INLINE_ROWS=20)
    with app.app_context():
        try:
            load_demo()
            busiest = _busiest_person()
        finally:
            db.session.remove()
    admin = server.create_user(role="admin", name="Coordinación de Vinculación")
    yield DemoSite(server.url, admin, busiest)
    app.instance_path = saved[0]
    app.config.clear()
    app.config.update(saved[1])


@pytest.fixture
def staff_page(request, demo_site):
    """A desktop page (1280x900) logged in as the demo site's administrator, on the home page."""
    from tests.e2e.conftest import log_in

    tab = request.getfixturevalue("new_page")(viewport=STAFF_VIEWPORT)
    log_in(tab, demo_site.admin)
    return tab
