"""Data and readers for the transparency tests: satisfaction answers built response by response, the CSV
and the page's data table read back, and the closure of what can be derived from the cells shown."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html.parser import HTMLParser

from tests.indicators_web.helpers import respond, survey

Q1 = datetime(2025, 2, 10, 18, 0)
Q2 = datetime(2025, 5, 10, 18, 0)
Q3 = datetime(2025, 8, 10, 18, 0)
LEVELS = ("FIN", "PROPÓSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6")
PERIODS = ("T1 2025", "T2 2025", "T3 2025", "T4 2025", "Año 2025")


def answers(target, at, positive: int, negative: int, person=None) -> None:
    for i in range(positive + negative):
        respond(target, at, person, calidad="buena" if i < positive else "mala")


def small_cell_data():
    """AI3: T1 5 of 6 positive, T2 2 of 3 (the small cell: 66.7 %); AI5: T1 4 of 5, T2 3 of 6.
    Without complementary suppression AI3's T2 would be the year minus T1, or PROPÓSITO's T2 minus AI5's."""
    from tests.factories import load_program

    load_program(2025)
    ai3, ai5 = survey("AI3", code="sat_ai3"), survey("AI5", code="sat_ai5")
    answers(ai3, Q1, 5, 1)
    answers(ai3, Q2, 2, 1)
    answers(ai5, Q1, 4, 1)
    answers(ai5, Q2, 3, 3)
    return ai3, ai5


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


class _Tables(HTMLParser):
    """The text of each cell of the table with the given id, row by row (tbody only)."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.body = table_id, False, False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.body = True
        elif self.inside and self.body and tag == "tr":
            self.rows.append([])
        elif self.inside and self.body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside = self.body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, table_id: str) -> list[list[str]]:
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.rows


def _number(text: str) -> int | None:
    return int(text) if text not in ("",) else None


def shown_counts(rows: list[dict]) -> dict[tuple[str, str], tuple[int, int, int] | None]:
    """(level, period) -> (numerator, denominator, responses) as published, None where hidden."""
    out = {}
    for row in rows:
        if row["nota"].startswith("oculto"):
            out[(row["nivel"], row["periodo"])] = None
        else:
            out[(row["nivel"], row["periodo"])] = (int(row["numerador"]), int(row["denominador"]),
                                                   int(row["encuestas_respondidas"] or 0))
    return out


def derivable(cells: dict) -> dict:
    """Every hidden satisfaction cell that sums of shown cells give back (iterated to the closure): the
    quarters add up to the year, and AI3 + AI5 + AI6 to PROPÓSITO in each period."""
    known = {key: value for key, value in cells.items() if value is not None}
    relations = [([(lv, p) for p in PERIODS[:4]], (lv, PERIODS[4])) for lv in ("PROPÓSITO", "AI3", "AI5", "AI6")]
    relations += [([(lv, p) for lv in ("AI3", "AI5", "AI6")], ("PROPÓSITO", p)) for p in PERIODS]
    derived = {}
    changed = True
    while changed:
        changed = False
        for parts, total in relations:
            members = [*parts, total]
            unknown = [key for key in members if key not in known]
            if len(unknown) != 1:
                continue
            (missing,) = unknown
            if missing == total:
                value = tuple(sum(known[k][i] for k in parts) for i in range(3))
            else:
                value = tuple(known[total][i] - sum(known[k][i] for k in parts if k != missing) for i in range(3))
            known[missing] = derived[missing] = value
            changed = True
    return derived
