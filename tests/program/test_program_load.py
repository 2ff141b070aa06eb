import json
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.program import services
from crm.program.models import ActionLine, Component, ProgramYear


def test_builtin_2025_program_loads_with_the_inconsistency_warnings(app):
    result = services.load_program(services.read_program_file(None))
    program = result.program
    assert program.year == 2025
    targets = {c.code: c.target for c in program.components}
    assert targets == {"FIN": 579, "PROPOSITO": None, "AI1": 150, "AI2": 63, "AI3": 85, "AI4": 279, "AI5": 1, "AI6": 1}
    assert db.session.scalar(select(func.count(ActionLine.id))) == 23
    assert "AI4: target 279 differs from the sum of its action lines (276)" in result.warnings
    assert any(w.startswith("AI5:") for w in result.warnings)
    assert not any(w.startswith(("AI1:", "AI2:", "AI3:")) for w in result.warnings)


def test_loading_twice_changes_nothing(app):
    services.load_program(services.read_program_file(None))
    before = db.session.scalar(select(func.count(ActionLine.id))), db.session.scalar(select(func.count(Component.id)))
    result = services.load_program(services.read_program_file(None))
    assert not result.created
    after = db.session.scalar(select(func.count(ActionLine.id))), db.session.scalar(select(func.count(Component.id)))
    assert before == after
    assert db.session.scalar(select(func.count(ProgramYear.id))) == 1


def test_even_spread_uses_largest_remainder_earlier_months_first(app):
    services.load_program(services.read_program_file(None))
    line = services.action_line_by_code(2025, "AI2.2")
    assert line.monthly() == [5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4]
    assert sum(line.monthly()) == 52
    assert services.action_line_by_code(2025, "AI5.1").monthly() == [1] + [0] * 11


def test_a_later_year_loads_from_json_with_a_schedule(app, tmp_path):
    data = services.read_program_file(None)
    data["year"] = 2026
    data["levels"][2]["action_lines"][0]["schedule"] = [2] * 12
    path = tmp_path / "p2026.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = services.load_program(services.read_program_file(path))
    assert result.program.year == 2026
    assert services.action_line_by_code(2026, "AI1.1").monthly() == [2] * 12


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(year="dos mil"), "year"),
    (lambda d: d["levels"][2]["action_lines"][0].update(target=-1), "entero no negativo"),
    (lambda d: d["levels"][2]["action_lines"][0].update(schedule=[1, 2]), "12 enteros"),
    (lambda d: d["levels"][2]["action_lines"][0].update(code="AI9.1"), "debe ser AI1.N"),
    (lambda d: d["levels"].pop(0), "faltan los niveles FIN"),
    (lambda d: d["levels"][3].update(kind="otro"), "kind"),
])
def test_bad_program_files_write_nothing(app, mutate, message):
    data = services.read_program_file(None)
    mutate(data)
    with pytest.raises(services.ProgramError) as info:
        services.load_program(data)
    assert any(message in p for p in info.value.problems), info.value.problems
    assert db.session.scalar(select(func.count(ProgramYear.id))) == 0


def test_cli_program_load_prints_warnings(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["program", "load"])
    assert result.exit_code == 0
    assert "AI4: target 279 differs from the sum of its action lines (276)" in result.output


def test_cli_program_load_bad_file_exits_1(app, tmp_path):
    path = tmp_path / "malo.yaml"
    path.write_text("year: [", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["program", "load", str(path)])
    assert result.exit_code == 1
    assert "no es YAML/JSON válido" in result.output


def _without_line(code: str) -> dict:
    data = services.read_program_file(None)
    for level in data["levels"]:
        level["action_lines"] = [line for line in level.get("action_lines") or [] if line["code"] != code]
    return data


def test_an_unused_action_line_leaves_the_program(app):
    services.load_program(services.read_program_file(None))
    services.load_program(_without_line("AI2.2"))
    assert services.action_line_by_code(2025, "AI2.2") is None
    assert db.session.scalar(select(func.count(ActionLine.id))) == 22


@pytest.mark.parametrize("record", ["activity", "request"])
def test_an_action_line_in_use_stays_and_nothing_is_written(app, record):
    from crm.events.models import PartnerRequest
    from tests.factories import make_activity, make_organization

    services.load_program(services.read_program_file(None))
    if record == "activity":
        make_activity("AI2.2")
        code = "AI2.2"
    else:
        line = services.action_line_by_code(2025, "AI1.1")
        db.session.add(PartnerRequest(received_on=date(2025, 3, 1), requester_id=make_organization().id,
                                      subject="Apoyo", subject_key="apoyo", action_line_id=line.id))
        db.session.commit()
        code = "AI1.1"
    data = _without_line(code)
    data["title"] = "Otro título"
    with pytest.raises(services.ProgramError) as info:
        services.load_program(data)
    assert info.value.problems == [f"{code}: la línea de acción tiene actividades o gestiones registradas y no "
                                   "puede quitarse del programa"]
    assert services.action_line_by_code(2025, code) is not None
    assert services.program_for_year(2025).title != "Otro título"
