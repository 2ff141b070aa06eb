"""A survey's answers as columns, for the responses export (surveys.responses.export), with no Python per answer.

100,000 responses of eight questions are about 835,000 answers (docs/quality.md "export CSV"):

- `answer_chunks` reads the answers of all exported questions in one pass, `span` answer ids at a time. On
  SQLite that pass is a scan of the answer table's id range (sequential, far cheaper than an index look-up
  per answer) when the table holds little else; otherwise (and on PostgreSQL) it reads them through the
  index of (response, question), a window of the survey's response ids at a time. Each read is
  one row of two aggregate strings over the same answers in the same order: codes (((response - first
  response) x questions + (question - first question)) x options + the option (_options; 0 for none)) and
  values ("" for none). `chunk` parses them with numpy (in another thread while the next read runs:
  surveys.responses.export); a value holding SEP makes that read fall back to plain rows (same result).
- `Columns` places each answer in its question's column by response, in response id order: the first answer
  by id wins for a value, every known option of the survey counts for a choice question (names in choice
  order, joined by spaces per response with an object reduceat).
- `responses` gives the survey's responses in export order (submitted_at, id), read as two aggregate strings
  and sorted by numpy, and `local_texts` their local times, vectorised, with the UTC offset looked up once
  per hour of responses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import BigInteger, Connection, String, bindparam, cast, func, select

from crm.core.timeutil import to_local
from surveys.models import Answer, Choice, Question, Response

SEP = "\x1e"  # ASCII record separator: between the values of one aggregate string
DENSE = 4  # SQLite scans the id range when it holds at most DENSE x (responses x questions) answers
MAX_QUESTION_SPAN = 100_000  # question ids further apart are read one question at a time
_HOUR = timedelta(hours=1)
_LAST = np.datetime64(datetime.max - timedelta(days=2), "us")  # local times need a day of room
Chunk = tuple[np.ndarray, np.ndarray, list[str], int, int]  # codes, choice ids, values, first question, span


def _bounds(connection: Connection) -> tuple[int | None, int | None]:
    """The lowest and highest answer id of the table (the two ends of its key: no scan)."""
    low, high = connection.execute(select(func.min(Answer.id), func.max(Answer.id))).one()
    return low, high


def _options(connection: Connection) -> tuple[int, int]:
    """(base, width): an answer's option id travels in its code as `option id - base` (1 .. width - 1; 0 for no
    option). From the ends of the option table's key (no scan), so every answer's option fits."""
    low, high = connection.execute(select(func.min(Choice.id), func.max(Choice.id))).one()
    return (0, 1) if low is None else (low - 1, high - low + 2)


def answer_chunks(connection: Connection, question_ids: list[int], keys: np.ndarray, span: int) -> Iterator[Read]:
    """The questions' answers to the responses `keys` (sorted ids), `span` answer ids at a time (`chunk` makes
    each Read a Chunk)."""
    low, high = _bounds(connection)
    if low is None:
        return
    sqlite = connection.dialect.name == "sqlite"
    base, width = _options(connection)
    first, responses = int(keys[0]), int(keys[-1]) - int(keys[0]) + 1
    together = max(question_ids) - min(question_ids) + 1
    if responses * width >= 2**62:  # codes would not fit in 64 bits: never with real ids
        raise OverflowError("response ids too far apart for the export")
    groups = [(min(question_ids), together)]
    if together > MAX_QUESTION_SPAN or responses * together * width >= 2**62:
        groups = [(qid, 1) for qid in question_ids]  # one read per question (codes stay small)
    # SQLite, when the table holds little besides this survey's answers: scan its id range in windows of
    # `span` answer ids ("+ 0": not through an index). Otherwise: windows of responses, read through the
    # index of (response, question).
    dense = sqlite and high - low < DENSE * len(keys) * len(question_ids)
    response = Answer.response_id + 0 if dense else Answer.response_id
    question = Answer.question_id + 0 if sqlite else Answer.question_id
    offset = (Answer.response_id if sqlite else cast(Answer.response_id, BigInteger)) - first
    code = ((offset * bindparam("together") + (Answer.question_id - bindparam("lowest"))) * width
            + func.coalesce(Answer.choice_id - base, 0))
    value = func.coalesce(Answer.value, "")
    where = (question.between(bindparam("lowest"), bindparam("highest")),
             response.between(bindparam("first"), bindparam("last")),
             Answer.id > bindparam("after"), Answer.id <= bindparam("until"))
    joined = []
    for expression, separator in ((code, ","), (value, SEP)):
        aggregate = func.aggregate_strings(expression if sqlite else cast(expression, String), separator)
        joined.append(aggregate if sqlite else aggregate.aggregate_order_by(Answer.id))
    strings = select(func.count(), *joined).where(*where)
    plain = select(code, value).where(*where).order_by(Answer.id)
    if dense:
        windows = [(after, after + span, first, int(keys[-1])) for after in range(low - 1, high, span)]
    else:
        step = max(1, span // len(question_ids))
        windows = [(low - 1, high, int(keys[k]), int(keys[min(k + step, len(keys)) - 1]))
                   for k in range(0, len(keys), step)]
    for after, until, first_key, last_key in windows:
        for lowest, together in groups:
            bounds = {"after": after, "until": until, "first": first_key, "last": last_key, "lowest": lowest,
                      "highest": lowest + together - 1, "together": together}
            count, codes, values = connection.execute(strings, bounds).one()
            if not count:
                continue
            if values.count(SEP) != count - 1:  # a value holds SEP: the same answers as rows
                rows = connection.execute(plain, bounds).all()
                yield Read(count, None, None, lowest, together, base, width, rows)
            else:
                yield Read(count, codes, values, lowest, together, base, width)


class Read(NamedTuple):
    """One read of answer_chunks: its aggregate strings, or (rarely) its rows; parsed by `chunk`."""

    count: int
    codes: str | None
    values: str | None
    lowest: int
    together: int
    base: int  # option id - base is in the code (_options)
    width: int
    rows: list | None = None


def chunk(read: Read) -> Chunk:
    """The arrays of one read (numpy parsing: no database access, so another thread may do it while the
    next read runs)."""
    if read.rows is not None:
        folded = np.array([row[0] for row in read.rows], dtype=np.int64)
        values = [row[1] for row in read.rows]
    else:
        folded = np.fromstring(read.codes, dtype=np.int64, sep=",")
        values = read.values.split(SEP)
    codes, options = np.divmod(folded, read.width)
    return codes, np.where(options > 0, options + read.base, 0), values, read.lowest, read.together


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(where each of `ids` is in `sorted_ids`, whether it is there at all)."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=np.intp), np.zeros(len(ids), dtype=bool)
    where = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return where, sorted_ids[where] == ids


class Columns:
    """One object array of cells per question, in the order of the survey's sorted response ids `keys`."""

    def __init__(self, questions: list[Question], keys: np.ndarray, choices: list[tuple[int, int, str]]):
        self.selects = [q.type in ("select_one", "select_multiple") for q in questions]
        self.places = keys - int(keys[0])  # response id - the first one, for each row
        self.row_of = None  # the row of each place, when that table is small (ids of other surveys between)
        if self.places[-1] < 8 * len(keys) + 65_536:
            self.row_of = np.full(int(self.places[-1]) + 1, -1, dtype=np.intp)
            self.row_of[self.places] = np.arange(len(keys))
        self.column_of = {q.id: k for k, q in enumerate(questions)}
        # any option of the survey counts for any of its choice questions (as it always did); no name, no option
        ranked = sorted((position, name, cid) for cid, position, name in choices if name)
        self.names = np.array([name for _, name, _ in ranked] or [""], dtype=object)
        self.choice_ids = np.array(sorted(cid for _, _, cid in ranked), dtype=np.int64)
        rank = {cid: r for r, (_, _, cid) in enumerate(ranked)}
        self.rank_of = np.array([rank[int(cid)] for cid in self.choice_ids] or [-1], dtype=np.intp)
        self.cells = [np.full(len(keys), "", dtype=object) for _ in questions]
        self.filled = [np.zeros(len(keys), dtype=bool) for _ in questions]
        self.chosen: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in questions]
        self.seen: dict[str, str] = {}

    def add(self, codes: np.ndarray, choice_ids: np.ndarray, values: list[str], lowest: int, together: int) -> None:
        """One Chunk of answer_chunks."""
        places = codes
        if self.row_of is not None:
            rows = self.row_of[places // together]
        else:
            where, known = _positions(self.places, places // together)
            rows = np.where(known, where, -1)
        lookup = np.full(together, -1, dtype=np.intp)
        for qid, k in self.column_of.items():
            if 0 <= qid - lowest < together:
                lookup[qid - lowest] = k
        columns = np.where(rows >= 0, lookup[places % together], -1)
        where, named = _positions(self.choice_ids, choice_ids)
        ranks = np.where(named, self.rank_of[where], -1)  # an answer without an option has the id 0: none
        texts = np.empty(len(codes), dtype=object)
        texts[:] = list(map(self.seen.setdefault, values, values))  # one object per distinct value
        for k in np.unique(columns[columns >= 0]).tolist():
            mine = columns == k
            if self.selects[k]:
                mine &= ranks >= 0
                self.chosen[k].append((rows[mine], ranks[mine]))
                continue
            answers = np.flatnonzero(mine)
            at = rows[answers]
            if len(at) > 1 and not (at[1:] > at[:-1]).all():  # a response answered twice: its first answer
                answers = answers[np.unique(at, return_index=True)[1]]
                at = rows[answers]
            first = ~self.filled[k][at]
            self.cells[k][at[first]] = texts[answers[first]]
            self.filled[k][at[first]] = True

    def column(self, k: int) -> np.ndarray:
        """The question's cells: the stored value, or its options' names in choice order joined by spaces."""
        if not self.selects[k] or not self.chosen[k]:
            return self.cells[k]
        rows = np.concatenate([rows for rows, _ in self.chosen[k]])
        ranks = np.concatenate([ranks for _, ranks in self.chosen[k]])
        cells = self.cells[k]
        if len(rows) and not (rows[1:] > rows[:-1]).all():  # several options for a response
            order = np.lexsort((ranks, rows))
            rows, names = rows[order], self.names[ranks[order]]
            starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
            spaced = np.add(" ", names)
            spaced[starts] = names[starts]
            cells[rows[starts]] = np.add.reduceat(spaced, starts)
        elif len(rows):
            cells[rows] = self.names[ranks]
        return cells


def responses(connection: Connection, survey_id: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(the survey's response ids, sorted; where each response in export order (submitted_at, id) is among
    them, or None when both orders agree; the submission instants, naive UTC datetime64[us], in export order).

    One row of two aggregate strings (ids, instants; the same rows in the same order), sorted by numpy: no
    Python object per response."""
    sqlite = connection.dialect.name == "sqlite"
    joined = [func.aggregate_strings(column if sqlite else cast(column, String), ",")
              for column in (Response.id, Response.submitted_at)]
    ids, stored = connection.execute(select(*joined).where(Response.survey_id == survey_id)).one()
    if not ids:
        return np.zeros(0, dtype=np.int64), None, np.zeros(0, dtype="datetime64[us]")
    keys = np.fromstring(ids, dtype=np.int64, sep=",")
    texts = stored.split(",")
    try:
        instants = np.array(texts, dtype="datetime64[us]")
    except ValueError:  # a stored form numpy does not read
        instants = np.array([datetime.fromisoformat(text).replace(tzinfo=None) for text in texts],
                            dtype="datetime64[us]")
    later, tied = instants[1:] > instants[:-1], instants[1:] == instants[:-1]
    ids = keys
    if not (later | (tied & (keys[1:] > keys[:-1]))).all():  # not read in export order (the index usually is)
        export_order = np.lexsort((keys, instants))
        instants, ids = instants[export_order], keys[export_order]
    if (ids[1:] > ids[:-1]).all():
        return ids, None, instants
    keys = np.sort(ids)
    return keys, np.searchsorted(keys, ids), instants


def _offset(at: datetime, tz: ZoneInfo) -> timedelta:
    """The UTC offset of `tz` at the naive UTC instant `at`."""
    return at.replace(tzinfo=UTC).astimezone(tz).utcoffset() or timedelta(0)


def local_texts(instants: np.ndarray, tz: ZoneInfo) -> list[str]:
    """crm.core.timeutil.to_local(at, tz).isoformat() for naive UTC datetime64[us] instants.

    For ascending instants the UTC offset is looked up at the start and end of each hour that holds some:
    when both agree no transition lies between (no time zone changes its offset twice within an hour), so the
    hour's instants are shifted and formatted by numpy; in an hour with a transition each instant is looked up.
    """
    if not len(instants):
        return []
    if not (instants[1:] >= instants[:-1]).all() or instants[-1] > _LAST or instants[0] < np.datetime64("0002-01-01"):
        return [to_local(at, tz).isoformat() for at in instants.tolist()]
    hours = instants.astype("datetime64[h]")
    starts = np.flatnonzero(np.concatenate(([True], hours[1:] != hours[:-1])))
    previous = None
    hourly, changes, end = [], [], None  # each hour's offset; the hours with a transition
    for index, hour in enumerate(hours[starts].astype("datetime64[us]").tolist()):
        begin = end if previous == hour else _offset(hour, tz)
        previous, end = hour + _HOUR, _offset(hour + _HOUR, tz)
        hourly.append(begin)
        if begin != end:
            changes.append(index)
    shifts = np.repeat(np.array(hourly, dtype="timedelta64[us]"), np.diff([*starts.tolist(), len(instants)]))
    for index in changes:  # each instant of those hours by itself
        start, stop = starts[index], (starts[index + 1] if index + 1 < len(starts) else len(instants))
        shifts[start:stop] = [_offset(at, tz) for at in instants[start:stop].tolist()]
    offsets, which = np.unique(shifts, return_inverse=True)
    return _iso_texts(instants + shifts, [_suffix(offset) for offset in offsets.tolist()], which.ravel())


def _iso_texts(local: np.ndarray, suffixes: list[str], which: np.ndarray) -> list[str]:
    """datetime.isoformat() of naive datetime64[us] instants of years 1-9999, each followed by suffixes[which]:
    ASCII digits written by columns into one byte table, padding NULs removed, split once."""
    days, months, years = (local.astype(unit) for unit in ("datetime64[D]", "datetime64[M]", "datetime64[Y]"))
    micro = (local - days).astype(np.int64)
    seconds, fraction = np.divmod(micro, 1_000_000)
    fields = ((0, 4, years.astype(np.int64) + 1970), (5, 2, (months - years).astype(np.int64) + 1),
              (8, 2, (days - months).astype(np.int64) + 1), (11, 2, seconds // 3600), (14, 2, seconds // 60 % 60),
              (17, 2, seconds % 60), (20, 6, fraction))
    width = 27 + max(map(len, suffixes))
    table = np.zeros((len(local), width), dtype=np.uint8)
    for column, text in ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, ".")):
        table[:, column] = ord(text)
    for start, digits, value in fields:
        for place in range(digits):
            table[:, start + digits - 1 - place] = value // 10**place % 10 + 48
    table[fraction == 0, 19:26] = 0  # no fraction: isoformat leaves out ".000000"
    ends = np.zeros((len(suffixes), width - 26), dtype=np.uint8)
    for index, suffix in enumerate(suffixes):
        ends[index, :len(suffix)] = np.frombuffer(suffix.encode("ascii"), dtype=np.uint8)
    table[:, 26:-1] = ends[which, :-1]
    table[:, -1] = ord(SEP)
    return table.tobytes().replace(b"\0", b"").decode("ascii").split(SEP)[:-1]


def _suffix(offset: timedelta) -> str:
    """The UTC offset as datetime.isoformat writes it ("-06:00", "+05:45", "-07:48:04")."""
    return datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[19:]
