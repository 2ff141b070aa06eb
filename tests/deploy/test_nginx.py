"""The deployment of docs/deploy.md, tested: nginx (Debian's package) with the project's own site file
(deploy/nginx/vinculo.conf) over HTTPS in front of gunicorn on 127.0.0.1 (production configuration: CSRF and
rate limits on, CRM_PROXIES=1), on the database the suite runs on (SQLite, or PostgreSQL with
TEST_DATABASE_URL).

Through nginx: the respondent journey (open link, answer, thank-you page, response stored), static files
served by nginx itself with a year-long immutable cache and compression, each person's own address reaching
the application through X-Forwarded-For (and a forged one not), HTTP sent to HTTPS, uploads over the limit
answered by the application, the health check, and slow clients. Under CI=true a missing nginx fails.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import secrets
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.nginx import HttpsBrowser, Nginx, require_nginx
from tests.reliability.harness import ROOT, Gunicorn, app_env, hidden, rows, scaled, wait_for
from tests.reliability.seed import ANSWER_ROWS, answers_for, seed_survey

CACHE_FOREVER = "public, max-age=31536000, immutable"


@dataclass
class Stack:
    url: str
    survey_id: int
    open_token: str
    gunicorn: Gunicorn
    nginx: Nginx

    def browser(self, **options) -> HttpsBrowser:
        return HttpsBrowser(self.nginx, **options)


@contextmanager
def _running(databases, folder: Path, *gunicorn_args: str):
    """A migrated database with an open survey, gunicorn (production configuration, CRM_PROXIES=1) and
    nginx with the project's site file in front of it; both stopped at the end."""
    require_nginx()
    url = databases.new("nginx")
    seed = seed_survey(url)
    gunicorn = Gunicorn(app_env(url, folder / "instance", CRM_PROXIES="1"), folder / "gunicorn.log",
                        extra_args=list(gunicorn_args))
    gunicorn.start()
    try:
        nginx = Nginx(folder / "nginx", upstream_port=gunicorn.port).start()
        try:
            yield Stack(url, seed.survey_id, seed.open_token, gunicorn, nginx)
        finally:
            nginx.stop()
    finally:
        gunicorn.stop()


@pytest.fixture(scope="module")
def stack(databases, tmp_path_factory):
    with _running(databases, tmp_path_factory.mktemp("nginx-stack")) as running:
        yield running


def _logs(stack: Stack) -> str:
    return f"--- gunicorn ---\n{stack.gunicorn.tail()}\n{stack.nginx.tail()}"


def test_respondent_journey_through_nginx(stack):
    browser = stack.browser()
    status, _, html = browser.get(f"/r/{stack.open_token}")
    assert status == 200, f"form page: {status}\n{_logs(stack)}"
    marker = f"nginx-{secrets.token_hex(6)}"
    key = hidden(html, "_clave")
    data = [("csrf_token", hidden(html, "csrf_token") or ""), ("_clave", key or ""), ("_lang", "es"),
            *answers_for(marker, 0)]
    status, headers, body = browser.post(f"/r/{stack.open_token}", data)
    assert status == 303, f"submission: {status}\n{body[:500]}\n{_logs(stack)}"
    location = urllib.parse.urlsplit(headers["Location"])
    assert location.path.endswith("/gracias"), headers["Location"]
    assert location.scheme in ("", "https"), f"redirect leaves HTTPS: {headers['Location']}"
    status, _, thanks = browser.get(location.path + (f"?{location.query}" if location.query else ""))
    assert status == 200 and "Gracias" in thanks, f"thank-you page: {status}\n{thanks[:500]}"

    stored = rows(stack.url, """
        SELECT r.submission_key, count(a.id) FROM response r JOIN answer a ON a.response_id = r.id
        WHERE r.survey_id = :survey AND r.id IN (
            SELECT a2.response_id FROM answer a2 JOIN question q ON q.id = a2.question_id
            WHERE q.name = 'opinion' AND a2.value = :marker)
        GROUP BY r.id, r.submission_key""", survey=stack.survey_id, marker=marker)
    assert [(k, n) for k, n in stored] == [(key, ANSWER_ROWS)], stored
    assert "\"POST /r/" in stack.gunicorn.text(), "the submission did not reach gunicorn"
    access = (stack.nginx.folder / "vinculo.access.log").read_text()
    assert '"POST /r/[token] HTTP/1.1" 303' in access, access[-2000:]
    assert stack.open_token not in access, "a respondent's link reached nginx's access log"
    request_id = headers.get("X-Request-ID", "")
    assert len(request_id) == 32 and request_id in access, f"{request_id!r} not nginx's $request_id"


def _static_urls(html: str) -> list[str]:
    return sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html)))


def test_static_files_are_served_by_nginx_with_a_long_cache_and_compressed(stack):
    browser = stack.browser()
    status, _, html = browser.get(f"/r/{stack.open_token}")
    assert status == 200
    urls = _static_urls(html)
    assert urls, f"the respondent page links no file under /static/:\n{html[:1500]}"
    for url in [u.replace("&amp;", "&") for u in urls]:
        on_disk = (ROOT / "crm" / "static" / urllib.parse.urlsplit(url).path.removeprefix("/static/")).read_bytes()
        status, headers, body = browser.raw(url, {"Accept-Encoding": "gzip"})
        assert status == 200, f"{url}: {status}"
        assert headers.get_all("Cache-Control") == [CACHE_FOREVER], f"{url}: {headers.get_all('Cache-Control')}"
        if url.split("?")[0].endswith((".css", ".js", ".svg")) and len(on_disk) > 256:
            assert headers.get("Content-Encoding") == "gzip", f"{url}: not compressed ({dict(headers.items())})"
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == on_disk, f"{url}: nginx served other bytes than crm/static has"
        status, headers, plain = browser.raw(url)
        assert status == 200 and headers.get("Content-Encoding") is None and plain == on_disk, url
        bare = url.split("?")[0]  # without its content hash: a short cache (the file may change under it)
        status, headers, _ = browser.raw(bare)
        assert status == 200 and headers.get_all("Cache-Control") == ["public, max-age=600"], (bare, headers)
    assert "GET /static/" not in stack.gunicorn.text(), "a static file went to gunicorn instead of nginx"


