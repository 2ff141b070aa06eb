"""The staff guide's screenshots (docs/guia-personal.md, docs/img/guia/*.png), taken from the demo data at
1280x900 so they show the pages as they are. Every run opens each page and checks that it answered and that
every image the guide shows is one of these and exists; with VINCULO_CAPTURAS=1 (`make capturas`) the
images are written again (kept small: a 256-colour palette, compressed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = DOCS / "guia-personal.md"
IMAGES = DOCS / "img" / "guia"
MAX_BYTES = 150_000

# (image, the page's path, a selector whose first link is followed from there (or None), its h1 (or None))
CAPTURES = [
    ("inicio", "/", None, "Inicio"),
    ("contactos", "/contactos", None, "Contactos"),
    ("persona", "/contactos", "table tbody a", None),
    ("actividades", "/actividades", None, None),
    ("actividad", "/actividades", "table tbody a", None),
    ("gestiones", "/gestiones", None, None),
    ("encuestas", "/encuestas/", None, None),
    ("encuesta", "/encuestas/", "table tbody a", None),
    ("indicadores", "/indicadores/", None, None),
    ("lineas", "/indicadores/lineas", None, None),
    ("importar", "/importar/contactos", None, None),
]


def guide_images() -> list[str]:
    """The names (without .png) of the images docs/guia-personal.md shows from img/guia/."""
    return re.findall(r"!\[[^\]]*\]\(img/guia/([A-Za-z0-9_-]+)\.png\)", GUIDE.read_text(encoding="utf-8"))


def test_the_guide_shows_only_images_taken_here_and_they_exist():
    shown = guide_images()
    assert shown, "la guía no muestra ninguna captura"
    names = {name for name, *_ in CAPTURES}
    assert set(shown) <= names, f"imágenes que ninguna prueba toma: {sorted(set(shown) - names)}"
    for name in shown:
        path = IMAGES / f"{name}.png"
        assert path.exists(), f"falta {path.relative_to(DOCS.parent)} (make capturas)"
        assert path.stat().st_size <= MAX_BYTES, f"{path.name} pesa {path.stat().st_size} bytes"


def test_the_guide_pages_answer_and_are_captured_on_request(staff_page):
    from tests.e2e.conftest import _expect

    expect = _expect()
    write = os.environ.get("VINCULO_CAPTURAS") == "1"
    page = staff_page
    for name, path, follow, heading in CAPTURES:
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
        if follow:
            with page.expect_navigation() as navigation:
                page.locator(follow).first.click()
            answer = navigation.value
            assert answer is not None and answer.status < 400, f"{name}: {page.url} HTTP {answer and answer.status}"
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        if heading:
            expect(page.get_by_role("heading", level=1).first).to_have_text(heading)
        if write:
            save(page, IMAGES / f"{name}.png")


def save(page, path: Path) -> None:
    """The window (1280x900, not the whole page) as a palette PNG: a tenth of Chromium's size."""
    import io

    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(animations="disabled", caret="hide")))
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(path, format="PNG", optimize=True)
