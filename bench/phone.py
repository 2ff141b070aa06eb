"""Benchmark: a survey as a phone on a poor connection sees it (issue 13), against a 1 KB static page.

    .venv/bin/python -m bench.phone             # 3 runs per network profile
    .venv/bin/python -m bench.phone --quick     # 1 run per profile

1. builds the schema with the real migrations and one open survey of eight questions (three required);
2. platform: `gunicorn -c gunicorn.conf.py -w 1 wsgi:app` (the project's server settings when the file is
   there, else gunicorn's defaults; the production configuration: CSRF and rate limits on);
3. floor: this module's `floor_app()`, a plain WSGI app in the same gunicorn configuration serving a static
   page of 1 KB (a form with one field) that posts to itself and redirects (303) to a 1 KB thank-you page;
4. Chromium (/usr/bin/chromium through Playwright, the flags of tests/e2e), a phone viewport, a fresh
   context (empty cache) per run, and the network emulated through the DevTools protocol
   (`Network.emulateNetworkConditions`) with DevTools' own figures:
   - slow3g: DevTools' "Slow 3G" preset (devtools-frontend, front_end/core/sdk/NetworkManager.ts,
     `Slow3GConditions`): 500 kbit/s x 0.8 down and up (50,000 B/s), latency 400 ms x 5 = 2,000 ms;
   - 2g: DevTools' former "Regular 2G" preset (still Firefox DevTools' "Regular 2G"): 250 kbit/s down
     (31,250 B/s), 50 kbit/s up (6,250 B/s), latency 300 ms.
   Chromium applies the latency to every request (not to connections) and the throughput to its bytes.

Figures, from the page's own Navigation and Paint Timing (so no protocol round trip is counted):
- `phone_<profile>_form`: time to a usable form, from the start of the navigation to the later of the
  first contentful paint (the stylesheet blocks it) and the end of DOMContentLoaded (the form is there and
  takes input); the floor's is the same for the 1 KB page. The record also has the bytes on the wire
  (`encodedDataLength` of every request, headers included) and the number of requests of the first view.
- `phone_<profile>_thanks`: time to the thank-you page after pressing "Enviar respuestas" (three answers
  given), from the start of the POST's navigation to the same two events on the thank-you page
  (POST, 303, GET); the floor's is the same POST, 303 and GET on the 1 KB pages.

Output: `name platform floor ratio` (seconds; the ratio is how many times longer the platform takes) and a
JSON line per figure. A page needs two round trips (the page, then its stylesheet) where the 1 KB page
needs one: under a latency-dominated profile a ratio near 2 is the floor of any page with a stylesheet.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import (
    ROOT,
    VENV_BIN,
    SqliteSchema,
    free_port,
    make_app,
    note,
    result,
    skipped,
    stop_process,
    wait_for_port,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]  # as tests/e2e/conftest.py
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2, "locale": "es-MX"}
PROFILES = {
    "slow3g": {"latency": 400 * 5, "downloadThroughput": 500 * 1000 / 8 * 0.8,
               "uploadThroughput": 500 * 1000 / 8 * 0.8},
    "2g": {"latency": 300, "downloadThroughput": 250 * 1000 / 8, "uploadThroughput": 50 * 1000 / 8},
}
TOKEN = "bench-phone-open-link"
FLOOR_PATH = "/piso"
REQUIRED = ("satisfaccion", "organizacion", "recomendaria")
TIMEOUT_MS = 120_000

USABLE_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  if (!nav || !paint || !nav.domContentLoadedEventEnd) return null;
  return Math.max(paint.startTime, nav.domContentLoadedEventEnd) / 1000;
}"""


# --- the floor: a static 1 KB page and its thank-you page --------------------------------------------------


