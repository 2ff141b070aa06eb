"""The program file's matrix keys (dimension, type, verification, assumptions, risks, conditional, applies,
thresholds) and the program download that `program load` reads back unchanged."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.program import editing, services
from crm.program.models import ProgramYear


def builtin() -> dict:
    return services.read_program_file(None)


def test_the_builtin_2025_program_carries_what_its_document_gives(app):
    # the 2025 program document states no dimension, type, means of verification, assumptions or risks: the
    # built-in program leaves them empty rather than invent them (a program file can carry them)
    program = services.load_program(builtin()).program
    ai6 = program.component("AI6")
    assert not any(c.dimension or c.indicator_type or c.verification or c.assumptions or c.risks
                   for c in program.components)
    assert (ai6.conditional, ai6.applies) == (True, True)
    assert not any(c.conditional for c in program.components if c.code != "AI6")
    assert (program.threshold_green, program.threshold_yellow) == (85, 70)


def test_keys_are_optional_and_read_ignoring_case_and_accents(app):
    data = builtin()
    data["year"] = 2026
    data.pop("thresholds")
    for level in data["levels"]:
        for key in ("dimension", "type", "verification", "assumptions", "risks", "conditional", "applies"):
            level.pop(key, None)
    data["levels"][2].update({"dimension": "EFICIENCIA", "type": "Desempeno", "risks": ["uno", "dos"]})
    program = services.load_program(data).program
    assert (program.threshold_green, program.threshold_yellow) == (85, 70)
    ai1 = program.component("AI1")
    assert (ai1.dimension, ai1.indicator_type, ai1.risks) == ("eficiencia", "desempeno", "uno\ndos")
    assert program.component("AI2").dimension is None and program.component("AI6").applies


@pytest.mark.parametrize("change, message", [
    (lambda d: d["levels"][0].update(dimension="economica"), "dimension debe ser"),
    (lambda d: d["levels"][3].update(type="operativo"), "type debe ser"),
    (lambda d: d["levels"][4].update(applies=False), "solo vale para un componente condicional"),
    (lambda d: d["levels"][0].update(conditional=True), "solo un componente"),
    (lambda d: d["levels"][5].update(conditional="sí"), "conditional debe ser true o false"),
    (lambda d: d["levels"][5].update(verification={"a": 1}), "verification debe ser un texto"),
    (lambda d: d.update(thresholds={"green": 60, "yellow": 70}), "no puede ser mayor"),
    (lambda d: d.update(thresholds={"green": 101}), "green debe ser un porcentaje"),
    (lambda d: d.update(thresholds=[85, 70]), "se esperaba {green"),
])
def test_every_bad_key_is_reported_and_nothing_is_written(app, change, message):
    data = builtin()
    change(data)
    with pytest.raises(services.ProgramError) as caught:
        services.load_program(data)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert db.session.query(ProgramYear).count() == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["dimension", "type", "verification", "assumptions", "risks",
                                        "conditional", "applies"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                                 st.lists(st.text(max_size=5), max_size=3))),
       st.one_of(st.none(), st.dictionaries(st.sampled_from(["green", "yellow", "red"]),
                                            st.one_of(st.integers(-5, 120), st.text(max_size=3)))))
def test_the_matrix_keys_parser_never_crashes(app, keys, thresholds):
    data = builtin()
    data["levels"][7].update(keys)
    if thresholds is not None:
        data["thresholds"] = thresholds
    try:
        clean, _ = services.validate_program(data)
    except services.ProgramError as exc:
        assert exc.problems
    else:
        ai6 = clean["levels"][7]
        assert ai6["applies"] or ai6["conditional"]
        assert 0 <= clean["thresholds"]["yellow"] <= clean["thresholds"]["green"] <= 100


def _state(year: int) -> dict:
    return services.program_as_data(services.program_for_year(year))


def test_the_downloaded_program_loads_back_unchanged(app, tmp_path):
    data = builtin()
    for level in data["levels"]:  # the matrix keys, as an office's own program file would carry them
        level.update({"dimension": "eficacia", "type": "desempeño", "verification": f"Informe de {level['code']}",
                      "assumptions": "Las instituciones mantienen su interés", "risks": "Recortes presupuestales"})
    program = services.load_program(data).program
    editing.set_schedule(program, {"AI2.2": [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 6]}, actor=None)
    editing.set_applies(program, "AI6", False, actor=None)
    program.threshold_green = 90
    db.session.commit()
    before = copy.deepcopy(_state(2025))
    text = editing.program_file(program)
    path = tmp_path / "programa-2025.yaml"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["program", "load", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _state(2025) == before
    assert editing.program_file(services.program_for_year(2025)) == text
    data = yaml.safe_load(text)
    assert data["thresholds"] == {"green": 90, "yellow": 70}
    ai6 = next(level for level in data["levels"] if level["code"] == "AI6")
    assert (ai6["conditional"], ai6["applies"], ai6["type"]) == (True, False, "desempeño")


def test_the_builtin_program_round_trips_to_a_new_year(app, tmp_path):
    services.load_program(builtin())
    data = yaml.safe_load(editing.program_file(services.program_for_year(2025)))
    data["year"] = 2026
    services.load_program(data)
    first, second = _state(2025), _state(2026)
    first.pop("year"), second.pop("year")
    assert first == second


def test_schedule_edits_are_audited_and_warn_when_months_miss_the_target(app):
    program = services.load_program(builtin()).program
    warnings = editing.set_schedule(program, {"AI1.1": [2] * 12, "AI1.2": [5] * 12}, actor=None)
    assert warnings == ["AI1.2: los meses suman 60 y la meta anual es 48"]
    assert services.action_line_by_code(2025, "AI1.1").schedule is None  # the even spread stays implicit
    entry = db.session.query(AuditEntry).filter_by(action="program.schedule").one()
    assert entry.details["lines"] == {"AI1.2": {"before": [4] * 12, "after": [5] * 12}}
