"""Two program years built with the factories: 2024 (the built-in program, one extra line AI2.6) and 2025
(the built-in program, AI2's target raised), with satisfaction answers in AI3, activities under AI2 and a
handful of AI5 answers (a small cell)."""

from __future__ import annotations

from datetime import date, datetime

from crm.program import services
from tests.factories import make_activity
from tests.indicators_web.helpers import respond, survey


def load_year(year: int, *, extra_line: bool = False, ai2_target: int | None = None):
    data = services.read_program_file(None)
    data["year"] = year
    for level in data["levels"]:
        if level["code"] == "AI2":
            if extra_line:
                level["action_lines"].append({"code": "AI2.6", "target": 3,
                                              "description": "Misiones de observación internacional"})
                level["target"] += 3
            if ai2_target is not None:
                level["action_lines"][1]["target"] += ai2_target - level["target"]
                level["target"] = ai2_target
    return services.load_program(data).program


def build_two_years(small_cell: bool = False) -> None:
    """AI3: 2024 Q1 8 of 10 positive (80 %), 2025 Q1 9 of 10 (90 %); with `small_cell`, 3 AI5 answers in 2025 Q1
    (suppressed, and AI3 or PROPÓSITO with it); AI2: 2 activities in 2024 Q1 (AI2.2), 5 in 2025 Q1 (AI2.2) and
    one in 2024 under AI2.6."""
    load_year(2024, extra_line=True)
    load_year(2025, ai2_target=70)
    for year, positives in ((2024, 8), (2025, 9)):
        ai3 = survey("AI3", year=year, code=f"ai3_{year}", title=f"Satisfacción AI3 {year}")
        for i in range(10):
            respond(ai3, datetime(year, 2, 10, 18, i), None, calidad="buena" if i < positives else "mala")
    if small_cell:
        ai5 = survey("AI5", year=2025, code="ai5_2025", title="Satisfacción AI5 2025")
        for i in range(3):
            respond(ai5, datetime(2025, 3, 3, 18, i), None, calidad="buena")
    for i in range(2):
        make_activity("AI2.2", date(2024, 1, 15 + i), title=f"Boletín 2024 {i}")
    make_activity("AI2.6", date(2024, 2, 20), title="Misión 2024")
    for i in range(5):
        make_activity("AI2.2", date(2025, 1, 15 + i), title=f"Boletín 2025 {i}")
