"""The last step of `make run` (scripts/setup serve): the development server without its English banner, and
one Spanish message with the full address of the log-in page and the demo administrator's account."""

from __future__ import annotations

import logging

from flask import Flask, url_for

ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 (recognised, not bound: shown as 127.0.0.1)


def login_url(app: Flask, host: str, port: int) -> str:
    """The log-in page's absolute address on HOST:PORT (a server listening on every address is reached on
    this machine at 127.0.0.1)."""
    shown = "127.0.0.1" if host in ANY_ADDRESS else host
    shown = f"[{shown}]" if ":" in shown else shown
    with app.test_request_context("/", base_url=f"http://{shown}:{port}/"):
        return url_for("auth.login", _external=True)


def login_message(url: str, email: str) -> str:
    return (f"Vínculo está en marcha. Para ingresar, abra {url}\n"
            f"con la cuenta de administración {email} (su contraseña es la que se mostró al crearla, o la de "
            "CRM_PASSWORD).\n"
            "Las tareas en segundo plano corren en este mismo proceso. Para detener el servidor, pulse Ctrl+C.")


def serve(app: Flask, host: str, port: int, email: str) -> None:
    """Listen on HOST:PORT (the address is bound before the message is printed), then serve until Ctrl+C."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no English start-up banner or request lines
    server = make_server(host, port, app, threaded=True)
    print(login_message(login_url(app, host, port), email), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nServidor detenido.")
    finally:
        server.server_close()
