"""The acceptance crawl: from the home page, every same-site link an administrator can follow (GET only),
each page checked with `pagechecks` and axe-core; every failure collected, none stops the crawl."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

from tests.e2e_staff.conftest import PHONE_VIEWPORT, STAFF_VIEWPORT
from tests.e2e_staff.pagechecks import sideways_scroll, table_problems, visible_raw_values

VISITS_PER_PATTERN = 2  # /contactos/3 and /contactos/7 are one pattern: two of them are enough
MAX_PAGES = 400
DOWNLOAD_PATH = re.compile(r"\.(?:pdf|xlsx|csv|svg|yaml|zip|json)$|/(?:descargar|archivo|documento)$")
NEVER = re.compile(r"^/(?:salir|static/)")  # log-out is a POST anyway; static files are no pages

LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"


@dataclass
class Failure:
    url: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.url}  [{self.check}]  {self.detail}"


@dataclass
class Crawl:
    base_url: str
    axe_check: object
    failures: list[Failure] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    _patterns: Counter = field(default_factory=Counter)
    _seen: set[str] = field(default_factory=set)
    _axed: set[str] = field(default_factory=set)

    def fail(self, url: str, check: str, detail: str) -> None:
        self.failures.append(Failure(url.removeprefix(self.base_url), check, detail))

    def run(self, page, start: str = "/", also: tuple[str, ...] = ()) -> None:
        """From `start`, breadth first; `also`: pages reachable from it that must be among the few visits of
        their pattern (e.g. the person page that shows every kind of participation)."""
        queue = [(self.base_url + start, "(inicio)")] + [(self.base_url + path, "(semilla)") for path in also]
        while queue and len(self.visited) < MAX_PAGES:
            url, referrer = queue.pop(0)
            for link in self.visit(page, url, referrer):
                queue.append((link, url))

    def _admit(self, url: str) -> bool:
        """A same-site page not seen yet, whose pattern has had fewer than VISITS_PER_PATTERN visits."""
        url = urldefrag(url).url
        parts = urlsplit(url)
        if not url.startswith(self.base_url) or NEVER.match(parts.path) or url in self._seen:
            return False
        self._seen.add(url)
        key = pattern(url)
        self._patterns[key] += 1
        return self._patterns[key] <= VISITS_PER_PATTERN

    def visit(self, page, url: str, referrer: str) -> list[str]:
        if not self._admit(url):
            return []
        if DOWNLOAD_PATH.search(urlsplit(url).path):
            return self.download(page, url, referrer)
        try:
            response = page.goto(url)
        except Exception as error:  # noqa: BLE001  (a download, or a page that never loads: both reported)
            if "Download is starting" in str(error):
                return self.download(page, url, referrer)
            self.fail(url, "carga", f"{type(error).__name__}: {str(error).splitlines()[0]} (enlace en {referrer.removeprefix(self.base_url)})")
            return []
        if response is not None and response.status < 400 and \
                not response.headers.get("content-type", "").startswith("text/html"):
            self.downloads.append(url)  # a file the browser shows itself (an image, a text file): no page to check
            return []
        self.visited.append(url)
        if response is None or response.status >= 400:
            status = response.status if response else "sin respuesta"
            self.fail(url, "respuesta", f"HTTP {status} (enlace en {referrer.removeprefix(self.base_url)})")
            return []
        self.check_page(page, url)
        return [link for link in page.evaluate(LINKS_JS) if link.startswith(self.base_url)]

    def download(self, page, url: str, referrer: str) -> list[str]:
        """A file link: it must answer; a large export answers with its status page, which is checked too."""
        response = page.context.request.get(url)
        self.downloads.append(url)
        if response.status >= 400:
            self.fail(url, "descarga", f"HTTP {response.status} (enlace en {referrer.removeprefix(self.base_url)})")
        elif response.headers.get("content-type", "").startswith("text/html") and response.url != url:
            return self.visit(page, response.url, url)
        return []

    def check_page(self, page, url: str) -> None:
        key = pattern(url)
        if key not in self._axed:
            self._axed.add(key)
            for violation in self.axe_check(page):
                self.fail(url, "axe", f"{violation['impact']} {violation['id']}: {violation['help']} en "
                          f"{', '.join(violation['nodes'][:3])}")
        for raw in sorted(set(visible_raw_values(page))):
            self.fail(url, "texto", raw)
        for size, label in ((STAFF_VIEWPORT, "1280"), (PHONE_VIEWPORT, "teléfono")):
            if size is PHONE_VIEWPORT:
                page.set_viewport_size(PHONE_VIEWPORT)
            for problem in table_problems(page):
                self.fail(url, f"tabla {label}", problem)
            wide = sideways_scroll(page)
            if wide:
                self.fail(url, f"ancho {label}", wide)
        page.set_viewport_size(STAFF_VIEWPORT)


def pattern(url: str) -> str:
    """/contactos/12?pagina=3&anio=2025 -> '/contactos/N?anio&pagina': one pattern for many records."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$)", "/TOKEN", path)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(names) if names else "")
