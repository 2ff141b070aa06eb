"""The respondent's first view on a poor connection (issue 13): at most 30,000 bytes on the wire and at most
4 requests (page, stylesheet, optional script, icon), static assets compressed and cached for a year under
fingerprinted URLs, and a respondent stylesheet that is what scripts/respondent-css builds from the vendored
Bootstrap (regenerated here and compared with the committed file)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import missing_dependency
from tests.factories import make_person
from tests.surveys_public.conftest import RICH_QUESTIONS
from tests.surveys_public.helpers import invite

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "scripts" / "respondent-css"
BUDGET_BYTES = 30_000
BUDGET_REQUESTS = 4
YEAR = 31_536_000
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd", "Accept-Language": "es-MX,es;q=0.9"}


class Assets(HTMLParser):
    """Every URL the browser fetches on its own when it renders the page: stylesheets, icons, scripts, images."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and set((attrs.get("rel") or "").split()) & {"stylesheet", "icon", "preload"}:
            self.urls.append(attrs["href"])
        elif tag in ("script", "img", "iframe") and attrs.get("src"):
            self.urls.append(attrs["src"])


def wire_bytes(response) -> int:
    """Status line, headers and body as sent: what a phone downloads for this request."""
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
    return len(head.encode("latin-1")) + len(response.get_data()) + 2


def first_view(client, url: str) -> tuple[list[tuple[str, object]], object]:
    page = client.get(url, headers=BROWSER)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True) if "Content-Encoding" not in page.headers else _plain(page)
    assets = [(asset, client.get(asset, headers=BROWSER)) for asset in Assets(html).urls]
    return [(url, page), *assets], html


def _plain(response) -> str:
    from flask_compress.flask_compress import _uncompress_data

    return _uncompress_data(response.get_data(), response.headers["Content-Encoding"]).decode()


@pytest.fixture
def respondent_urls(app):
    from tests.factories import make_survey

    survey = make_survey(questions=RICH_QUESTIONS, state="open", titles={"es": "Evaluación del taller",
                                                                       "en": "Workshop evaluation"})
    invitation = invite(survey, make_person())
    with_logic = make_survey(questions=LOGIC_QUESTIONS, state="open")
    # a repeat and a geopoint too: still one script (survey-logic.js holds the repeats and location parts)
    with_all = make_survey(questions=[*LOGIC_QUESTIONS,
                                      {"type": "begin_repeat", "name": "miembro", "labels": {"es": "Miembro"}},
                                      {"type": "text", "name": "nombre", "labels": {"es": "Nombre"}},
                                      {"type": "end_repeat"},
                                      {"type": "geopoint", "name": "lugar", "labels": {"es": "Lugar"}}],
                           state="open")
    return {"personal link": f"/r/{invitation.token}", "open link": f"/r/{survey.open_token}",
            "english": f"/r/{survey.open_token}?lang=en", "privacy notice": "/aviso-de-privacidad",
            "form with logic (and survey-logic.js)": f"/r/{with_logic.open_token}",
            "form with logic, a repeat and a geopoint": f"/r/{with_all.open_token}"}


def _logic_questions() -> list[dict]:
    """RICH_QUESTIONS with skip logic, a constraint and a calculation: the page loads survey-logic.js."""
    from surveys.logic.expressions import compile_expression

    def expr(src: str) -> dict:
        return {"src": src, "tree": compile_expression(src)}

    logic = {"temas": {"relevant": expr("${calidad} != 'mala'")},
             "edad": {"constraint": expr(". >= 18 and . < 120"),
                      "constraint_message": {"es": "Escriba una edad entre 18 y 119.", "en": "Write an age from 18 to 119."}},
             "horas": {"relevant": expr("${edad} >= 18")}}
    questions = [{**q, "logic": logic[q["name"]]} if q.get("name") in logic else q for q in RICH_QUESTIONS]
    return [*questions, {"type": "calculate", "name": "total", "logic": {"calculation": expr("${horas} * 60")}}]


LOGIC_QUESTIONS = _logic_questions()


def test_first_view_fits_the_budget(client, respondent_urls):
    report = []
    for name, url in respondent_urls.items():
        requests, _html = first_view(client, url)
        total = sum(wire_bytes(response) for _, response in requests)
        report.append(f"{name}: {total} bytes in {len(requests)} requests: "
                      + ", ".join(f"{u} {wire_bytes(r)}" for u, r in requests))
        assert all(r.status_code == 200 for _, r in requests), report[-1]
        assert total <= BUDGET_BYTES, report[-1]
        assert len(requests) <= BUDGET_REQUESTS, report[-1]
    print("\n".join(report))


def test_first_view_has_a_stylesheet_and_an_icon_and_no_web_font(client, respondent_urls):
    requests, html = first_view(client, respondent_urls["personal link"])
    kinds = [r.mimetype for _, r in requests[1:]]
    assert "text/css" in kinds and "image/svg+xml" in kinds, kinds
    css = b"".join(_plain(r).encode() if "Content-Encoding" in r.headers else r.get_data()
                   for _, r in requests[1:] if r.mimetype == "text/css")
    assert b"@font-face" not in css and b"url(" not in css.replace(b"url(\"data:", b"")
    assert "bootstrap" not in html.lower()  # the staff pages' full Bootstrap is not loaded here


