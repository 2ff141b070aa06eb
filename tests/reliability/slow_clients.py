"""Slow clients must never hold the site: a reusable check, run against gunicorn here
(tests/reliability/test_slow_clients.py) and through nginx elsewhere.

    report = check_slow_clients(base_url, form_path, answers)

`base_url` is `http://HOST:PORT` of the server to test, `form_path` a respondent form that accepts POSTs
(`/r/<open token>`), `answers` the (name, value) pairs of a valid submission of that form. The check opens
`slow_clients` raw connections (more than any worker count: 8 by default) that send a POST's headers to
`form_path` and then its body at `rate` bytes per second, and holds them for the whole check. Meanwhile it
makes `rounds` ordinary visits: a GET of the form (200, with a CSRF token and a submission key) and a POST of
the filled form with them (303 to the thank-you page), each timed, each required to answer within `bound`
seconds (a generous bound: nothing here measures speed). It raises AssertionError with the timings when a
visit is slow, fails or answers another status, or when the server dropped a slow connection before the
end (then the check would prove nothing); otherwise it returns a SlowClientReport.

Keyword arguments: slow_clients=8, rate=1.0 (bytes/s), rounds=8, bound=5.0 (s), pause=0.5 (s between
rounds), warmup=2.0 (s of trickling before the first visit), host=None (a Host header for name-based
virtual hosts; the connection still goes to base_url's address), ssl_context=None (an ssl.SSLContext: speak
HTTPS, e.g. to nginx with the test's own certificate).
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie


@dataclass
class SlowClientReport:
    slow_clients: int
    held: int  # slow connections still open and sending at the end
    timings: list[tuple[str, int, float]] = field(default_factory=list)  # (method, status, seconds)

    @property
    def slowest(self) -> float:
        return max((seconds for _, _, seconds in self.timings), default=0.0)

    def describe(self) -> str:
        lines = [f"{method} {status} {seconds:.3f} s" for method, status, seconds in self.timings]
        return f"{self.held}/{self.slow_clients} slow connections held; visits:\n  " + "\n  ".join(lines)


class _Trickle:
    """Slow POSTs to `path`: headers at once, then the body one byte every 1/rate seconds (one thread)."""

    def __init__(self, address: tuple[str, int], host: str, path: str, count: int, rate: float,
                 ssl_context: ssl.SSLContext | None = None):
        self.body = urllib.parse.urlencode(
            [("csrf_token", "x" * 64), ("_lang", "es"), ("comentario", "lento " * 200)]).encode()
        self.head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n").encode()
        self.interval = 1.0 / rate
        self.sockets: list[socket.socket] = []
        self.failed: dict[int, str] = {}
        self._stop = threading.Event()
        for _ in range(count):
            sock = socket.create_connection(address, timeout=10)
            if ssl_context is not None:
                sock = ssl_context.wrap_socket(sock, server_hostname=address[0])
            sock.sendall(self.head)
            self.sockets.append(sock)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sent = 0
        while not self._stop.wait(self.interval) and sent < len(self.body) - 1:  # never the last byte
            for number, sock in enumerate(self.sockets):
                if number in self.failed:
                    continue
                try:
                    sock.sendall(self.body[sent:sent + 1])
                except OSError as error:
                    self.failed[number] = f"{type(error).__name__}: {error}"
            sent += 1

    def held(self) -> int:
        """Connections the server has neither closed nor answered (a peek must find nothing to read)."""
        count = 0
        for number, sock in enumerate(self.sockets):
            if number in self.failed:
                continue
            try:
                sock.setblocking(False)
                data = self._peek(sock)
                if data == b"":
                    self.failed[number] = "closed by the server"
                    continue
                self.failed[number] = "answered before its body arrived"
            except BlockingIOError:
                count += 1
            except OSError as error:
                self.failed[number] = f"{type(error).__name__}: {error}"
            finally:
                sock.setblocking(True)
        return count

    @staticmethod
    def _peek(sock: socket.socket) -> bytes:
        """A byte the server sent, if any (BlockingIOError when none). A TLS socket cannot peek: it reads, which
        is harmless in held(), the last look before close()."""
        if isinstance(sock, ssl.SSLSocket):
            if not sock.pending() and not select.select([sock], [], [], 0)[0]:
                raise BlockingIOError
            try:
                return sock.recv(1)
            except ssl.SSLWantReadError:  # only TLS housekeeping arrived (TLS 1.3 session tickets)
                raise BlockingIOError from None
        return sock.recv(1, socket.MSG_PEEK)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass


def _visit(address: tuple[str, int], host: str, method: str, path: str, cookies: dict, timeout: float,
           body: bytes | None = None, ssl_context: ssl.SSLContext | None = None) -> tuple[int, str, float]:
    headers = {"Host": host}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.monotonic()
    connection = (http.client.HTTPSConnection(*address, timeout=timeout, context=ssl_context) if ssl_context
                  else http.client.HTTPConnection(*address, timeout=timeout))
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            cookies.update({name: morsel.value for name, morsel in cookie.items()})
        return response.status, text, time.monotonic() - started
    finally:
        connection.close()


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]+)"', html) or \
        re.search(rf'value="([^"]+)"[^>]*name="{re.escape(name)}"', html)
    if not match:
        raise AssertionError(f"the form has no {name} field")
    return match.group(1)


def check_slow_clients(base_url: str, form_path: str, answers: list[tuple[str, str]], *, slow_clients: int = 8,
                       rate: float = 1.0, rounds: int = 8, bound: float = 5.0, pause: float = 0.5,
                       warmup: float = 2.0, host: str | None = None,
                       ssl_context: ssl.SSLContext | None = None) -> SlowClientReport:
    parts = urllib.parse.urlsplit(base_url)
    address = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
    host = host or parts.netloc
    trickle = _Trickle(address, host, form_path, slow_clients, rate, ssl_context)
    report = SlowClientReport(slow_clients=slow_clients, held=0)
    problems: list[str] = []
    try:
        time.sleep(warmup)  # the slow connections are accepted and well into their bodies
        for number in range(rounds):
            cookies: dict[str, str] = {}
            try:
                status, html, seconds = _visit(address, host, "GET", form_path, cookies, bound + 5,
                                               ssl_context=ssl_context)
                report.timings.append(("GET", status, seconds))
                if status != 200:
                    problems.append(f"round {number}: GET answered {status}")
                    continue
                body = urllib.parse.urlencode([("csrf_token", _field(html, "csrf_token")), ("_lang", "es"),
                                               ("_clave", _field(html, "_clave")), *answers]).encode()
                status, _, seconds = _visit(address, host, "POST", form_path, cookies, bound + 5, body,
                                            ssl_context=ssl_context)
                report.timings.append(("POST", status, seconds))
                if status != 303:
                    problems.append(f"round {number}: POST answered {status}, not 303")
            except OSError as error:  # a timeout included: the site did not answer
                report.timings.append(("ERROR", 0, bound + 5))
                problems.append(f"round {number}: {type(error).__name__}: {error}")
            if len(problems) >= 3:
                break  # the site is held: no need to wait out every round
            time.sleep(pause)
        report.held = trickle.held()
    finally:
        trickle.close()
    slow = [t for t in report.timings if t[2] > bound]
    if slow:
        problems.append(f"{len(slow)} visits took longer than {bound} s")
    if report.held < slow_clients:
        problems.append(f"the server dropped slow connections, so they held nothing: {trickle.failed}")
    if problems:
        raise AssertionError("slow clients held the site:\n" + "\n".join(problems) + "\n" + report.describe())
    return report