def test_missing_static_file_is_404_from_nginx(stack):
    status, _, _ = stack.browser().raw("/static/no-such-file.css")
    assert status == 404
    assert "GET /static/" not in stack.gunicorn.text()


def _failed_login_addresses(url: str, email: str) -> list[str]:
    found = []
    for ip, details in rows(url, "SELECT ip, details FROM audit_entry WHERE action = 'auth.login_failed'"):
        details = json.loads(details) if isinstance(details, str) else details
        if (details or {}).get("email") == email:
            found.append(ip)
    return found


def test_each_persons_address_reaches_the_application_and_a_forged_one_does_not(stack):
    """nginx appends the client's address to X-Forwarded-For; with CRM_PROXIES=1 the application takes that
    last hop: the audit log records 127.0.0.2 (the test's client), not 127.0.0.1 (nginx, gunicorn's peer),
    nor the address the client claimed in its own header."""
    browser = stack.browser(source="127.0.0.2")
    browser.headers["X-Forwarded-For"] = "203.0.113.7"
    status, _, html = browser.get("/acceso")
    assert status == 200, f"/acceso: {status}\n{_logs(stack)}"
    email = f"nadie-{secrets.token_hex(4)}@example.org"
    browser.headers["Referer"] = f"{stack.nginx.base}/acceso"  # as a browser sends it (CSRF over HTTPS checks it)
    status, _, page = browser.post("/acceso", {"csrf_token": hidden(html, "csrf_token") or "", "email": email,
                                               "password": "no-es-la-contrasena"})
    assert status in (200, 401), f"failed log-in answered {status}\n{page[:500]}"
    assert _failed_login_addresses(stack.url, email) == ["127.0.0.2"]


def test_plain_http_is_sent_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.nginx.http_port, timeout=30)
    try:
        connection.request("GET", f"/r/{stack.open_token}?lang=en")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.headers["Location"] == f"https://127.0.0.1/r/{stack.open_token}?lang=en"
    assert stack.open_token not in (stack.nginx.folder / "vinculo.access.log").read_text()


def test_an_upload_over_the_limit_is_answered_by_the_application(stack):
    """client_max_body_size is a little above CRM_MAX_UPLOAD_MB (20 MB by default): a body just over the
    application's limit passes nginx and gets the application's own page (413, in Spanish)."""
    size = 20 * 1024 * 1024 + 512 * 1024
    browser = stack.browser(timeout=120)
    browser.get("/acceso")
    status, _, page = browser.request("POST", "/acceso", b"a" * size,
                                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413 and "Archivo demasiado grande" in page, f"{status}\n{page[:500]}"


def test_health_check_through_nginx(stack):
    """nginx passes the health check on (its own location, no access log): the application's JSON, with the
    status code that goes with it (a load balancer reads only the code)."""
    status, headers, body = stack.browser().get("/salud")
    assert headers.get("Content-Type", "").startswith("application/json"), f"/salud: {status} {headers}\n{body[:300]}"
    report = json.loads(body)
    assert report["database"] == "ok", report
    assert status == (200 if report["status"] == "ok" else 503), (status, report)
    wait_for(lambda: '"GET /salud' in stack.gunicorn.text(), 10, "the health check in gunicorn's access log")


def test_slow_clients_through_nginx(databases, tmp_path):
    """Connections trickling a form body at one byte per second, more than gunicorn has workers: nginx reads
    each body completely before it passes the request on, so ordinary visitors still open and send the form
    within the check's generous bound. gunicorn runs sync workers here (`-k sync`, two of them), which any
    slow body that got through would hold: only nginx's buffering protects them."""
    from tests.reliability.slow_clients import check_slow_clients

    with _running(databases, tmp_path, "-k", "sync") as stack:
        report = check_slow_clients(stack.nginx.base, f"/r/{stack.open_token}", answers_for("sin prisa", 2),
                                    slow_clients=scaled(8, minimum=4), rounds=scaled(6, minimum=3),
                                    ssl_context=stack.nginx.tls_context())
        posts = sum(1 for method, status, _ in report.timings if method == "POST" and status == 303)
        stored = rows(stack.url, "SELECT count(*) FROM response WHERE survey_id = :s", s=stack.survey_id)[0][0]
        assert stored == posts, f"{posts} submissions acknowledged, {stored} stored"


def test_missing_nginx_fails_under_ci(monkeypatch, tmp_path):
    """The rule of this suite: under CI=true a missing /usr/sbin/nginx is a failure, not a skip."""
    import tests.conftest
    import tests.deploy.nginx as module

    monkeypatch.setattr(module, "NGINX", Path(tmp_path / "no-nginx"))
    monkeypatch.setattr(tests.conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception):
        module.require_nginx()