def test_page_and_assets_are_compressed(client, respondent_urls):
    requests, _ = first_view(client, respondent_urls["personal link"])
    for url, response in requests:
        if response.mimetype in ("text/html", "text/css"):
            assert response.headers.get("Content-Encoding") in ("br", "gzip", "zstd"), url
            assert "Accept-Encoding" in response.headers.get("Vary", ""), url
    plain = client.get(respondent_urls["personal link"], headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    gzip_only = client.get(requests[1][0], headers={"Accept-Encoding": "gzip"})
    assert gzip_only.headers.get("Content-Encoding") == "gzip"


def test_assets_are_fingerprinted_and_cached_for_a_year(app, client, respondent_urls):
    requests, _ = first_view(client, respondent_urls["personal link"])
    for url, response in requests[1:]:
        assert re.fullmatch(r"/static/[\w./-]+\?v=[0-9a-f]{8,}", url), url
        cache = response.headers.get("Cache-Control", "")
        assert f"max-age={YEAR}" in cache and "immutable" in cache and "public" in cache, (url, cache)
        # no cookie: a session cookie (refreshed on every page) in Vary would make the cached copy useless
        assert "Set-Cookie" not in response.headers, url
        assert "cookie" not in response.headers.get("Vary", "").lower(), (url, response.headers.get("Vary"))
    page_cache = requests[0][1].headers.get("Cache-Control", "")
    assert "no-store" in page_cache  # the page itself holds a personal link: never cached
    # the fingerprint is the content's: another version of the file gets another URL
    from crm.app.assets import fingerprint

    asset = requests[1][0]
    path = asset.split("?")[0].removeprefix("/static/")
    assert asset.endswith("?v=" + fingerprint((ROOT / "crm" / "static" / path).read_bytes()))


def test_unfingerprinted_or_stale_static_urls_get_a_short_cache(client):
    for url in ("/static/respondent.css", "/static/respondent.css?v=0123456789"):
        cache = client.get(url).headers.get("Cache-Control", "")
        assert "immutable" not in cache and f"max-age={YEAR}" not in cache, (url, cache)
        assert re.search(r"max-age=\d+", cache), (url, cache)


def test_staff_pages_load_the_vendored_bootstrap_fingerprinted(client):
    html = client.get("/acceso").get_data(as_text=True)
    urls = Assets(html).urls
    assert any(u.startswith("/static/vendor/bootstrap.min.css?v=") for u in urls), urls
    assert all(u.startswith("/static/") for u in urls), urls
    response = client.get(next(u for u in urls if "bootstrap" in u), headers=BROWSER)
    assert response.status_code == 200 and response.headers.get("Content-Encoding") in ("br", "gzip", "zstd")


def test_signup_and_error_pages_for_visitors_use_the_respondent_stylesheet(client, app):
    from tests.factories import make_network

    make_network("rvc")
    for url, status in (("/unirse/rvc", 200), ("/unirse/no-existe", 404)):
        page = client.get(url, headers=BROWSER)
        assert page.status_code == status, url
        urls = Assets(_plain(page) if "Content-Encoding" in page.headers else page.get_data(as_text=True)).urls
        assert any(u.startswith("/static/respondent.css?v=") for u in urls), (url, urls)
        assert not any("bootstrap" in u for u in urls), (url, urls)
        total = wire_bytes(page) + sum(wire_bytes(client.get(u, headers=BROWSER)) for u in urls)
        assert total <= BUDGET_BYTES, (url, total)


# --- the respondent stylesheet is what the build script makes ------------------------------------------------


def _node_modules() -> Path:
    if not shutil.which("npm") or not shutil.which("node"):
        missing_dependency("node and npm are needed to rebuild the respondent stylesheet (apt-get install npm)")
    modules = BUILD / "node_modules"
    if not (modules / "purgecss").exists():
        completed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BUILD,
                                   capture_output=True, text=True, timeout=300)
        if completed.returncode != 0:
            missing_dependency(f"npm ci in {BUILD.relative_to(ROOT)} failed: {completed.stderr.strip()[-400:]}")
    return modules


def test_respondent_stylesheet_is_up_to_date(tmp_path):
    _node_modules()
    out = tmp_path / "respondent.css"
    completed = subprocess.run(["node", str(BUILD / "build.mjs"), str(out)], cwd=ROOT, capture_output=True,
                               text=True, timeout=120, env=dict(os.environ, NODE_NO_WARNINGS="1"))
    assert completed.returncode == 0, completed.stderr
    committed = (ROOT / "crm" / "static" / "respondent.css").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, (
        "crm/static/respondent.css is stale: run `node scripts/respondent-css/build.mjs` and commit the result")
