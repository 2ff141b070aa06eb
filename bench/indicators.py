"""Benchmark: the year's indicator report over a million answers, against one hand-written SQL aggregate.

    .venv/bin/python -m bench.indicators               # 1,000,000 answers
    .venv/bin/python -m bench.indicators --answers 20000

Builds a SQLite database through the real migrations, loads the 2025 program, and inserts (SQLAlchemy
Core executemany, one transaction) responses spread over the local year 2025 (and a few just outside
it) to 12 surveys of the three satisfaction components: three indicator questions and one text
question per response. Then it times, median of --runs runs each, alternating:

- platform: crm.indicators.compute.compute_report(2025): every level and period (satisfaction,
  activities, requests), as the dashboard and the CLI compute it;
- floor: one SQL statement computing the same satisfaction counts per component and local quarter.

The floor's counts are checked against the platform's before anything is printed. Output:

    indicators <platform_s> <floor_s> <ratio>
    {"name": "indicators", "platform_s": ..., "floor_s": ..., "ratio": ...}
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEAR = 2025
COMPONENTS = ("AI3", "AI5", "AI6")
SURVEYS_PER_COMPONENT = 4
INDICATOR_QUESTIONS = 3
ANSWERS_PER_RESPONSE = INDICATOR_QUESTIONS + 1  # plus one text answer
BATCH = 50_000
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite

# Answers are read in their stored order (CROSS JOIN fixes SQLite's join order) and summed per response,
# then per component and local quarter: the fastest single statement found for these counts.
FLOOR_SQL = """
SELECT component_code, quarter, SUM(positive), SUM(answers), COUNT(*) FROM (
    SELECT s.component_code,
           CASE WHEN r.submitted_at < :b1 THEN 1 WHEN r.submitted_at < :b2 THEN 2
                WHEN r.submitted_at < :b3 THEN 3 ELSE 4 END AS quarter,
           SUM(CASE WHEN c.positive THEN 1 ELSE 0 END) AS positive, COUNT(*) AS answers
    FROM answer a
    CROSS JOIN response r ON r.id = a.response_id
    CROSS JOIN survey s ON s.id = r.survey_id
    CROSS JOIN question q ON q.id = a.question_id
    CROSS JOIN choice c ON c.id = a.choice_id
    WHERE q.indicator AND s.year = :year AND s.component_code IN ('AI3', 'AI5', 'AI6')
      AND r.submitted_at >= :b0 AND r.submitted_at < :b4
    GROUP BY a.response_id
) AS per_response
GROUP BY component_code, quarter
"""


def build(db, answers: int, seed: int = 2025) -> dict:
    """Program, surveys and `answers` answers (Core inserts); returns what was inserted."""
    from sqlalchemy import insert

    from crm.core.text import fold
    from crm.core.timeutil import local_midnight_utc
    from crm.events.models import Activity, PartnerRequest
    from crm.program import services as program_services
    from surveys.models import Answer, Choice, Question, Response, Survey

    rng = random.Random(seed)
    program = program_services.load_program(program_services.read_program_file(None)).program
    surveys = []
    for component in COMPONENTS:
        for number in range(SURVEYS_PER_COMPONENT):
            code = f"bench_{component.lower()}_{number}"
            survey = Survey(code=code, form_id=code, title=f"Satisfacción {component} {number}", open_token=code,
                            component_code=component, year=YEAR, state="open")
            for position in range(INDICATOR_QUESTIONS):
                question = Question(position=position, type="select_one", name=f"p{position}", indicator=True,
                                    labels={"es": f"Pregunta {position}"})
                for cpos, (name, positive) in enumerate((("buena", True), ("regular", False), ("mala", False))):
                    question.choices.append(Choice(position=cpos, name=name, labels={"es": name}, positive=positive))
                survey.questions.append(question)
            survey.questions.append(Question(position=INDICATOR_QUESTIONS, type="text", name="comentario",
                                             labels={"es": "Comentario"}))
            db.session.add(survey)
            surveys.append(survey)
    db.session.commit()
    plan = [(s.id, [(q.id, [(c.id, c.positive) for c in q.choices]) for q in s.questions if q.indicator],
             next(q.id for q in s.questions if not q.indicator)) for s in surveys]

    start = local_midnight_utc(date(YEAR, 1, 1))
    span = (local_midnight_utc(date(YEAR + 1, 1, 1)) - start).total_seconds()
    responses = max(1, answers // ANSWERS_PER_RESPONSE)
    response_table, answer_table = Response.__table__, Answer.__table__
    inserted = 0
    with db.engine.begin() as connection:
        response_rows, answer_rows = [], []
        for response_id in range(1, responses + 1):
            survey_id, questions, text_id = plan[rng.randrange(len(plan))]
            # 1 in 50 lands just outside the local year (the report must leave it out)
            offset = rng.uniform(-3 * 86400, span + 3 * 86400) if rng.random() < 0.02 else rng.uniform(0, span)
            response_rows.append({"id": response_id, "survey_id": survey_id, "person_id": None, "invitation_id": None,
                                  "anonymous": True, "submitted_at": start + timedelta(seconds=offset),
                                  "language": "es", "channel": "import", "submission_key": None})
            for question_id, choices in questions:
                choice_id = choices[0][0] if rng.random() < 0.8 else choices[rng.randrange(1, len(choices))][0]
                answer_rows.append({"response_id": response_id, "question_id": question_id, "choice_id": choice_id,
                                    "value": None})
            answer_rows.append({"response_id": response_id, "question_id": text_id, "choice_id": None, "value": "ok"})
            if len(answer_rows) >= BATCH:
                connection.execute(insert(response_table), response_rows)
                connection.execute(insert(answer_table), answer_rows)
                inserted += len(answer_rows)
                response_rows, answer_rows = [], []
        if response_rows:
            connection.execute(insert(response_table), response_rows)
            connection.execute(insert(answer_table), answer_rows)
            inserted += len(answer_rows)

        lines = [line for component in program.components for line in component.action_lines]
        activity_rows = []
        for number in range(600):
            line = lines[rng.randrange(len(lines))]
            title = f"Actividad {number}"
            activity_rows.append({"date": date(YEAR, 1, 1) + timedelta(days=rng.randrange(365)), "action_line_id": line.id,
                                  "title": title, "title_key": fold(title), "type": None, "modality": None,
                                  "place": "", "description": "", "created_at": start})
        connection.execute(insert(Activity.__table__), activity_rows)
    from crm.contacts.models import Organization

    ine = Organization(name="Instituto Nacional Electoral", name_key=fold("Instituto Nacional Electoral"), acronym="INE")
    db.session.add(ine)
    db.session.commit()
    with db.engine.begin() as connection:
        request_rows = []
        for number in range(150):
            received = date(YEAR, 1, 1) + timedelta(days=rng.randrange(360))
            attended = received + timedelta(days=rng.randrange(1, 5)) if rng.random() < 0.8 else None
            subject = f"Gestión {number}"
            request_rows.append({"received_on": received, "attended_on": attended, "requester_id": ine.id,
                                 "subject": subject, "subject_key": fold(subject), "action_line_id": None,
                                 "notes": "", "created_at": start})
        connection.execute(insert(PartnerRequest.__table__), request_rows)
    return {"responses": responses, "answers": inserted}


def floor_counts(db) -> dict:
    from sqlalchemy import text

    from crm.indicators.compute import quarter_start_instants

    bounds = [b.strftime(STORED) for b in quarter_start_instants(YEAR)]
    params = {f"b{i}": b for i, b in enumerate(bounds)} | {"year": YEAR}
    with db.engine.connect() as connection:
        rows = connection.execute(text(FLOOR_SQL), params).all()
    return {(component, int(quarter)): (int(pos), int(n), int(resp)) for component, quarter, pos, n, resp in rows}


def platform_report(db) -> dict:
    from crm.indicators.compute import compute_report

    try:
        return compute_report(YEAR)
    finally:
        db.session.remove()


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def check(report: dict, floor: dict) -> None:
    rows = {(r["level"], r["period"]): r for r in report["indicators"]}
    for component in COMPONENTS:
        for quarter in (1, 2, 3, 4):
            row = rows[(component, f"{YEAR}-Q{quarter}")]
            platform = (row["numerator"], row["denominator"], row["responses"])
            expected = floor.get((component, quarter), (0, 0, 0))
            if platform != expected:
                raise SystemExit(f"the platform and the floor disagree on {component} Q{quarter}: "
                                 f"{platform} != {expected}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to insert (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side (median)")
    args = parser.parse_args(argv)

    import config
    from crm.app import create_app
    from crm.core.extensions import db
    from crm.operations.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-indicators-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=url, CRM_TIMEZONE="America/Mexico_City")
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            built = build(db, args.answers)
            print(f"# built {built['answers']:,} answers in {built['responses']:,} responses "
                  f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            platform_times, floor_times = [], []
            for _ in range(args.runs):
                seconds, report = timed(platform_report, db)
                platform_times.append(seconds)
                seconds, floor = timed(floor_counts, db)
                floor_times.append(seconds)
                check(report, floor)
            db.session.remove()
            db.engine.dispose()
    platform_s = statistics.median(platform_times)
    floor_s = statistics.median(floor_times)
    ratio = platform_s / floor_s if floor_s else float("inf")
    print(f"indicators {platform_s:.3f} {floor_s:.3f} {ratio:.2f}")
    print(json.dumps({"name": "indicators", "platform_s": round(platform_s, 4), "floor_s": round(floor_s, 4),
                      "ratio": round(ratio, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
