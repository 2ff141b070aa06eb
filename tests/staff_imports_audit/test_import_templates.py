"""Import guidance (issue 18, item 11): every import kind describes each of its columns once, and the upload
page, the preview and a downloadable XLSX template read those descriptions; the template imports as it is."""

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.contacts.catalogs import COLUMNS as CONTACT_COLUMNS
from crm.contacts.organizations.rows import COLUMNS as ORGANIZATION_COLUMNS
from crm.core.extensions import db
from crm.events.agreements.rows import COLUMNS as AGREEMENT_COLUMNS
from crm.events.imports.rows import ACTIVITY_COLUMNS, REQUEST_COLUMNS
from crm.imports.kinds import Column, describe, kind_names, resolve_kind
from crm.imports.templates import GUIDE_HEADER
from surveys.models import Response
from surveys.responses.import_guide import columns as survey_columns
from surveys.responses.import_kind import _responses_kind
from surveys.responses.imports import SUBMITTED_AT
from surveys.services import create_survey
from surveys.xlsform.reader import read_xlsform
from tests.factories import load_program, make_survey
from tests.surveys.helpers import workbook_bytes

# what each registered kind's importer reads: a kind that gains a column must describe it
IMPORTER_COLUMNS = {"contactos": CONTACT_COLUMNS, "organizaciones": ORGANIZATION_COLUMNS,
                    "actividades": ACTIVITY_COLUMNS, "gestiones": REQUEST_COLUMNS, "convenios": AGREEMENT_COLUMNS}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERSON_WORDS = re.compile(r"AAAA|YYYY|snake|\bISO\b")


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


def sheet_rows(book, name):
    return [[("" if v is None else v) for v in row] for row in book[name].iter_rows(values_only=True)]