def _page(title: str, body: str) -> bytes:
    html = (f'<!doctype html><html lang="es"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{title}</title></head><body><main>'
            f"<h1>{title}</h1>{body}<p>")
    tail = "</p></main></body></html>"
    filler = 1024 - len(html.encode()) - len(tail)
    return (html + "Texto de relleno. " * (filler // 18) + "." * (filler % 18) + tail).encode()


FLOOR_FORM = _page("Encuesta", f'<form method="post" action="{FLOOR_PATH}"><label for="c">Comentario</label>'
                               '<input id="c" name="c"><button type="submit">Enviar respuestas</button></form>')
FLOOR_THANKS = _page("Gracias por responder", "<p>Su respuesta quedó registrada.</p>")


def floor_app():
    """gunicorn 'bench.phone:floor_app()': GET /piso (1 KB form), POST /piso -> 303, GET /piso/gracias (1 KB)."""

    def app(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == FLOOR_PATH and method == "POST":
            environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            start_response("303 See Other", [("Location", f"{FLOOR_PATH}/gracias"), ("Content-Length", "0")])
            return [b""]
        body = {FLOOR_PATH: FLOOR_FORM, f"{FLOOR_PATH}/gracias": FLOOR_THANKS}.get(path)
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [body]

    return app


# --- the platform ------------------------------------------------------------------------------------------


def create_survey(url: str) -> None:
    from crm.core.extensions import db
    from surveys.models import Choice, Question, Survey

    app = make_app(url)
    with app.app_context():
        survey = Survey(code="bench_phone", form_id="bench_phone", title="Jornada de observación",
                        titles={"es": "Jornada de observación", "en": "Observation day"},
                        open_token=TOKEN, state="open", languages=["es", "en"], year=2025)
        specs = [
            ("select_one", "satisfaccion", "¿Cómo califica la jornada?", ["Muy buena", "Buena", "Regular", "Mala"]),
            ("select_one", "organizacion", "¿La organización fue adecuada?", ["Sí", "No", "No sé"]),
            ("select_one", "recomendaria", "¿Recomendaría participar?", ["Sí", "No"]),
            ("select_multiple", "temas", "¿Qué temas le interesan?",
             ["Participación", "Transparencia", "Inclusión", "Seguridad"]),
            ("integer", "edad", "Edad", []), ("decimal", "horas", "Horas dedicadas", []),
            ("date", "fecha_asistencia", "Fecha de asistencia", []), ("text", "comentario", "Comentarios", []),
        ]
        for position, (qtype, name, label, choices) in enumerate(specs):
            question = Question(position=position, type=qtype, name=name, required=name in REQUIRED,
                                labels={"es": label, "en": label})
            for cpos, choice in enumerate(choices):
                question.choices.append(Choice(position=cpos, name=f"{name}_{cpos}", labels={"es": choice, "en": choice}))
            survey.questions.append(question)
        db.session.add(survey)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class Server:
    """gunicorn with the project's gunicorn.conf.py when there is one, one worker, on 127.0.0.1:port."""

    def __init__(self, app_spec: str, env: dict, log: Path):
        self.port = free_port()
        self._log = log.open("w")
        config = ["-c", str(ROOT / "gunicorn.conf.py")] if (ROOT / "gunicorn.conf.py").exists() else []
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), *config, "-w", "1", "-b", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "--access-logfile", "/dev/null", app_spec],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, self.process)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


# --- one visit in Chromium ---------------------------------------------------------------------------------


def _usable_seconds(page) -> float:
    page.wait_for_function(USABLE_JS, timeout=TIMEOUT_MS)
    return float(page.evaluate(USABLE_JS))


def visit(browser, base: str, profile: dict, *, floor: bool) -> dict:
    """A fresh phone context: load the form, answer, submit; times and the first view's bytes and requests."""
    context = browser.new_context(base_url=base, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
        wire = {"bytes": 0, "requests": 0, "urls": []}

        def sent(event):
            if event["request"]["url"].startswith(base):  # not data: URLs (images inside the stylesheet)
                wire["requests"] += 1
                wire["urls"].append(event["request"]["url"].removeprefix(base))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", lambda event: wire.update(bytes=wire["bytes"] + event["encodedDataLength"]))
        page.goto(FLOOR_PATH if floor else f"/r/{TOKEN}", wait_until="load")
        form_s = _usable_seconds(page)
        page.wait_for_timeout(300)  # a late request (the icon) still counts in the first view
        first_view = dict(wire, urls=list(wire["urls"]))
        if floor:
            page.fill("#c", "Todo bien")
        else:
            for name in REQUIRED:
                page.locator(f"input[type=radio][name$='{name}']").first.check()
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="Enviar respuestas").click()
        thanks_s = _usable_seconds(page)
        heading = page.locator("h1").inner_text()
        if "Gracias" not in heading:
            raise RuntimeError(f"after submitting, the page says {heading!r}, not the thank-you page")
        return {"form_s": form_s, "thanks_s": thanks_s, "bytes": first_view["bytes"],
                "requests": first_view["requests"], "urls": first_view["urls"]}
    finally:
        context.close()


