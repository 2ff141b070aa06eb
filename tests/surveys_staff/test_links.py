"""The open link for events: a QR code (SVG, by segno) served with the survey page's permission, a printable
page, and `surveys link` printing the full address (issue 18, items 9 and 15); the demo's past surveys are
closed (item 12)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime

import segno
from sqlalchemy import func, select

from crm.auth.roles import PERMISSIONS, Role
from crm.core.extensions import db
from surveys import services
from surveys.models import Invitation, Response, Survey
from tests.factories import make_person, make_survey

BASE = "https://vinculo.example.mx"


def expected_svg(url: str) -> bytes:
    """The same symbol, made the same way: the served SVG encodes exactly this address."""
    body = io.BytesIO()
    segno.make(url, error="m").save(body, kind="svg", scale=10, border=4, dark="#000", light="#fff", omitsize=True,
                                    xmldecl=True, title="x")
    return body.getvalue()


def paths_of(svg: bytes) -> list[str]:
    return [e.get("d") for e in ET.fromstring(svg).iter() if e.tag.endswith("path")]


def test_the_qr_code_is_an_svg_of_the_full_open_link(app, client, login_as):
    app.config["CRM_BASE_URL"] = BASE
    survey = make_survey(state="open")
    login_as("viewer")
    response = client.get(f"/encuestas/{survey.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"].startswith("inline")
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    url = f"{BASE}/r/{survey.open_token}"
    assert paths_of(response.data) == paths_of(expected_svg(url))
    assert paths_of(response.data) != paths_of(expected_svg(f"/r/{survey.open_token}"))
    download = client.get(f"/encuestas/{survey.id}/qr.svg?descargar=1")
    assert download.headers["Content-Disposition"] == f'attachment; filename="{survey.code}-qr.svg"'
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert f'<code class="user-select-all text-break" id="enlace-abierto">{url}</code>' in page
    assert f'src="/encuestas/{survey.id}/qr.svg"' in page and f'href="/encuestas/{survey.id}/cartel"' in page
    poster = client.get(f"/encuestas/{survey.id}/cartel").get_data(as_text=True)
    assert url in poster and f'src="/encuestas/{survey.id}/qr.svg"' in poster and survey.title in poster


def test_the_qr_code_needs_the_survey_pages_permission(client, login_as, monkeypatch):
    survey = make_survey(state="open")
    for url in (f"/encuestas/{survey.id}/qr.svg", f"/encuestas/{survey.id}/cartel"):
        response = client.get(url)  # anonymous: to the log-in page
        assert response.status_code == 302 and "/acceso" in response.headers["Location"], url
    login_as("viewer")
    monkeypatch.setitem(PERMISSIONS, "view_surveys", frozenset({Role.ADMIN}))
    for url in (f"/encuestas/{survey.id}/qr.svg", f"/encuestas/{survey.id}/cartel", f"/encuestas/{survey.id}"):
        assert client.get(url).status_code == 403, url
    monkeypatch.undo()
    assert client.get(f"/encuestas/{survey.id}/qr.svg").status_code == 200
    assert client.get("/encuestas/999999/qr.svg").status_code == 404


def test_surveys_link_prints_the_full_address_then_the_path(app):
    app.config["CRM_BASE_URL"] = BASE + "/"
    survey = make_survey(state="draft")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["surveys", "link", survey.code])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0
    assert lines == [f"dirección completa: {BASE}/r/{survey.open_token}", f"/r/{survey.open_token}"]
    make_person(email="rosa.tellez@example.org")
    result = runner.invoke(args=["surveys", "link", survey.code, "--email", "rosa.tellez@example.org"])
    token = db.session.scalar(select(Invitation.token))
    assert result.exit_code == 0
    assert result.output.strip().splitlines() == [f"dirección completa: {BASE}/r/{token}", f"/r/{token}"]
    assert services.invitation_path(db.session.scalar(select(Invitation))) == f"/r/{token}"


def test_the_demo_surveys_of_the_past_year_are_closed(app):
    from crm.app.demo import load_demo

    load_demo()
    demo = db.session.scalars(select(Survey).where(Survey.code.like("demo-%"))).all()
    assert sorted(survey.year for survey in demo) == [2025, 2025, 2026]  # 2026: the demo's second program year
    for survey in demo:
        assert survey.state == "closed" and survey.closes_at < datetime(2026, 11, 1)
        assert survey.opens_at.year == survey.year and survey.closes_at.year == survey.year
        last = db.session.scalar(select(func.max(Response.submitted_at)).where(Response.survey_id == survey.id))
        assert survey.opens_at < last < survey.closes_at
