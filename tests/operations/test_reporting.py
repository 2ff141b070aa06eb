"""Optional error reporting (CRM_SENTRY_DSN): off by default; when on, an unhandled error reaches the
service (here a local HTTP server standing in for it) without cookies, bodies, query strings, tokens or
e-mail addresses; a DSN without the SDK stops start-up with a clear message. The SDK is process-wide,
so the app that reports runs in a child process."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config import TestConfig
from crm.app import create_app
from crm.core.errors import ConfigurationError
from crm.operations import reporting

ROOT = Path(__file__).resolve().parents[2]

_CHILD = r"""
import os
import sentry_sdk
from config import TestConfig
from crm.app import create_app
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=os.environ["URL"], CRM_SENTRY_DSN=os.environ["DSN"],
                 PROPAGATE_EXCEPTIONS=False, TESTING=False)

@app.post("/falla")
def _fails():
    raise RuntimeError("no se pudo enviar a maria.garcia@example.org el enlace /r/TokenSecretoDeMaria99")

client = app.test_client()
client.set_cookie("session", "CookieSecretaDeSesion")
response = client.post("/falla?clave=ConsultaSecreta", data={"nombre": "CuerpoSecreto"},
                       headers={"Authorization": "Bearer vnc_TokenDeApiSecreto"})
assert response.status_code == 500, response.status_code
sentry_sdk.flush(timeout=10)
"""


class _Collector(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_unhandled_error_is_reported_without_personal_data(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    _Collector.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "URL": f"sqlite:///{tmp_path / 'r.db'}", "CRM_INSTANCE_PATH": str(tmp_path),
               "DSN": f"http://clavepublica@127.0.0.1:{server.server_address[1]}/1"}
        child = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=120, check=False)
        assert child.returncode == 0, child.stderr[-3000:]
    finally:
        server.shutdown()
    sent = b"\n".join(_Collector.bodies).decode("utf-8", "replace")
    events = [json.loads(line) for line in sent.splitlines() if line.startswith("{") and '"exception"' in line]
    assert events, sent[:2000]
    assert "RuntimeError" in sent and "[correo]" in sent and "/r/[token]" in sent
    for secret in ("maria.garcia@example.org", "TokenSecretoDeMaria99", "CookieSecretaDeSesion", "ConsultaSecreta",
                   "CuerpoSecreto", "vnc_TokenDeApiSecreto"):
        assert secret not in sent, secret


def test_reporting_is_off_by_default(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}")
    assert app.config["CRM_SENTRY_DSN"] == ""
    assert reporting.configure_reporting(app) is False


def test_a_dsn_without_the_sdk_stops_start_up_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # as if the package were not installed
    with pytest.raises(ConfigurationError, match="sentry-sdk"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}",
                   CRM_SENTRY_DSN="http://clave@127.0.0.1:9/1")
