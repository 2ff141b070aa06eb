"""Benchmark: contact search over 100,000 people (p95 of 200 varied queries), against the same query in SQL.

    .venv/bin/python -m bench.search              # 100,000 people, 200 queries
    .venv/bin/python -m bench.search --quick      # 10,000 people, 200 queries

Builds a SQLite database through the real migrations and inserts (Core executemany, one transaction)
people with names with and without accents, e-mails, Mexican phones, network memberships and a few
blocked or anonymised records. 200 queries drawn from that data: full names with accents, the same
without accents or in lower case, single surnames, partial words, e-mail fragments (with @), phone
digits written in several ways, and a few that match nothing.

- platform: crm.core.pagination.paginate(crm.contacts.search.people_query(PeopleFilter(q=...)), per_page=25,
  page=1): what the people list runs (the count, the first page ordered by name, the e-mails, phones and
  memberships of the page), through the ORM;
- floor: the same search written by hand in SQL on a raw sqlite3 connection, through the same FTS5
  trigram tables (migration c4f1a2b3d5e6): the count, the page of people, and their e-mails, phones and
  memberships.

Each query runs on both sides, alternating, after a warm-up pass; the page's ids and the total must agree.
After the build, FTS5's integrity-check confirms the triggers kept the trigram tables in step with the
rows the Core inserts wrote.
Output: `search <platform p95 ms> <floor p95 ms> <ratio>` and a JSON line with p50/p95/max, and the
p50/p95 of each side's CPU time per query (this process's: SQLite runs in it), steadier on a busy machine.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta

from bench.common import (
    DOMAINS,
    GIVEN_NAMES,
    SURNAMES,
    SqliteSchema,
    ascii_slug,
    make_app,
    mx_mobile,
    note,
    percentile,
    result,
    timed,
)

PER_PAGE = 25
BATCH = 20_000


def build(db, people: int, seed: int = 5) -> dict:
    """`people` people with e-mails, phones and memberships; returns samples to draw queries from."""
    from sqlalchemy import insert

    from crm.contacts.models import Membership, Network, Person, PersonEmail, PersonPhone
    from crm.core.text import fold
    from crm.core.timeutil import utcnow

    rng = random.Random(seed)
    networks = [Network(code="rvc", name="Red Voto Chilango"), Network(code="observacion", name="Red de Observación")]
    db.session.add_all(networks)
    db.session.commit()
    network_ids = [n.id for n in networks]
    now = utcnow()
    samples = {"names": [], "emails": [], "phones": []}
    persons, emails, phones, memberships = [], [], [], []

    def flush(connection) -> None:
        for model, rows in ((Person, persons), (PersonEmail, emails), (PersonPhone, phones),
                            (Membership, memberships)):
            if rows:
                connection.execute(insert(model.__table__), rows)
                rows.clear()

    with db.engine.begin() as connection:
        for person_id in range(1, people + 1):
            given, first = rng.choice(GIVEN_NAMES), rng.choice(SURNAMES)
            second = rng.choice(SURNAMES) if rng.random() < 0.85 else ""
            draw = rng.random()
            status = "active" if draw < 0.97 else ("blocked" if draw < 0.99 else "anonymized")
            persons.append({
                "id": person_id, "given_name": given, "first_surname": first, "second_surname": second,
                "name_key": fold(" ".join(p for p in (given, first, second) if p)), "sex": None, "country": "MX",
                "state": "Ciudad de México", "city": "Ciudad de México", "alcaldia": None, "origin_alcaldia": None,
                "nationality": None, "language": "es", "status": status,
                "created_at": now - timedelta(days=rng.randrange(1000)), "updated_at": now,
            })
            if rng.random() < 0.95:
                local = f"{ascii_slug(given)}.{ascii_slug(first)}{person_id}"
                address = f"{local}@{rng.choice(DOMAINS)}"
                emails.append({"person_id": person_id, "address": address, "address_key": address.lower(),
                               "is_primary": True})
                if len(samples["emails"]) < 2000:
                    samples["emails"].append(address)
            if rng.random() < 0.8:
                written = mx_mobile(rng)
                phones.append({"person_id": person_id, "e164": "+52" + written.replace(" ", ""), "is_primary": True,
                               "whatsapp": False})
                if len(samples["phones"]) < 2000:
                    samples["phones"].append(written)
            if rng.random() < 0.5:
                memberships.append({"person_id": person_id, "network_id": rng.choice(network_ids),
                                    "status": "active", "source": "import", "joined_at": now})
            if len(samples["names"]) < 2000:
                samples["names"].append((given, first, second))
            if len(persons) >= BATCH:
                flush(connection)
        flush(connection)
    with db.engine.begin() as connection:  # what a long-lived database has
        connection.exec_driver_sql("ANALYZE")
    return samples


def queries(samples: dict, count: int = 200, seed: int = 9) -> list[str]:
    """Varied queries: names with/without accents, partial words, e-mail fragments, phone digits, misses."""
    from crm.core.text import fold

    rng = random.Random(seed)
    out: list[str] = []
    kinds = ["name_accents"] * 5 + ["name_plain"] * 4 + ["surname"] * 2 + ["partial"] * 2 + ["email"] * 4 + \
            ["phone"] * 4 + ["miss"]
    while len(out) < count:
        kind = rng.choice(kinds)
        given, first, second = rng.choice(samples["names"])
        if kind == "name_accents":
            out.append(f"{given} {first}" if rng.random() < 0.6 else f"{given} {first} {second}".strip())
        elif kind == "name_plain":
            text = fold(f"{given} {first}")
            out.append(text if rng.random() < 0.5 else text.upper())
        elif kind == "surname":
            out.append(rng.choice((first, fold(first), second or first)))
        elif kind == "partial":
            out.append(f"{fold(given)[:3]} {fold(first)[:4]}")
        elif kind == "email":
            address = rng.choice(samples["emails"])
            local, domain = address.split("@")
            out.append(rng.choice((address, local + "@", "@" + domain, local[-6:] + "@" + domain[:4])))
        elif kind == "phone":
            written = rng.choice(samples["phones"])
            digits = written.replace(" ", "")
            out.append(rng.choice((written, digits, "+52 " + written, digits[-8:], f"{digits[2:6]} {digits[6:]}")))
        else:
            out.append(rng.choice(("zzyzx qwv", "Xochiquetzalli Wrzbl", "nadie@ninguna.invalid", "999 888 7777 66")))
    return out


def platform_search(q: str) -> tuple[int, list[int]]:
    from crm.contacts.search import PeopleFilter, people_query
    from crm.core.pagination import paginate

    page = paginate(people_query(PeopleFilter(q=q)), per_page=PER_PAGE, page=1)
    for person in page.items:  # what the table shows: loaded up front, no query here
        _ = (person.primary_email, person.primary_phone, len(person.memberships))
    return page.total, [p.id for p in page.items]


# --- the floor: the same search by hand --------------------------------------------------------------


def _like(text: str) -> str:
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _containing(table: str, key: str, fts: str, terms: list[str]) -> tuple[list[str], list[str]]:
    """SQL conditions on `table`: its `key` contains every term, through the FTS5 trigram table for terms
    of 3 characters or more and LIKE for shorter ones (what the migration's index allows)."""
    indexed, short = [t for t in terms if len(t) >= 3], [t for t in terms if len(t) < 3]
    conditions, params = [], []
    if indexed:
        conditions.append(f"{table}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)")
        params.append(" ".join(_phrase(t) for t in indexed))
    conditions += [f"{table}.{key} LIKE ? ESCAPE '/'" for _ in short]
    params += [_like(t) for t in short]
    return conditions, params


def floor_search(connection: sqlite3.Connection, q: str) -> tuple[int, list[int]]:
    from crm.core.text import fold

    q = q.strip()
    found, params = [], []  # person ids, one SELECT per kind of match
    if "@" in q:
        conditions, values = _containing("person_email", "address_key", "person_email_fts", [q.lower()])
        found.append("SELECT person_id FROM person_email WHERE " + " AND ".join(conditions))
        params += values
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 6 and len(digits) >= len(q.replace(" ", "")) - 4:
        conditions, values = _containing("person_phone", "e164", "person_phone_fts", [digits[-10:]])
        found.append("SELECT person_id FROM person_phone WHERE " + " AND ".join(conditions))
        params += values
    words = fold(q).split()
    where = "0"
    if words and "@" not in q:
        conditions, values = _containing("person", "name_key", "person_name_fts", words)
        params += values
        if found:
            found.append("SELECT id FROM person WHERE " + " AND ".join(conditions))
        else:  # a name search alone: on the person rows themselves
            where = " AND ".join(conditions)
    if found:
        where = f"person.id IN ({' UNION ALL '.join(found)})"
    where = f"person.status != 'anonymized' AND {where}"
    total = connection.execute(f"SELECT count(*) FROM person WHERE {where}", params).fetchone()[0]  # noqa: S608
    page = connection.execute(
        f"SELECT id, given_name, first_surname, second_surname, name_key, country, state, alcaldia, status "  # noqa: S608
        f"FROM person WHERE {where} ORDER BY name_key, id LIMIT {PER_PAGE}", params).fetchall()
    ids = [row[0] for row in page]
    if ids:
        marks = ", ".join("?" for _ in ids)
        for table in ("person_email", "person_phone", "membership"):
            connection.execute(f"SELECT * FROM {table} WHERE person_id IN ({marks})", ids).fetchall()  # noqa: S608
    return total, ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 people (a smoke run)")
    parser.add_argument("--people", type=int, help="people (default 100,000; --quick 10,000)")
    parser.add_argument("--queries", type=int, default=200, help="queries (default 200)")
    args = parser.parse_args(argv)
    people = args.people or (10_000 if args.quick else 100_000)

    from crm.core.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        schema = SqliteSchema(folder)
        db_path = schema.fresh("search")
        app = make_app(f"sqlite:///{db_path}")
        with app.app_context():
            seconds, samples = timed(build, db, people)
            note(f"search: built {people:,} people in {seconds:.1f} s")
            qs = queries(samples, args.queries)
            with db.engine.begin() as connection:  # the triggers indexed every inserted row
                for fts in ("person_name_fts", "person_email_fts", "person_phone_fts"):
                    connection.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('integrity-check')")
            connection = sqlite3.connect(db_path)
            for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
                connection.execute(f"PRAGMA {pragma}")
            try:
                for q in qs[:20]:  # warm-up: caches, compiled statements
                    platform_search(q)
                    db.session.remove()
                    floor_search(connection, q)
                platform_ms, floor_ms, matched = [], [], 0
                cpu_ms: dict[str, list[float]] = {"platform": [], "floor": []}  # survives a busy machine
                for q in qs:
                    started, cpu = time.perf_counter(), time.process_time()
                    total, ids = platform_search(q)
                    platform_ms.append((time.perf_counter() - started) * 1000)
                    cpu_ms["platform"].append((time.process_time() - cpu) * 1000)
                    db.session.remove()
                    started, cpu = time.perf_counter(), time.process_time()
                    floor_total, floor_ids = floor_search(connection, q)
                    floor_ms.append((time.perf_counter() - started) * 1000)
                    cpu_ms["floor"].append((time.process_time() - cpu) * 1000)
                    if (total, ids) != (floor_total, floor_ids):
                        raise SystemExit(f"search {q!r}: platform ({total}, {ids[:5]}...) "
                                         f"!= floor ({floor_total}, {floor_ids[:5]}...)")
                    matched += total > 0
            finally:
                connection.close()
                db.session.remove()
                db.engine.dispose()
    slowest = sorted(zip(platform_ms, qs, strict=True), reverse=True)[:5]
    result("search", percentile(platform_ms, 0.95), percentile(floor_ms, 0.95), "ms p95", higher_is_better=False,
           people=people, queries=len(qs), queries_with_results=matched,
           platform_p50_ms=round(percentile(platform_ms, 0.5), 2), floor_p50_ms=round(percentile(floor_ms, 0.5), 2),
           platform_max_ms=round(max(platform_ms), 2), floor_max_ms=round(max(floor_ms), 2),
           **{f"{side}_cpu_{name}_ms": round(percentile(values, fraction), 2) for side, values in cpu_ms.items()
              for name, fraction in (("p50", 0.5), ("p95", 0.95))},
           slowest=[[round(ms, 1), q] for ms, q in slowest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
