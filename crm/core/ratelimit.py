"""A rate-limit store that every worker process of one machine shares: a SQLite file (`limits`' storage
interface, registered under the scheme `vinculo-sqlite`, e.g. `vinculo-sqlite:////srv/vinculo/limits.db`).

Flask-Limiter's `memory://` counts in each process, so with two gunicorn workers every limit doubled
(the security probe answered 9 of 14 log-in attempts before the limit of 5). Redis is the store for several
machines; this file is the default for one (create_app puts it in the instance folder), with no server to
run. It implements the fixed window (`incr`/`get`) and the moving window (`acquire_entry`/
`get_moving_window`) the application uses. Each change runs in one `BEGIN IMMEDIATE` transaction, so two
processes never both take the last place in a window. The file is apart from the application's database,
so a long write there never delays a limit check. One connection per process (opened again after a fork),
used under a lock: greenlets and threads of a process take turns; the statements are short.

The keys name addresses and typed e-mails (`.../203.0.113.7/cuenta:...`): the file stores only a salted
SHA-256 of each key (the salt is random, kept in the file), and entries older than a day are swept at
least every ten minutes, so nothing personal stays readable or lingers there.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from limits.storage import MovingWindowSupport, Storage

SCHEME = "vinculo-sqlite"
_DDL = (
    "CREATE TABLE IF NOT EXISTS hit (key TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS hit_key_at ON hit (key, at)",
    "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS salt (value TEXT NOT NULL)",
)
_SWEEP_SECONDS = 600.0  # at most this long between sweeps of entries older than a day
_DAY = 86_400.0


def storage_uri(path: str | Path) -> str:
    return f"{SCHEME}:///{Path(path).resolve()}"


class SqliteStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        parsed = urlparse(uri)
        self.path = unquote(parsed.path)
        if not self.path or self.path == "/":
            raise ValueError(f"{SCHEME}: falta la ruta del archivo: {uri!r}")
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._swept_at = 0.0
        self._salt = b""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        if self._connection is None or self._pid != os.getpid():
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            for statement in _DDL:
                connection.execute(statement)
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute("SELECT value FROM salt").fetchone()
            if row is None:
                row = (secrets.token_hex(16),)
                connection.execute("INSERT INTO salt (value) VALUES (?)", row)
            connection.execute("COMMIT")
            self._salt = row[0].encode()
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _key(self, key: str) -> str:
        """What the file stores for a limit's key: a salted hash (the key names addresses and e-mails)."""
        return hashlib.sha256(self._salt + key.encode("utf-8", "surrogatepass")).hexdigest()

    def _write(self, work):
        """Run `work(connection)` in one immediate transaction (the file's write lock held throughout)."""
        with self._lock:
            connection = self._db()
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

    # --- fixed window ---------------------------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        def work(connection):
            key_ = self._key(key)
            now = time.time()
            row = connection.execute("SELECT count, expires_at FROM counter WHERE key = ?", (key_,)).fetchone()
            if row is None or row[1] <= now:
                count, expires = amount, now + expiry
            else:
                count, expires = row[0] + amount, row[1]
            connection.execute("INSERT INTO counter (key, count, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) "
                               "DO UPDATE SET count = excluded.count, expires_at = excluded.expires_at",
                               (key_, count, expires))
            return count

        return self._write(work)

    def get(self, key: str) -> int:
        with self._lock:
            connection = self._db()
            row = connection.execute("SELECT count FROM counter WHERE key = ? AND expires_at > ?",
                                     (self._key(key), time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            connection = self._db()
            row = connection.execute("SELECT expires_at FROM counter WHERE key = ?", (self._key(key),)).fetchone()
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self._lock:
                self._db().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        def work(connection):
            removed = connection.execute("DELETE FROM hit").rowcount
            return removed + connection.execute("DELETE FROM counter").rowcount

        return self._write(work)

    def clear(self, key: str) -> None:
        def work(connection):
            connection.execute("DELETE FROM hit WHERE key = ?", (self._key(key),))
            connection.execute("DELETE FROM counter WHERE key = ?", (self._key(key),))

        self._write(work)

    # --- moving window --------------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False

        def work(connection):
            key_, now = self._key(key), time.time()
            if now - self._swept_at > _SWEEP_SECONDS:
                connection.execute("DELETE FROM hit WHERE at < ?", (now - _DAY,))
                connection.execute("DELETE FROM counter WHERE expires_at < ?", (now,))
                self._swept_at = now
            connection.execute("DELETE FROM hit WHERE key = ? AND at < ?", (key_, now - expiry))
            (count,) = connection.execute("SELECT count(*) FROM hit WHERE key = ?", (key_,)).fetchone()
            if count + amount > limit:
                return False
            connection.executemany("INSERT INTO hit (key, at) VALUES (?, ?)", [(key_, now)] * amount)
            return True

        return self._write(work)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self._lock:
            connection = self._db()
            oldest, count = connection.execute("SELECT min(at), count(*) FROM hit WHERE key = ? AND at >= ?",
                                               (self._key(key), now - expiry)).fetchone()
        return (oldest, count) if count else (now, 0)
