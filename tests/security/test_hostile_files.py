"""The hostile corpus through every import (contacts, activities, requests, responses; CSV and XLSX; the
XLSForm upload) and out through every export (contacts CSV/XLSX, responses CSV/XLSX, the XLSForm, the
indicators report, the personal-links CSV, the problems report, a person's data as JSON).

Imports: no 5xx, the preview and every page that shows the data escape it, problems quoting hostile values
are escaped too. Exports: no formula cell in any XLSX, no CSV cell that a spreadsheet would run (OWASP CSV
injection; validated numbers and E.164 phones aside), and the contacts export imports back cleanly.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from crm.core.extensions import db
from tests.security.corpus import CELLS, FILENAMES, FORMULAS, MARK, XSS, printable
from tests.security.html_checks import injected_markup, parse_forms
from tests.security.spreadsheets import (
    csv_file,
    csv_formula_cells,
    xlsx_file,
    xlsx_formula_cells,
    xlsx_text_cells,
)
from tests.security.world import describe, fetch, page_urls

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _check(response, where: str, problems: list[str]) -> str:
    if response.status_code >= 500:
        problems.append(f"{where}: {describe(response)}")
        return ""
    if "html" not in response.headers.get("Content-Type", ""):
        return ""
    page = response.get_data(as_text=True)
    problems += [f"{where}: {p}" for p in injected_markup(page)]
    return page


def _upload(client, path: str, data: bytes, filename: str, extra: dict | None = None):
    fields = {"file": (io.BytesIO(data), filename), **(extra or {})}
    return fetch(client, path, "POST", data=fields, content_type="multipart/form-data")


def _import(client, kind: str, data: bytes, filename: str, problems: list[str], confirm: bool = True) -> str:
    """Upload, preview, and (when the preview has no problems) confirm; returns the preview page."""
    response = _upload(client, f"/importar/{kind}", data, filename)
    if response.status_code != 302:
        _check(response, f"upload {kind} {filename!r}", problems)
        return response.get_data(as_text=True) if response.status_code < 500 else ""
    preview = fetch(client, response.headers["Location"])
    page = _check(preview, f"preview {kind} {filename!r}", problems)
    form = next((f for f in parse_forms(page, "/") if f.action.endswith("/confirmar")), None)
    if confirm and form is not None:
        done = fetch(client, form.action, "POST", data=dict(form.defaults()))
        _check(done, f"confirm {kind} {filename!r}", problems)
        if done.status_code in (302, 303):
            _check(fetch(client, done.headers["Location"]), f"after confirm {kind}", problems)
    return page


# --- the files ---------------------------------------------------------------------------------------

CONTACT_HEADER = ["nombre", "primer_apellido", "segundo_apellido", "correo", "ciudad", "estado", "red",
                  "organizacion", "cargo"]


def contact_rows() -> list[list[str]]:
    return [[p, p, p, f"hostil{n}@example.org", p, p, "rvc", p, p] for n, p in enumerate(CELLS)]


def bad_contact_file() -> tuple[list[str], list[list[str]]]:
    header = ["nombre", "primer_apellido", "sexo", "correo", "telefono", "pais_residencia", "alcaldia", "red",
              "idioma", "consentimiento", XSS[0], FORMULAS[0]]
    rows = [["Ana", "Ruiz", p, p, p, p, p, p, p, p, p, p] for p in CELLS]
    return header, rows


def activity_rows() -> tuple[list[str], list[list[str]]]:
    header = ["fecha", "accion", "titulo", "tipo", "modalidad", "organizaciones"]
    return header, [[f"2025-03-{1 + n % 28:02d}", "AI2.2", f"{p} {n}", "", "", p] for n, p in enumerate(CELLS)]


def request_rows() -> tuple[list[str], list[list[str]]]:
    header = ["recibida", "solicitante", "asunto"]
    return header, [[f"2025-02-{1 + n % 28:02d}", p, f"{p} {n}"] for n, p in enumerate(CELLS)]


def response_rows() -> tuple[list[str], list[list[str]]]:
    header = ["submitted_at", "calidad", "comentario"]
    return header, [[f"2025-03-{1 + n % 28:02d}T10:00:00Z", "buena", p] for n, p in enumerate(CELLS)]


def test_imports_and_exports_take_the_hostile_corpus(app, world, admin, tmp_path):
    from crm.contacts.models import Person

    problems: list[str] = []
    tables = {
        "contactos": (CONTACT_HEADER, contact_rows()),
        "actividades": activity_rows(),
        "gestiones": request_rows(),
        f"encuesta-{world.survey_id}": response_rows(),
    }
    people_before = db.session.scalar(select(func.count(Person.id)))
    for kind, (header, rows) in tables.items():
        half = len(rows) // 2  # half of the rows by CSV, the other half by XLSX (each import must be new data)
        page = _import(admin, kind, csv_file(header, rows[:half]), "hostil.csv", problems)
        assert "No se guardó nada" not in page, f"{kind} CSV refused: {re.findall(r'<td>(fila[^<]*)', page)[:5]}"
        page = _import(admin, kind, xlsx_file({"datos": [header, *rows[half:]]}), "hostil.xlsx", problems)
        assert "No se guardó nada" not in page, f"{kind} XLSX refused: {re.findall(r'<td>(fila[^<]*)', page)[:5]}"
    assert db.session.scalar(select(func.count(Person.id))) == people_before + len(CELLS)

    # Files with hostile values where only codes, dates or addresses belong: every problem is shown escaped,
    # and the downloadable report is neutralised.
    header, rows = bad_contact_file()
    for data, name in ((csv_file(header, rows), "mal.csv"), (xlsx_file({"d": [header, *rows]}, formulas=True), "mal.xlsx")):
        page = _import(admin, "contactos", data, name, problems)
        assert "No se guardó nada" in page, f"{name}: a file full of invalid values was accepted"
        report = re.search(r'href="(/importar/contactos/revisar/[^"]+/problemas\.csv)"', page).group(1)
        downloaded = fetch(admin, report)
        assert downloaded.status_code == 200
        problems += [f"{name} problems.csv: {c}" for c in csv_formula_cells(downloaded.get_data())]
    for kind, (header, rows) in tables.items():
        broken = [[*row[:-1], "=1+1"] for row in rows] + [["<b>x</b>"] * len(header)]
        _import(admin, kind, csv_file([*header, f"<i>{MARK}</i>"], broken), "mal.csv", problems, confirm=False)

    # Upload names: shown escaped, stored under the upload folder only.
    uploads = Path(app.instance_path) / "uploads"
    before = {p for p in Path(app.instance_path).rglob("*")}
    for name in FILENAMES:
        _import(admin, "contactos", csv_file(CONTACT_HEADER, [["Ana", "Ruiz", "", f"nombre{len(name)}@example.org",
                                                               "", "", "", "", ""]]), name, problems, confirm=False)
    for created in {p for p in Path(app.instance_path).rglob("*")} - before:
        assert created.parent == uploads, f"an upload was written outside the upload folder: {created}"

    # Every page that shows the imported data.
    for endpoint, url in page_urls(app, per_kind=8):
        _check(fetch(admin, url), f"GET {url} [{endpoint}]", problems)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])

    # --- exports ---
    exported: dict[str, bytes] = {}
    runner = app.test_cli_runner()
    for suffix in ("csv", "xlsx"):
        target = tmp_path / f"contactos.{suffix}"
        result = runner.invoke(args=["contacts", "export", str(target)])
        assert result.exit_code == 0, result.output
        exported[f"contacts export .{suffix}"] = target.read_bytes()
    for fmt in ("csv", "xlsx"):
        response = fetch(admin, f"/encuestas/{world.survey_id}/respuestas.{fmt}")
        assert response.status_code == 200, describe(response)
        exported[f"responses .{fmt}"] = response.get_data()
    response = fetch(admin, f"/encuestas/{world.survey_id}/formulario.xlsx")
    assert response.status_code == 200
    exported["XLSForm"] = response.get_data()
    response = fetch(admin, "/indicadores/informe.xlsx?anio=2025")
    assert response.status_code == 200, describe(response)
    exported["indicators .xlsx"] = response.get_data()
    invite = fetch(admin, f"/encuestas/{world.survey_id}/invitar?origen=red&red=rvc").get_data(as_text=True)
    form = next(f for f in parse_forms(invite, "/") if f.method == "post" and f.action.endswith("/invitar"))
    links_button = next(name for name, _ in form.submit_names if name == "links")
    response = fetch(admin, form.action, "POST", data={**dict(form.defaults()), links_button: "1"})
    assert response.status_code == 200 and "text/csv" in response.headers["Content-Type"], describe(response)
    exported["personal links .csv"] = response.get_data()

    for what, data in exported.items():
        if data[:2] == b"PK":
            problems += [f"{what}: {c}" for c in xlsx_formula_cells(data)]
        else:
            problems += [f"{what}: {c}" for c in csv_formula_cells(data)]
    assert not problems, f"{len(problems)} cells a spreadsheet would run:\n" + "\n".join(problems[:40])
    contacts_csv = exported["contacts export .csv"].decode("utf-8-sig")
    for payload in ("=1+1", "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C calc'!A0"):
        assert "'" + payload in contacts_csv, f"{printable(payload)} not exported neutralised"
    assert any("xssmark1" in text for text in xlsx_text_cells(exported["contacts export .xlsx"]))

    # The contacts export imports back: every exported row matches a stored person, nothing is refused.
    result = runner.invoke(args=["contacts", "import", str(tmp_path / "contactos.csv"), "--dry-run"])
    assert result.exit_code == 0, result.output[-2000:]
    assert re.search(r"created 0, updated \d+", result.output), result.output[-500:]

    # A person's data (ARCO access) as JSON: served as JSON, never sniffed as HTML.
    person_id = db.session.scalar(select(Person.id).where(Person.given_name.contains(MARK)).limit(1))
    response = fetch(admin, f"/contactos/{person_id}/datos.json", "POST")
    assert response.status_code == 200, describe(response)
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert MARK in json.dumps(json.loads(response.get_data()))


# --- XLSForm -----------------------------------------------------------------------------------------


def hostile_xlsform(names_too: bool = False) -> bytes:
    survey = [["type", "name", "label::Español (es)", "label::English (en)", "hint::Español (es)", "required",
               "indicator"]]
    survey.append(["begin_group", "grupo", XSS[0], XSS[1], XSS[2], "", ""])
    survey.append(["note", "nota", XSS[4], XSS[5], FORMULAS[0], "", ""])
    survey.append(["select_one escala", "calidad", XSS[7], XSS[8], XSS[9], "yes", "satisfaction"])
    survey.append(["text", "comentario", FORMULAS[1], FORMULAS[2], XSS[10], "no", ""])
    survey.append(["integer", "edad", "\u202eEdad", "Age\u200b", "", "", ""])
    survey.append(["end_group", "", "", "", "", "", ""])
    choices = [["list_name", "name", "label::Español (es)", "label::English (en)", "positive"],
               ["escala", "buena", XSS[3], FORMULAS[3], "yes"],
               ["escala", "mala", XSS[11], FORMULAS[4], "no"]]
    settings = [["form_title", "form_id", "default_language"], [XSS[6], "hostil_xlsform", "es"]]
    if names_too:
        survey += [[XSS[0], XSS[1], "x", "", "", XSS[2], XSS[3]], ["select_one " + XSS[4], FORMULAS[0], "y", "", "", "", ""],
                   ["text", "=1+1", "z", "", "", "quizá", ""]]
        choices += [[XSS[5], XSS[6], "w", "", XSS[7]]]
        settings[1][1] = XSS[8]
    return xlsx_file({"survey": survey, "choices": choices, "settings": settings})


def test_xlsform_upload_takes_the_hostile_corpus(app, world, admin):
    from surveys.models import Survey

    problems: list[str] = []
    response = _upload(admin, "/encuestas/importar-formulario", hostile_xlsform(), "hostil.xlsx", {"year": "2025"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    _check(fetch(admin, response.headers["Location"]), "after the upload", problems)
    survey = db.session.scalar(select(Survey).where(Survey.form_id == "hostil_xlsform"))
    assert survey is not None
    assert fetch(admin, f"/encuestas/{survey.id}/estado", "POST", data={"accion": "abrir"}).status_code == 302
    for path in (f"/encuestas/{survey.id}", f"/encuestas/{survey.id}/preguntas", f"/encuestas/{survey.id}/vista-previa",
                 f"/encuestas/{survey.id}/vista-previa?lang=en", f"/encuestas/{survey.id}/editar", "/encuestas/"):
        _check(fetch(admin, path), f"GET {path}", problems)
    for question in survey.questions:
        path = f"/encuestas/{survey.id}/preguntas/{question.id}"
        _check(fetch(admin, path), f"GET {path}", problems)
    anonymous = app.test_client()
    for lang in ("es", "en"):
        page = _check(fetch(anonymous, f"/r/{survey.open_token}?lang={lang}"), f"respondent page ({lang})", problems)
        assert "&lt;" in page and MARK in page, "the hostile labels are not shown"
    # a respondent answers; staff read and export the answers
    page = fetch(anonymous, f"/r/{survey.open_token}").get_data(as_text=True)
    form = next(f for f in parse_forms(page, f"/r/{survey.open_token}") if f.method == "post")
    data = {**dict(form.defaults()), "q_calidad": "buena", "q_comentario": FORMULAS[0]}
    assert fetch(anonymous, form.action, "POST", data=data).status_code == 303
    _check(fetch(admin, f"/encuestas/{survey.id}/respuestas"), "responses page", problems)
    exported = fetch(admin, f"/encuestas/{survey.id}/formulario.xlsx").get_data()
    problems += [f"exported XLSForm: {c}" for c in xlsx_formula_cells(exported)]
    problems += [f"responses CSV: {c}" for c in csv_formula_cells(fetch(admin, f"/encuestas/{survey.id}/respuestas.csv").get_data())]

    # hostile names and types: refused with every problem shown escaped, nothing created
    count = db.session.scalar(select(func.count(Survey.id)))
    response = _upload(admin, "/encuestas/importar-formulario", hostile_xlsform(names_too=True), "malo.xlsx")
    page = _check(response, "hostile names", problems)
    assert response.status_code == 422, response.status_code
    assert "&lt;script&gt;" in page
    assert db.session.scalar(select(func.count(Survey.id))) == count
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])


def test_xlsx_exports_have_no_formula_cells_even_from_formula_cells_uploaded(app, world, admin):
    """A workbook whose cells are real formulas (=HYPERLINK...) in every column: imported as text or refused,
    never stored as something an export would write as a formula."""
    header = ["submitted_at", "calidad", "comentario"]
    rows = [["2025-03-01T10:00:00Z", "buena", f] for f in FORMULAS if f.startswith("=")]
    problems: list[str] = []
    _import(admin, f"encuesta-{world.survey_id}", xlsx_file({"r": [header, *rows]}, formulas=True), "f.xlsx", problems)
    for fmt in ("csv", "xlsx"):
        data = fetch(admin, f"/encuestas/{world.survey_id}/respuestas.{fmt}").get_data()
        problems += xlsx_formula_cells(data) if fmt == "xlsx" else csv_formula_cells(data)
    assert not problems, problems
