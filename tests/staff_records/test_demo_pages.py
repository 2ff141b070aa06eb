"""With `flask demo load`'s data (the program year full, today in the next year): the event pages open on the
demo's year with its rows, with no server error and no raw values."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from crm.app.demo import load_demo
from crm.core.extensions import db
from crm.events.models import Activity


def test_the_demo_pages_open_on_the_year_with_data(app, client, login_as, monkeypatch):
    for module in ("crm.events.views.blueprint", "crm.program.views"):
        monkeypatch.setattr(f"{module}.local_today", lambda: date(2026, 5, 4))
    load_demo()
    year = db.session.scalar(select(func.max(Activity.date))).year
    total = db.session.scalar(select(func.count(Activity.id)).where(Activity.date >= date(year, 1, 1)))
    login_as("admin")
    activities = client.get("/actividades").get_data(as_text=True)
    assert f"{total} actividades · {year}" in activities and total > 0
    first = re.search(r'<a href="/actividades/(\d+)">', activities).group(1)
    requests_page = client.get("/gestiones").get_data(as_text=True)
    assert f"· {year}, y las pendientes" in requests_page and "Sin gestiones en este periodo" not in requests_page
    assert f'href="/programa/?anio={year}" aria-current="page"' in client.get("/programa/").get_data(as_text=True)
    for url in ("/", "/actividades", f"/actividades/{first}", "/gestiones", "/organizaciones",
                "/organizaciones?orden=-personas", "/programa/", "/observacion",
                f"/actividades/{first}/asistencia/buscar?q=ma"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        for raw in (">None<", "nan<", ">True<", "(es)", "(s)", r"\d{4}-\d{2}-\d{2}</td>"):
            assert not re.search(raw if raw.startswith("\\") else re.escape(raw), html), (url, raw)
