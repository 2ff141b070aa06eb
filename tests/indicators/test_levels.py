"""Each level's kind comes from the program of the year (the built-in program's without one)."""

from datetime import datetime

from crm.indicators.compute import compute_report
from crm.indicators.levels import level_kinds, satisfaction_components
from crm.program import services as program_services
from tests.indicators.helpers import respond, survey

BUILTIN = {"FIN": "compliance", "PROPOSITO": "satisfaction", "AI1": "compliance", "AI2": "compliance",
           "AI3": "satisfaction", "AI4": "compliance", "AI5": "satisfaction", "AI6": "satisfaction"}


def _load_2026(**kinds: str):
    data = program_services.read_program_file(None)
    data["year"] = 2026
    for level in data["levels"]:
        level["kind"] = kinds.get(level["code"], level["kind"])
    return program_services.load_program(data).program


def test_without_a_program_the_builtin_program_gives_the_kinds():
    assert level_kinds(None) == BUILTIN
    assert satisfaction_components(BUILTIN) == ("AI3", "AI5", "AI6")


def test_the_stored_program_gives_the_kinds_of_its_year(app):
    program = _load_2026(AI3="compliance")
    assert level_kinds(program) == BUILTIN | {"AI3": "compliance"}
    s = survey("AI3", year=2026)
    respond(s, datetime(2026, 2, 1, 18), calidad="buena")
    rows = {(r["level"], r["period"]): r for r in compute_report(2026)["indicators"]}
    assert rows[("AI3", "2026")]["kind"] == "compliance" and "responses" not in rows[("AI3", "2026")]
    assert rows[("PROPOSITO", "2026")]["numerator"] == 0  # AI3's surveys no longer count as satisfaction
    assert {r["kind"] for r in compute_report(2027)["indicators"] if r["level"] == "AI3"} == {"satisfaction"}


def test_the_drilldown_permission_follows_the_kind_of_the_year(client, login_as):
    _load_2026(AI3="compliance")
    login_as("viewer")
    assert client.get("/indicadores/nivel/AI3?anio=2026").status_code == 200
    assert client.get("/indicadores/nivel/AI3?anio=2025").status_code == 403
