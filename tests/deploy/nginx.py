"""nginx (Debian's package) in front of gunicorn with the project's own site file, deploy/nginx/vinculo.conf.

The site file is rendered into a temporary folder replacing only its placeholders (listening ports, the
upstream's port, the checkout's path, the certificate, the log folder); a minimal nginx.conf around it
gives the pid file, temporary paths and logs in that folder. `nginx -t` checks it before nginx starts in
the foreground in its own process group; the caller stops it in a `finally`.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.reliability.harness import ROOT, Browser, free_port, require, stop_process, wait_for

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "deploy" / "nginx" / "vinculo.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")

# The placeholders of the site file, as written there (see its header).
HTTP_LISTEN = "listen 80;"
HTTPS_LISTEN = "listen 443 ssl http2;"
UPSTREAM = "server 127.0.0.1:8000;"
CERTIFICATE = "/etc/letsencrypt/live/vinculo.example.org/fullchain.pem"
CERTIFICATE_KEY = "/etc/letsencrypt/live/vinculo.example.org/privkey.pem"
CHECKOUT = "/srv/vinculo/"
LOG_FOLDER = "/var/log/nginx/"


def require_nginx() -> None:
    require(NGINX.exists(), f"{NGINX} is missing (Debian: apt-get install nginx)")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (and localhost), made with openssl; it is its own CA."""
    openssl = shutil.which("openssl")
    require(openssl is not None, "openssl is missing (Debian: apt-get install openssl)")
    certificate, key = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", "/CN=vinculo-test",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"openssl could not make a certificate:\n{done.stderr}"
    return certificate, key


def render_site(text: str, replacements: dict[str, str]) -> str:
    for placeholder, value in replacements.items():
        assert placeholder in text, f"the site file no longer contains the placeholder {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


@dataclass
class Nginx:
    folder: Path
    upstream_port: int
    http_port: int = 0
    https_port: int = 0
    process: subprocess.Popen | None = None

    def __post_init__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.http_port = self.http_port or free_port()
        self.https_port = self.https_port or free_port()
        self.certificate, self.key = self_signed_certificate(self.folder)
        self.conf = self.folder / "nginx.conf"

    def write(self) -> None:
        site = render_site(SITE.read_text(encoding="utf-8"), {
            HTTP_LISTEN: f"listen 127.0.0.1:{self.http_port};",
            HTTPS_LISTEN: f"listen 127.0.0.1:{self.https_port} ssl http2;",
            UPSTREAM: f"server 127.0.0.1:{self.upstream_port};",
            CERTIFICATE: str(self.certificate),
            CERTIFICATE_KEY: str(self.key),
            CHECKOUT: f"{ROOT}/",
            LOG_FOLDER: f"{self.folder}/",
        })
        (self.folder / "vinculo.conf").write_text(site, encoding="utf-8")
        temp = {name: self.folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            f"{user}worker_processes 1;\npid {self.folder}/nginx.pid;\nerror_log {self.folder}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"    include {MIME_TYPES};\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            f"    access_log {self.folder}/access.log;\n"
            f"    client_body_temp_path {temp['client_body']};\n"
            f"    proxy_temp_path {temp['proxy']};\n"
            f"    fastcgi_temp_path {temp['fastcgi']};\n"
            f"    uwsgi_temp_path {temp['uwsgi']};\n"
            f"    scgi_temp_path {temp['scgi']};\n"
            f"    include {self.folder}/vinculo.conf;\n"
            "}\n", encoding="utf-8")

    def _command(self, *extra: str) -> list[str]:
        return [str(NGINX), "-p", f"{self.folder}/", "-e", str(self.folder / "error.log"), "-c", str(self.conf),
                *extra]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the rendered configuration."""
        return subprocess.run(self._command("-t"), capture_output=True, text=True, timeout=60)

    def start(self, timeout: float = 30) -> Nginx:
        self.write()
        checked = self.check()
        assert checked.returncode == 0, f"nginx -t refused the site file:\n{checked.stderr}"
        log = (self.folder / "nginx.out").open("ab")
        try:
            self.process = subprocess.Popen(self._command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        finally:
            log.close()
        try:
            wait_for(self._listening, timeout, f"nginx on ports {self.http_port}/{self.https_port}\n{self.tail()}")
        except BaseException:
            self.stop()
            raise
        return self

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"nginx exited with {self.process.returncode}:\n{self.tail()}")
        try:
            with socket.create_connection(("127.0.0.1", self.https_port), timeout=2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def tail(self, lines: int = 30) -> str:
        texts = []
        for name in ("nginx.out", "error.log", "vinculo.error.log"):
            path = self.folder / name
            if path.exists():
                texts.append(f"--- {name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
        return "\n".join(texts)

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def tls_context(self) -> ssl.SSLContext:
        """Verifies nginx's certificate (the test's own CA) and its name, as a browser would."""
        return ssl.create_default_context(cafile=str(self.certificate))


class HttpsBrowser(Browser):
    """harness.Browser over HTTPS to nginx, optionally from another loopback address (127.0.0.2...)."""

    def __init__(self, server: Nginx, timeout: float = 30, source: str | None = None):
        super().__init__(server.https_port, timeout)
        self.server = server
        self.source = source

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout,
                                           context=self.server.tls_context(),
                                           source_address=(self.source, 0) if self.source else None)

    def raw(self, path: str, headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET with the body as bytes, as the server sent it (no decompression), and the headers as sent
        (case-insensitive `get`, `get_all` for repeated ones)."""
        connection = self.connect()
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()
