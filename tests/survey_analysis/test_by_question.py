"""Cross-tabulation by another single choice of the same survey (satisfaction by «¿Es su primera vez como
persona observadora?»): rows are its options and «Sin respuesta», a small option group is suppressed with its
complement; the GET form works without JavaScript; the XLSX and PDF carry the table as shown."""

from __future__ import annotations

import io
import re
import subprocess

from openpyxl import load_workbook

from crm.core.suppression import exposed_lines
from surveys.analysis.crosstab import COMPLEMENTARY, SMALL, crosstab
from surveys.analysis.dimensions import question_dimension
from tests.survey_analysis.age_helpers import AGE_NUMBER, FIRST_TIME, SATISFACTION, survey_with
from tests.survey_analysis.helpers import respond


def scene():
    """First-timers: 8 (5 «mucho»); not: 3 (all «poco»); no answer to the first-time question: 6; ages given."""
    survey = survey_with(SATISFACTION, FIRST_TIME, AGE_NUMBER)
    for i in range(8):
        respond(survey, satisfaccion="mucho" if i < 5 else "poco", primera_vez="si", p7=str(20 + i))
    for i in range(3):
        respond(survey, satisfaccion="poco", primera_vez="no", p7=str(61 + i))
    for i in range(6):
        respond(survey, satisfaccion="mucho" if i < 2 else "poco", p7=str(33 + i))
    respond(survey, satisfaccion="mucho", primera_vez="no", excluded=True)  # counts nowhere
    return survey, {q.name: q for q in survey.questions}


def test_a_question_by_another_suppresses_a_small_option_group_and_its_complement(app):
    survey, question = scene()
    table = crosstab(question["satisfaccion"], question_dimension(question["primera_vez"], "es", "es"), "es", "es")
    assert table.dimension.heading == "según la respuesta a «¿Es su primera vez como persona observadora?»"
    rows = {g.label: g for g in table.groups}
    assert list(rows) == ["Sí", "No", "Sin respuesta"]
    assert rows["Sí"].total.count == 8 and [(c.count, c.percent) for c in rows["Sí"].cells] == [(5, 62.5), (3, 37.5)]
    # «No»: 3 responses, hidden; «Sin respuesta» (6, the next smallest) hidden with it, so that 17 - 8 gives
    # back neither
    assert all(c.count is None and c.reason == SMALL for c in [rows["No"].total, *rows["No"].cells])
    assert all(c.count is None and c.reason == COMPLEMENTARY
               for c in [rows["Sin respuesta"].total, *rows["Sin respuesta"].cells])
    assert (table.answered, table.totals) == (17, [7, 10])
    grid = [[*[c.count for c in g.cells], g.total.count] for g in table.groups] + [[*table.totals, table.answered]]
    hidden = {(r, c) for r, row in enumerate(grid) for c, value in enumerate(row) if value is None}
    assert exposed_lines([[0 if v is None else v for v in row] for row in grid], hidden) == []
    assert any("«Sin respuesta» reúne" in note for note in table.notes)


