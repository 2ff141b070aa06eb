"""Acceptance of issue 18: every staff page an administrator reaches from the home page, with the demo
data, answers without error, passes axe-core, keeps its tables inside their box at 1280x900 and on a phone,
and shows no raw codes or Python values. Every failure is reported at once."""

from __future__ import annotations

import pytest

from tests.e2e_staff.crawl import Crawl, pattern
from tests.e2e_staff.pagechecks import raw_values

pytestmark = pytest.mark.e2e


def test_every_staff_page_reached_from_home_is_sound(staff_page, demo_site, axe_check):
    crawl = Crawl(demo_site.url, axe_check)
    crawl.run(staff_page, also=(f"/contactos/{demo_site.busiest_person}",))
    assert len(crawl.visited) > 40, crawl.visited  # the crawl really went through the site
    assert crawl.downloads, "no download link was checked"
    if crawl.failures:
        report = "\n".join(str(failure) for failure in crawl.failures)
        visited = ", ".join(sorted({pattern(url.removeprefix(demo_site.url)) for url in crawl.visited}))
        pytest.fail(f"{len(crawl.failures)} problemas en {len(crawl.visited)} páginas:\n{report}\n\n"
                    f"Páginas recorridas: {visited}", pytrace=False)


def test_raw_values_are_found_word_bounded_in_visible_text():
    texts = ["Tipo: select_one", "Nombre: None", "Valor nan", "2025-Q1", "579.0 programados", "Activa: True",
             "Registrada el 2025-03-12", "['a', 'b']", "Tipo: sociedad_civil", "Invitación: answered", "Medio: email"]
    found = raw_values(texts)
    assert len(found) == len(texts), found
    clean = ["Nonestá", "Nancy Pérez", "Truena", "T1 2025", "579 programados", "12 mar 2025", "55.5 %",
             "respaldo-2025-03-12.zip", "4.05", "Falsear", "Juan True-López",
             "ana_lopez@example.org", "respuestas_encuesta.csv", "https://x.mx/a_b", "email@open.org",
             "Formulario web", "Open Society"]
    assert raw_values(clean) == []
    assert raw_values([("Your answers were sent", False)]) == []  # English text of an English page


def test_one_pattern_covers_many_records():
    assert pattern("http://x/contactos/12?pagina=3&anio=2025") == pattern("http://x/contactos/7?anio=2024&pagina=1")
    assert pattern("http://x/contactos/12") != pattern("http://x/contactos")


CHECKED_PAGE = """<!doctype html><html lang="es"><head><title>Prueba</title></head><body><main>
<div id="card" style="width: 300px; border: 1px solid"><table id="suelta"><tr><td style="min-width: 500px">Ancha</td></tr></table></div>
<div style="width: 300px"><div style="overflow-x: auto"><table id="envuelta"><tr><td style="min-width: 500px">Ancha</td></tr></table></div></div>
<p>Tipo select_one</p><p hidden>None oculto</p><code>fecha_inicio 2025-01-01</code><p>Registrada el 12 mar 2025</p>
</main></body></html>"""


def test_the_page_checks_catch_a_table_out_of_its_box_and_raw_values(page):
    from tests.e2e_staff.pagechecks import sideways_scroll, table_problems, visible_raw_values

    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(CHECKED_PAGE)
    problems = table_problems(page)
    assert len(problems) == 1 and problems[0].startswith("table#suelta"), problems
    assert sideways_scroll(page)  # the loose table sticks out of the 390 px window
    assert visible_raw_values(page) == ["tipo de pregunta XLSForm: «Tipo select_one»"]
