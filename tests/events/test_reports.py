"""The verification reports: activities and requests as CSV/XLSX, filtered by period (local quarters), action line
and organization, from the list pages (inline or as a background job) and from `activities|requests export`."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.filters import EventFilter, parse_period, period_label
from crm.events.models import ActivityEvidence, PartnerRequest
from crm.events.reports import ACTIVITY_COLUMNS, REQUEST_COLUMNS
from crm.events.services import EventsError
from crm.program.services import action_line_by_code
from tests.factories import load_program, make_activity, make_organization, make_person

# 2025-03-31 20:30 in Mexico City (UTC-6, no daylight saving time since 2022) is already April 1st in UTC.
LATE_MARCH_31_LOCAL_IN_UTC = datetime(2025, 4, 1, 2, 30)


@pytest.fixture
def world(app):
    """Activities and requests on both sides of the first quarter's end, with organizations and evidence."""
    load_program()
    ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    unam = make_organization("Universidad Nacional Autónoma de México", acronym="UNAM")
    last_q1 = make_activity("AI2.1", on=date(2025, 3, 31), title="Foro de cierre de trimestre", type="foro",
                            created_at=LATE_MARCH_31_LOCAL_IN_UTC)
    last_q1.organizations = [ine, unam]
    first_q2 = make_activity("AI2.1", on=date(2025, 4, 1), title="=HYPERLINK(\"http://x\")", type="taller")
    first_q2.organizations = [ine]
    make_activity("AI4.1", on=date(2025, 2, 10), title="Curso a distancia", modality="virtual")
    make_activity("AI2.1", on=date(2024, 12, 31), title="Foro del año anterior")
    person = make_person(email="rosa@example.org")
    from crm.events.models import Attendance
    db.session.add(Attendance(activity_id=last_q1.id, person_id=person.id))
    db.session.add(ActivityEvidence(activity_id=last_q1.id, kind="link", title="Nota",
                                    url="https://www.iecm.mx/nota"))
    line = action_line_by_code(2025, "AI1.3")
    db.session.add_all([
        PartnerRequest(received_on=date(2025, 3, 31), attended_on=date(2025, 4, 3), requester_id=ine.id,
                       subject="Sedes", subject_key="sedes", action_line_id=line.id, created_at=LATE_MARCH_31_LOCAL_IN_UTC),
        PartnerRequest(received_on=date(2025, 4, 1), requester_id=ine.id, subject="Materiales",
                       subject_key="materiales"),
        PartnerRequest(received_on=date(2025, 2, 1), requester_id=unam.id, subject="Ponentes",
                       subject_key="ponentes"),
    ])
    db.session.commit()
    return {"ine": ine, "unam": unam}


def _csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_first_quarter_ends_on_march_31_local_time(world, client, login_as):
    login_as("coordinator")
    response = client.get("/actividades/exportar.csv", query_string={"anio": 2025, "trimestre": 1})
    assert response.status_code == 200
    rows = _csv(response.data)
    assert list(rows[0]) == list(ACTIVITY_COLUMNS)
    assert [r["titulo"] for r in rows] == ["Curso a distancia", "Foro de cierre de trimestre"]
    closing = rows[1]
    assert closing == {**closing, "fecha": "2025-03-31", "accion": "AI2.1", "tipo": "foro",
                       "organizaciones": "Instituto Nacional Electoral (INE); Universidad Nacional Autónoma de México "
                                         "(UNAM)", "personas_asistentes": "1",
                       "medios_de_verificacion": "Nota: https://www.iecm.mx/nota"}
    second = _csv(client.get("/actividades/exportar.csv", query_string={"anio": 2025, "trimestre": 2}).data)
    assert [r["titulo"] for r in second] == ["'=HYPERLINK(\"http://x\")"]  # a formula is neutralised
    requests = _csv(client.get("/gestiones/exportar.csv", query_string={"anio": 2025, "trimestre": 1}).data)
    assert list(requests[0]) == list(REQUEST_COLUMNS)
    assert [(r["recibida"], r["estado"], r["dias_para_atender"]) for r in requests] == [
        ("2025-02-01", "pendiente", ""), ("2025-03-31", "atendida", "3")]