def download(client, kind):
    response = client.get(f"/importar/{kind}/plantilla.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def import_as_is(client, kind, data: bytes) -> str:
    """The template uploaded unchanged, through the upload page and its service, then confirmed."""
    response = client.post(f"/importar/{kind}", data={"file": (io.BytesIO(data), "plantilla.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "El archivo no tiene problemas" in page, page[page.find("<main"):][:3000]
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    done = client.post(f"/importar/{kind}/confirmar", data={"token": token}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Importación terminada" in text, text[text.find("<main"):][:2000]
    return page


def test_every_registered_kind_describes_exactly_the_columns_its_importer_reads(app):
    assert set(kind_names()) == set(IMPORTER_COLUMNS), "a new import kind needs its entry here and its descriptions"
    for name in kind_names():
        fields = resolve_kind(name).fields
        assert [c.name for c in fields] == list(IMPORTER_COLUMNS[name]), name
        for column in fields:
            assert column.title and column.meaning and column.format, (name, column.name)
            assert column.title != column.name and "_" not in column.title, (name, column.name)
            assert not PERSON_WORDS.search(column.format + column.meaning), (name, column.name, column.format)
            if column.format.startswith("fecha"):
                assert "por ejemplo 2025-03-12" in column.format, (name, column.name)


def test_describe_refuses_a_column_without_description_and_a_description_of_no_column():
    described = (Column("fecha", "Fecha", "Día.", "fecha, por ejemplo 2025-03-12", "2025-03-12"),)
    with pytest.raises(ValueError, match="titulo"):
        describe(("fecha", "titulo"), described)
    with pytest.raises(ValueError, match="fecha"):
        describe((), described)
    assert describe(("fecha",), described) == described


@pytest.mark.parametrize("kind", sorted(IMPORTER_COLUMNS))
def test_each_template_has_the_importers_header_an_example_and_a_spanish_guide(client, login_as, kind):
    login_as("staff")
    book = workbook(download(client, kind))
    assert book.sheetnames[:2] == ["Datos", "Columnas"]
    data = sheet_rows(book, "Datos")
    assert data[0] == list(IMPORTER_COLUMNS[kind]) and len(data) == 2 and any(data[1])
    guide = sheet_rows(book, "Columnas")
    assert tuple(guide[0]) == GUIDE_HEADER
    assert [row[0] for row in guide[1:]] == list(IMPORTER_COLUMNS[kind])
    for row in guide[1:]:
        assert row[1] and row[2] and row[3] and row[4] in ("Obligatoria", "Opcional") or row[4].startswith(
            "Obligatoria si")


@pytest.mark.parametrize("kind", sorted(IMPORTER_COLUMNS))
def test_each_template_imports_as_it_is_once_the_program_is_loaded(client, login_as, kind):
    load_program(2025)  # the examples name action lines of the 2025 program
    login_as("staff")
    import_as_is(client, kind, download(client, kind))


def test_the_upload_page_lists_each_column_with_its_format_and_links_the_template(client, login_as):
    login_as("staff")
    page = client.get("/importar/actividades").get_data(as_text=True)
    assert 'href="/importar/actividades/plantilla.xlsx"' in page and "Descargar la plantilla (XLSX)" in page
    for column in resolve_kind("actividades").fields:
        assert f"<code>{column.name}</code>" in page and column.title in page
    assert "fecha, por ejemplo <code>2025-03-12</code>" in page and "presencial, virtual, híbrida" in page
    assert "Obligatoria" in page and "Opcional" in page and "Valores admitidos: presencial" in page


def test_the_preview_shows_spanish_titles_not_the_files_column_names(client, login_as):
    login_as("staff")
    page = import_as_is(client, "contactos", download(client, "contactos"))
    head = re.search(r"<thead>(.*?)</thead>", page[page.find("Primeras filas"):], re.S).group(1)
    assert "Primer apellido" in head and "Fecha de consentimiento" in head
    assert ">primer_apellido<" not in head and ">pais_residencia<" not in head
    assert 'class="table-responsive' in page[page.find("Primeras filas") - 300:page.find("Primeras filas")]


def test_a_problem_names_the_column_as_written_and_its_title(client, login_as):
    login_as("staff")
    data = "\ufeffnombre,primer_apellido,correo\nAna,López,ana@\n".encode()
    response = client.post("/importar/contactos", data={"file": (io.BytesIO(data), "a.csv")},
                           content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "fila 2: correo (Correo electrónico):" in page


def test_a_survey_template_follows_its_questions_and_imports_as_it_is(client, login_as):
    survey = make_survey([
        {"name": "calidad", "type": "select_one", "labels": {"es": "¿Cómo califica la sesión?"}, "required": True,
         "choices": [("buena", {"es": "Buena"}, True), ("mala", {"es": "Mala"}, False)]},
        {"name": "temas", "type": "select_multiple", "labels": {"es": "Temas"},
         "choices": [("voto", {"es": "Voto"}, False), ("redes", {"es": "Redes"}, False)]},
        {"name": "edad", "type": "integer", "labels": {"es": "Edad"}},
        {"name": "visita", "type": "date", "labels": {"es": "Fecha de visita"}},
        {"name": "opinion", "type": "text", "labels": {"es": "Opinión"}},
    ])
    login_as("staff")
    kind = f"encuesta-{survey.id}"
    book = workbook(download(client, kind))
    data = sheet_rows(book, "Datos")
    assert data[0] == [SUBMITTED_AT, "calidad", "temas", "edad", "visita", "opinion"]
    assert data[1][:3] == ["2025-03-12 10:30", "buena", "voto"]
    guide = {row[0]: row for row in sheet_rows(book, "Columnas")[1:]}
    assert guide["calidad"][1] == "¿Cómo califica la sesión?" and guide["calidad"][4] == "Obligatoria"
    assert guide["calidad"][5] == "buena = Buena; mala = Mala"
    assert guide["visita"][3].startswith("fecha, por ejemplo 2025-03-12")
    import_as_is(client, kind, download(client, kind))
    assert db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id)) == 1


def test_a_survey_example_leaves_empty_what_the_forms_logic_refuses(app):
    survey = create_survey(read_xlsform(workbook_bytes(
        [["type", "name", "label", "constraint", "relevant"],
         ["integer", "edad", "Edad", ". >= 18", ""],
         ["text", "motivo", "Motivo", "", "${edad} > 200"],
         ["text", "comentario", "Comentario", "", ""]])).definition)
    fields = {c.name: c for c in _responses_kind(survey.id).fields}
    assert [c.name for c in survey_columns(survey)] == ["edad", "motivo", "comentario"]
    assert fields["edad"].example == ""  # 3 breaks the constraint
    assert fields["comentario"].example == "Texto de ejemplo"
