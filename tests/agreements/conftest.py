"""Agreements tests: each test's documents and uploads in its own folder, a loaded 2025 program, helpers."""

from __future__ import annotations

import pytest

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HEADER = ["folio", "titulo", "contraparte", "tipo", "estado", "dictamen", "accion_dictamen", "firma",
          "accion_firma", "vigencia_fin", "area_responsable"]


@pytest.fixture(autouse=True)
def _files_in_tmp(request, tmp_path):
    """Documents and import uploads under this test's folder (never the project's instance folder); the
    browser tests set their live server's folders themselves."""
    if "live_server" in request.fixturenames:
        return None
    app = request.getfixturevalue("app")
    app.instance_path = str(tmp_path / "instance")
    app.config["CRM_DOCUMENT_DIR"] = str(tmp_path / "documents")
    return tmp_path / "documents"


@pytest.fixture
def program(app):
    from tests.factories import load_program

    return load_program(2025)


# The browser tests (test_browser.py) use the live server, browser and axe fixtures of tests/browser.py.