def test_the_form_offers_the_other_questions_and_works_without_javascript(client, login_as):
    survey, question = scene()
    login_as("coordinator")
    base = f"/encuestas/{survey.id}/analisis/cruce"
    page = client.get(base).get_data(as_text=True)
    assert '<form method="get"' in page
    grouping = re.search(r'<select[^>]*name="grupo".*?</select>', page, re.S).group(0)
    assert '<optgroup label="Datos de la persona">' in grouping and '<optgroup label="Respuestas de la encuesta">' in grouping
    assert (f'<option value="pregunta-{question["primera_vez"].id}">Por la pregunta: ¿Es su primera vez como '
            "persona observadora?</option>") in grouping
    assert '<option value="edad">Grupo de edad</option>' in grouping
    assert f'<option selected value="{question["p7"].id}">¿Cuántos años cumplidos tiene?</option>' in page

    satisfaction = question["satisfaccion"].id
    page = client.get(f"{base}?pregunta={satisfaction}&grupo=pregunta-{question['primera_vez'].id}").get_data(as_text=True)
    assert "según la respuesta a «¿Es su primera vez como persona observadora?»</h2>" in page
    assert [re.sub(r"<.*?>", "", h) for h in re.findall(r'<th scope="row">(.*?)</th>', page)[:3]] == [
        "Sí", "No", "Sin respuesta"]
    assert page.count('data-suppressed="menos de 5"') == 3 and page.count('data-suppressed="complementaria"') == 3
    assert f"grupo=pregunta-{question['primera_vez'].id}" in page  # the downloads keep the choice

    page = client.get(f"{base}?pregunta={satisfaction}&grupo=edad").get_data(as_text=True)  # the age recognised
    assert "¿Qué tan satisfecha está?, por grupo de edad</h2>" in page
    assert '<th scope="row">18 a 29 años</th>' in page and f"edad={question['p7'].id}" in page

    same = client.get(f"{base}?pregunta={satisfaction}&grupo=pregunta-{satisfaction}").get_data(as_text=True)
    assert 'id="cruce"' not in same and "Elija una pregunta distinta" in same


def sheet(body: bytes) -> list[tuple]:
    return [tuple(r) for r in load_workbook(io.BytesIO(body), read_only=True)["Cruce"].iter_rows(values_only=True)]


def test_the_downloads_carry_the_question_and_age_crosstabs_as_shown(client, login_as, tmp_path):
    survey, question = scene()
    login_as("coordinator")
    base = f"/encuestas/{survey.id}/analisis"
    by_first = f"pregunta={question['satisfaccion'].id}&grupo=pregunta-{question['primera_vez'].id}"
    response = client.get(f"{base}.xlsx?{by_first}")
    assert f'-pregunta-{question["primera_vez"].id}.xlsx"' in response.headers["Content-Disposition"]
    rows = sheet(response.data)
    assert rows[0] == ("¿Es su primera vez como persona observadora?", "Respuestas", "Mucho (respuestas)",
                       "Mucho (% del grupo)", "Poco (respuestas)", "Poco (% del grupo)")
    assert rows[1] == ("Sí", 8, 5, 62.5, 3, 37.5)
    assert rows[2] == ("No", "suprimida (menos de 5)", "suprimida (menos de 5)", None, "suprimida (menos de 5)", None)
    assert rows[3][:3] == ("Sin respuesta", "suprimida (complementaria)", "suprimida (complementaria)")
    assert rows[4] == ("Total", 17, 7, 41.2, 10, 58.8)
    assert any(row and "«Sin respuesta» reúne" in str(row[0]) for row in rows)

    rows = sheet(client.get(f"{base}.xlsx?pregunta={question['satisfaccion'].id}&grupo=edad").data)
    assert rows[0][:2] == ("Grupo de edad", "Respuestas")
    assert [r[0] for r in rows[1:4]] == ["18 a 29 años", "30 a 39 años", "60 años o más"]
    assert rows[1][:4] == ("18 a 29 años", 8, 5, 62.5)
    assert rows[3][1] == "suprimida (menos de 5)"
    assert any(row and "Edad tomada de la pregunta «¿Cuántos años cumplidos tiene?»" in str(row[0]) for row in rows)

    pdf = client.get(f"{base}.pdf?pregunta={question['satisfaccion'].id}&grupo=edad&edad={question['p7'].id}")
    (tmp_path / "a.pdf").write_bytes(pdf.data)
    text = " ".join(subprocess.run(["/usr/bin/pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True,
                                   check=True, text=True).stdout.split())
    assert "¿Qué tan satisfecha está?, por grupo de edad" in text and "30 a 39 años" in text
    assert "suprimida (menos de 5)" in text and "Edad tomada de la pregunta" in text