# --- the run -----------------------------------------------------------------------------------------------


def run(runs: int, folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{SqliteSchema(folder).fresh('phone')}"
    create_survey(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TEST_DATABASE_URL"))}
    env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "CRM_INSTANCE_PATH": str(folder),
            "CRM_TIMEZONE": "America/Mexico_City", "RATELIMIT_ENABLED": "1", "RATELIMIT_STORAGE_URI": "memory://",
            "PYTHONPATH": str(ROOT)}
    servers = []
    try:
        servers.append(Server("wsgi:app", env, folder / "gunicorn-platform.log"))
        servers.append(Server("bench.phone:floor_app()", env, folder / "gunicorn-floor.log"))
        bases = {"platform": f"http://127.0.0.1:{servers[0].port}", "floor": f"http://127.0.0.1:{servers[1].port}"}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                for name, profile in PROFILES.items():
                    measure_profile(browser, bases, name, profile, runs)
            finally:
                browser.close()
    finally:
        for server in servers:
            server.stop()


def measure_profile(browser, bases: dict, name: str, profile: dict, runs: int) -> None:
    visit(browser, bases["platform"], {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
          floor=False)  # warm-up: the workers' first requests (imports, caches) are not the network's
    seen: dict[str, list[dict]] = {"platform": [], "floor": []}
    for number in range(runs):
        for side in (("platform", "floor") if number % 2 == 0 else ("floor", "platform")):
            seen[side].append(visit(browser, bases[side], profile, floor=side == "floor"))
        last = seen["platform"][-1]
        note(f"phone {name} run {number + 1}: form {last['form_s']:.2f} s (floor {seen['floor'][-1]['form_s']:.2f}), "
             f"thanks {last['thanks_s']:.2f} s (floor {seen['floor'][-1]['thanks_s']:.2f}), "
             f"{last['bytes']} bytes in {last['requests']} requests: {' '.join(last['urls'])}")

    def med(side: str, key: str) -> float:
        return statistics.median(v[key] for v in seen[side])

    common = {"runs": runs, "profile": name, "latency_ms": profile["latency"],
              "download_Bps": profile["downloadThroughput"], "upload_Bps": profile["uploadThroughput"]}
    platform = seen["platform"][-1]
    result(f"phone_{name}_form", med("platform", "form_s"), med("floor", "form_s"), "s", higher_is_better=False,
           first_view_bytes=platform["bytes"], first_view_requests=platform["requests"],
           first_view_urls=platform["urls"], floor_bytes=seen["floor"][-1]["bytes"],
           platform_runs=[round(v["form_s"], 3) for v in seen["platform"]],
           floor_runs=[round(v["form_s"], 3) for v in seen["floor"]], **common)
    result(f"phone_{name}_thanks", med("platform", "thanks_s"), med("floor", "thanks_s"), "s",
           higher_is_better=False, platform_runs=[round(v["thanks_s"], 3) for v in seen["platform"]],
           floor_runs=[round(v["thanks_s"], 3) for v in seen["floor"]], **common)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per profile (a smoke run)")
    parser.add_argument("--runs", type=int, help="runs per profile, platform and floor alternating (default 3)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        skipped("phone", f"{CHROMIUM} not found (apt-get install chromium)")
        return 0
    try:
        import playwright  # noqa: F401
    except ImportError:
        skipped("phone", "the playwright Python package is missing (pip install -e '.[test]')")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-phone-") as folder:
        run(args.runs or (1 if args.quick else 3), Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