def test_filters_by_line_component_and_organization(world, client, login_as):
    login_as("coordinator")

    def titles(**args):
        return [r["titulo"] for r in _csv(client.get("/actividades/exportar.csv", query_string=args).data)]

    assert titles(anio=2025, linea="AI4") == ["Curso a distancia"]
    assert titles(anio=2025, linea="AI2.1", organizacion="unam") == ["Foro de cierre de trimestre"]
    assert titles(anio=2025, organizacion="instituto nacional electoral") == [
        "Foro de cierre de trimestre", "'=HYPERLINK(\"http://x\")"]
    assert titles(anio=2025, organizacion="Nadie registrada") == []
    assert titles(anio=2024) == ["Foro del año anterior"]
    page = client.get("/actividades", query_string={"anio": 2025, "organizacion": "Nadie registrada"})
    assert "No hay una organización registrada" in page.get_data(as_text=True)
    requests = _csv(client.get("/gestiones/exportar.csv", query_string={"organizacion": "UNAM"}).data)
    assert [r["asunto"] for r in requests] == ["Ponentes"]
    requests = _csv(client.get("/gestiones/exportar.csv", query_string={"linea": "AI1.3"}).data)
    assert [r["asunto"] for r in requests] == ["Sedes"]


def test_the_xlsx_report_has_a_header_and_one_row_per_activity_and_is_audited(world, client, login_as):
    user = login_as("admin")
    response = client.get("/actividades/exportar.xlsx", query_string={"anio": 2025, "linea": "AI2"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ACTIVITY_COLUMNS and len(rows) == 3
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activities.export"))
    assert entry.actor_id == user.id and entry.details == {
        "rows": 2, "format": "xlsx", "filters": {"anio": "2025", "linea": "AI2"}}


def test_a_long_report_runs_as_a_background_job(world, app, client, login_as):
    app.config["CRM_EXPORT_INLINE_ROWS"] = 1
    login_as("coordinator")
    response = client.get("/gestiones/exportar.csv", query_string={"anio": 2025})
    assert response.status_code == 302 and "/exportaciones/" in response.headers["Location"]
    token = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    download = client.get(f"/exportaciones/{token}/descargar")
    assert download.status_code == 200 and 'filename=gestiones-2025.csv' in download.headers["Content-Disposition"]
    assert len(_csv(download.data)) == 3
    assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "requests.export"))["rows"] == 3


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_roles_without_export_permission_cannot_download(world, client, login_as, role):
    login_as(role)
    assert client.get("/actividades/exportar.csv").status_code == 403
    assert client.get("/gestiones/exportar.xlsx").status_code == 403
    assert "exportar" not in client.get("/actividades?anio=2025").get_data(as_text=True)


def test_the_command_line_exports_the_same_report(world, app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "t1.csv"
    result = runner.invoke(args=["activities", "export", str(path), "--period", "2025-T1", "--action", "AI2",
                                 "--organization", "INE"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "exported 1"
    assert [r["titulo"] for r in _csv(path.read_bytes())] == ["Foro de cierre de trimestre"]
    result = runner.invoke(args=["requests", "export", str(tmp_path / "g.xlsx"), "--pending"])
    assert result.exit_code == 0 and result.output.strip().endswith("exported 2")
    for args, message in [(["--period", "2025-Q5"], "no es un periodo"), (["--organization", "Nadie"], "No hay"),
                          (["--action", "ZZ9"], "no es una línea")]:
        result = runner.invoke(args=["activities", "export", str(tmp_path / "x.csv"), *args])
        assert result.exit_code == 1 and message in result.output, result.output
        assert not (tmp_path / "x.csv").exists()
    result = runner.invoke(args=["activities", "export", str(tmp_path / "x.txt")])
    assert result.exit_code == 1 and "use .csv o .xlsx" in result.output


@given(st.integers(1900, 2200), st.one_of(st.none(), st.integers(1, 4)))
def test_a_period_label_reads_back(year, quarter):
    assert parse_period(period_label(year, quarter)) == (year, quarter)
    if quarter:
        assert parse_period(f" {year}-q{quarter} ") == (year, quarter)


@given(st.text(max_size=20))
def test_any_period_text_is_a_valid_period_or_one_clear_error(text):
    try:
        year, quarter = parse_period(text)
    except EventsError as exc:
        assert "no es un periodo" in str(exc)
    else:
        assert 1900 <= year <= 2200 and quarter in (None, 1, 2, 3, 4)
        assert EventFilter(year=year, quarter=quarter).bounds()[0].year == year


@given(st.dictionaries(st.sampled_from(["anio", "trimestre", "linea", "organizacion", "tipo", "estado",
                                        "componente"]), st.text(max_size=12)))
def test_any_query_arguments_give_a_filter_that_reads_back(args):
    f = EventFilter.from_args(args)
    assert EventFilter.from_args(f.as_args()) == f
