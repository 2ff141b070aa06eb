"""Election day: many observers behind one NAT answer one survey at once, double-clicking "send".

gunicorn (2 sync workers, production configuration: CSRF and rate limits on) on 127.0.0.1 and a database
built by the real migrations (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set). Every client is a
browser of its own (cookie, CSRF token, submission key) and every request comes from 127.0.0.1, as from an
office behind one address. Each client opens the form, then sends it twice at the same moment (a double
click) and once more after the thank-you page (the back button).

Zero lost (every acknowledged form is stored), zero duplicated (one response per form), zero 5xx, none
refused by rate limiting. Bounds: 50 clients by default; VINCULO_RELIABILITY_SCALE=10 gives 500.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.reliability.harness import Browser, Gunicorn, app_env, hidden, rows, scaled
from tests.reliability.seed import ANSWER_ROWS, answers_for, seed_survey


@dataclass
class Outcome:
    number: int
    token: str
    key: str = ""
    marker: str = ""
    statuses: list[tuple[str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self, what: str, status: int) -> None:
        self.statuses.append((what, status))


def _double_submit(port: int, number: int, token: str, start: threading.Barrier) -> Outcome:
    outcome = Outcome(number, token, marker=f"observadora-{number:05d}")
    browser = Browser(port, timeout=60)
    try:
        status, _, html = browser.get(f"/r/{token}")
        outcome.record("GET form", status)
        if status != 200:
            return outcome
        outcome.key = hidden(html, "_clave") or ""
        data = [("csrf_token", hidden(html, "csrf_token") or ""), ("_clave", outcome.key), ("_lang", "es"),
                *answers_for(outcome.marker, number)]
        try:
            start.wait(timeout=60)  # every client sends at the same moment
        except threading.BrokenBarrierError:
            pass
        results: list[tuple[int, dict]] = []

        def click():
            try:
                status, headers, _ = browser.post(f"/r/{token}", data)
                results.append((status, headers))
            except Exception as exc:
                outcome.errors.append(f"second click: {type(exc).__name__}: {exc}")

        second = threading.Thread(target=click)
        second.start()
        click()
        second.join(timeout=90)
        for status, headers in results:
            outcome.record("POST (double click)", status)
            if status == 303 and "/gracias" not in headers.get("Location", ""):
                outcome.errors.append(f"303 to {headers.get('Location')!r}, not to the thank-you page")
        thanks = next((h.get("Location") for s, h in results if s == 303), None)
        if thanks:
            path = thanks.split("127.0.0.1", 1)[-1].split(f":{port}", 1)[-1]
            outcome.record("GET thanks", browser.get(path)[0])
        status, headers, _ = browser.post(f"/r/{token}", data)  # back button, send again
        outcome.record("POST (again later)", status)
    except Exception as exc:
        outcome.errors.append(f"{type(exc).__name__}: {exc}")
    return outcome


def test_fifty_observers_behind_one_address_double_submitting(databases, tmp_path):
    clients = scaled(50, minimum=4)
    personal = clients // 2  # half by personal links, half by the survey's open link
    url = databases.new("election")
    seed = seed_survey(url, invitations=personal)
    tokens = seed.invitation_tokens + [seed.open_token] * (clients - personal)

    server = Gunicorn(app_env(url, tmp_path / "instance"), tmp_path / "gunicorn.log").start()
    try:
        start = threading.Barrier(clients)
        with ThreadPoolExecutor(max_workers=clients) as pool:
            outcomes = list(pool.map(lambda args: _double_submit(server.port, *args, start), enumerate(tokens),
                                     timeout=600))
    finally:
        server.stop()
    log = server.text()

    problems = [f"client {o.number}: {e}" for o in outcomes for e in o.errors]
    bad = [f"client {o.number}: {what} -> {status}" for o in outcomes for what, status in o.statuses
           if status >= 500 or status == 429 or (what.startswith("GET") and status != 200)
           or (what.startswith("POST") and status != 303)]
    assert not problems and not bad, "\n".join((problems + bad)[:40]) + f"\n--- gunicorn log ---\n{server.tail()}"
    assert all(len(o.statuses) == 5 for o in outcomes), [o.statuses for o in outcomes if len(o.statuses) != 5][:5]

    stored = {key: (person, count) for key, person, count in rows(url, """
        SELECT r.submission_key, r.person_id, count(a.id) FROM response r LEFT JOIN answer a ON a.response_id = r.id
        WHERE r.survey_id = :survey GROUP BY r.id, r.submission_key, r.person_id""", survey=seed.survey_id)}
    assert len(stored) == clients, f"{len(stored)} responses stored for {clients} forms sent"
    texts = dict(rows(url, """SELECT r.submission_key, a.value FROM answer a JOIN response r ON r.id = a.response_id
                              JOIN question q ON q.id = a.question_id WHERE q.name = 'opinion'"""))
    for outcome in outcomes:
        assert outcome.key in stored, f"client {outcome.number}: acknowledged but not stored"
        person, answer_rows = stored[outcome.key]
        assert answer_rows == ANSWER_ROWS, f"client {outcome.number}: {answer_rows} answers"
        assert texts[outcome.key] == outcome.marker
        assert person == seed.person_of_token.get(outcome.token), f"client {outcome.number}: person {person}"
    answered = rows(url, "SELECT count(*) FROM invitation WHERE survey_id = :s AND answered_at IS NOT NULL",
                    s=seed.survey_id)[0][0]
    assert answered == personal
    for needle in ("Traceback", "database is locked", "[ERROR]"):
        assert needle not in log, f"{needle!r} in the server log:\n{server.tail(80)}"
