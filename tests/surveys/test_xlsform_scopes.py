"""XLSForm names per scope, loops, the standard's remaining types, choice duplicates and far cells (issue 14)."""

import io
import re

import openpyxl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyxform.xls2xform import convert

from crm.core.tabular import MAX_COLUMNS, TooManyColumns, open_xlsx, sheet_rows
from surveys.xlsform.model import XLSFormError
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import xlsform_bytes
from tests.surveys.helpers import workbook_bytes

HEADER = ["type", "name", "label", "relevant"]


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(data)
    return [str(p) for p in caught.value.problems]


def _instance(xform: str) -> str:
    """The primary instance of an XForm (its data's shape), without the form's id."""
    body = re.search(r"<instance>(.*?)</instance>", xform, re.S).group(1)
    return re.sub(r' id="[^"]*"', "", body)


def _pyxform(tmp_path, data: bytes, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return convert(xlsform=str(path), validate=False).xform


# --------------------------------------------------------------------------- the standard's remaining types

def test_acknowledge_barcode_hidden_and_device_metadata_are_kept():
    data = workbook_bytes([HEADER, ["trigger", "ok", "¿Está de acuerdo?", ""], ["barcode", "codigo", "Código", ""],
                           ["hidden", "oculto", "", ""], ["simserial", "sim", "", ""], ["email", "correo", "", ""],
                           ["note", "aviso", "SIM ${sim}, correo ${correo}", "${ok} = 'OK'"]])
    questions = read_xlsform(data).definition.questions
    assert [(q.type, q.name) for q in questions] == [
        ("acknowledge", "ok"), ("barcode", "codigo"), ("hidden", "oculto"), ("simserial", "sim"),
        ("email", "correo"), ("note", "aviso")]
    assert questions[-1].logic["label_refs"] is True


def test_a_question_labelled_only_by_a_media_file_takes_its_name_with_a_warning():
    data = workbook_bytes([["type", "name", "label::English (en)", "media::image::English (en)"],
                           ["text", "q", "Q", ""], ["note", "foto", "", "mapa.png"]])
    result = read_xlsform(data)
    assert result.definition.questions[1].labels == {"en": "foto"}
    assert any("survey row 3" in w and "«mapa.png»" in w and "no se sube" in w for w in result.warnings)
    # without a media file the label is still required
    assert problems_of(workbook_bytes([["type", "name", "label", "image"], ["note", "foto", "", ""]])) == [
        "survey row 2: la pregunta «foto» no tiene etiqueta (label)"]


# --------------------------------------------------------------------------- choice duplicates

def test_choice_duplicates_need_the_setting_as_in_pyxform(tmp_path):
    survey = [["type", "name", "label", "choice_filter"], ["select_one estados", "estado", "Estado", ""],
              ["select_one municipios", "municipio", "Municipio", "cf = ${estado}"]]
    choices = [["list_name", "name", "label", "cf"], ["estados", "tx", "Texas", ""], ["estados", "wa", "Washington", ""],
               ["municipios", "king", "King", "wa"], ["municipios", "king", "King", "tx"]]
    assert problems_of(workbook_bytes(survey, choices))[0].startswith(
        "choices row 5: la opción «king» se repite en la lista «municipios» (fila 4); si es intencional")
    form = read_xlsform(workbook_bytes(survey, choices, [["allow_choice_duplicates"], ["yes"]])).definition
    assert [(c.name, c.extra) for c in form.questions[1].choices] == [("king", {"cf": "wa"}), ("king", {"cf": "tx"})]
    written = xlsform_bytes(form)
    assert read_xlsform(written).definition == form
    assert "king" in _pyxform(tmp_path, written, "dup.xlsx")


# --------------------------------------------------------------------------- cells past the column limit

def _far_cell_workbook(column: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    for row in (["type", "name", "label"], ["text", "a", "A"]):
        sheet.append(row)
    sheet.cell(row=2, column=column, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsform_cells_past_the_column_limit_are_ignored_like_cells_under_no_header():
    form = read_xlsform(_far_cell_workbook(MAX_COLUMNS + 500)).definition
    assert [(q.type, q.name) for q in form.questions] == [("text", "a")]


def test_sheet_rows_drops_far_cells_only_when_asked():
    workbook = open_xlsx(_far_cell_workbook(MAX_COLUMNS + 3), read_only=True)
    try:
        rows = list(sheet_rows(workbook["survey"], max_rows=10, beyond="ignore"))
        assert rows == [(1, ("type", "name", "label")), (2, ("text", "a", "A"))]
        with pytest.raises(TooManyColumns):
            list(sheet_rows(workbook["survey"], max_rows=10))
    finally:
        workbook.close()


# --------------------------------------------------------------------------- names per scope

def test_a_name_reused_in_other_groups_is_stored_as_its_path(tmp_path):
    data = workbook_bytes([HEADER, ["integer", "edad", "Su edad", ""], ["begin_group", "hogar", "Hogar", ""],
                           ["begin_repeat", "miembro", "Miembro", ""], ["integer", "edad", "Edad", ". > 0"],
                           ["text", "nombre", "Nombre", "${total} > 0"], ["end_repeat", "", "", ""],
                           ["end_group", "", "", ""], ["integer", "total", "Total", "${nombre} != ''"]])
    form = read_xlsform(data).definition
    assert [q.name for q in form.questions] == ["edad", "hogar", "miembro", "hogar/miembro/edad", "nombre", None,
                                                None, "total"]
    assert form.questions[4].logic["relevant"] == {"src": "${total} > 0", "tree": ["op", ">", ["ref", "total"],
                                                                                 ["num", 0.0]]}
    written = xlsform_bytes(form)
    sheet = openpyxl.load_workbook(io.BytesIO(written))["survey"]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)].count("edad") == 2  # plain names
    assert read_xlsform(written).definition == form
    assert _instance(_pyxform(tmp_path, written, "w.xlsx")) == _instance(_pyxform(tmp_path, data, "o.xlsx"))


def test_names_repeated_among_siblings_or_repeats_and_ambiguous_references_are_refused():
    data = workbook_bytes([HEADER, ["begin_group", "g", "G", ""], ["text", "a", "A", ""], ["text", "a", "A2", ""],
                           ["end_group", "", "", ""], ["begin_repeat", "r", "R", ""], ["text", "a", "A3", ""],
                           ["end_repeat", "", "", ""], ["begin_group", "h", "H", ""], ["begin_repeat", "r", "R", ""],
                           ["end_repeat", "", "", ""], ["end_group", "", "", ""], ["text", "b", "B ${a}", "${a} = 1"]])
    assert problems_of(data) == [
        "survey row 4: el nombre «a» se repite dentro del grupo «g» (fila 3)",
        "survey row 10: la repetición «r» tiene el nombre de la repetición de la fila 6: cada repetición necesita un "
        "nombre único en todo el formulario",
        "survey row 13: relevant: «${a}» es ambiguo: el nombre se usa en varios grupos o repeticiones (filas 3, 4, 7); "
        "una referencia debe nombrar una sola pregunta del formulario",
        "survey row 13: label: «${a}» es ambiguo: el nombre se usa en varios grupos o repeticiones (filas 3, 4, 7); "
        "una referencia debe nombrar una sola pregunta del formulario",
    ]


def test_a_path_longer_than_the_column_is_refused():
    long = "g" * 80
    rows = [HEADER, ["text", "a", "A", ""]]
    for depth in range(4):
        rows.append(["begin_group", f"{long[:79]}{depth}", "G", ""])
    rows += [["text", "a", "A", ""], *[["end_group", "", "", ""]] * 4]
    assert problems_of(workbook_bytes(rows))[0].startswith("survey row 7: la ruta «")


_names = st.sampled_from(["a", "b", "edad", "nombre"])


@st.composite
def _structures(draw, depth=0):
    """Rows of a random structure of groups (nested up to 2 levels), with names drawn from a small pool."""
    rows, used = [], set()
    for index in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.booleans()):
            group = f"g{depth}_{index}"
            rows += [["begin_group", group, "G", ""], *draw(_structures(depth + 1)), ["end_group", "", "", ""]]
        else:
            name = draw(_names.filter(lambda n: n not in used))
            used.add(name)
            rows.append(["text", name, name.upper(), ""])
    return rows


@settings(max_examples=40, deadline=None)
@given(_structures())
def test_names_unique_per_scope_are_stored_uniquely_and_written_back_plainly(rows):
    form = read_xlsform(workbook_bytes([HEADER, *rows])).definition
    plain = [row[1] for row in rows if row[1]]
    expected, path = [], []
    for kind, name, *_ in rows:
        if kind == "end_group":
            path.pop()
            continue
        expected.append("/".join([*path, name]) if plain.count(name) > 1 else name)
        if kind == "begin_group":
            path.append(name)
    names = [q.name for q in form.questions if q.name]
    assert names == expected and len(names) == len(set(names))
    assert read_xlsform(xlsform_bytes(form)).definition == form


# --------------------------------------------------------------------------- loops

LOOP = [["type", "name", "label::English (en)", "label::Español (es)", "relevant"],
        ["select_multiple cosas or_other", "tiene", "Has", "Tiene", ""],
        ["begin loop over cosas", "por_cosa", "Per thing", "Por cosa", ""],
        ["integer", "cuantas", "How many %(label)s?", "¿Cuántas %(label)s?", "selected(${tiene}, '%(name)s')"],
        ["begin_group", "detalle", "Detail of %(label)s", "Detalle", ""],
        ["text", "nota", "Note %(label)s", "Nota", ""],
        ["end_group", "", "", "", ""],
        ["end loop", "", "", "", ""]]
LOOP_CHOICES = [["list_name", "name", "label::English (en)", "label::Español (es)"],
                ["cosas", "sillas", "chairs", "sillas"], ["cosas", "none", "none", "ninguna"],
                ["cosas", "mesas", "tables", "mesas"]]


def test_a_loop_is_expanded_into_a_group_per_choice_as_pyxform_does(tmp_path):
    data = workbook_bytes(LOOP, LOOP_CHOICES)
    form = read_xlsform(data).definition
    summary = [(q.type, q.name, q.labels.get("en")) for q in form.questions]
    per_choice = [[("begin_group", choice, label), ("integer", f"por_cosa/{choice}/cuantas", f"How many {label}?"),
                   ("begin_group", f"por_cosa/{choice}/detalle", f"Detail of {label}"),
                   ("text", f"por_cosa/{choice}/detalle/nota", "Note %(label)s"), ("end_group", None, None),
                   ("end_group", None, None)] for choice, label in (("sillas", "chairs"), ("mesas", "tables"),
                                                                    ("other", "Other"))]
    assert summary == [("select_multiple", "tiene", "Has"), ("text", "tiene_other", "Specify other"),
                       ("begin_group", "por_cosa", "Per thing"),
                       *per_choice[0], *per_choice[1], *per_choice[2], ("end_group", None, None)]
    assert form.questions[4].labels["es"] == "¿Cuántas sillas?"
    assert form.questions[4].logic["relevant"]["src"] == "selected(${tiene}, 'sillas')"
    written = xlsform_bytes(form)
    assert read_xlsform(written).definition == form
    assert _instance(_pyxform(tmp_path, written, "w.xlsx")) == _instance(_pyxform(tmp_path, data, "o.xlsx"))


def test_loop_problems_name_the_row():
    assert problems_of(workbook_bytes([HEADER, ["begin loop over nada", "l", "L", ""], ["text", "a", "A", ""],
                                       ["end loop", "", "", ""]], [["list_name", "name", "label"], ["x", "y", "Y"]])
                       )[0] == "survey row 2: la lista «nada» del bucle no existe en la hoja choices"
    assert problems_of(workbook_bytes([HEADER, ["begin loop over x", "l", "L", ""], ["text", "a", "A", ""]],
                                      [["list_name", "name", "label"], ["x", "y", "Y"]])) == [
        "survey row 2: el bucle «l» no se cierra (falta end loop)"]
    # a loop's copies repeat their names: a reference to one of them is ambiguous, said once
    assert problems_of(workbook_bytes([HEADER, ["begin loop over x", "l", "L", ""], ["text", "a", "A", ""],
                                       ["text", "b", "B", "${a} = 1"], ["end loop", "", "", ""]],
                                      [["list_name", "name", "label"], ["x", "y", "Y"], ["x", "z", "Z"]])) == [
        "survey row 4: relevant: «${a}» es ambiguo: el nombre se usa en varios grupos o repeticiones (fila 3); una "
        "referencia debe nombrar una sola pregunta del formulario"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["uno", "dos", "tres", "none", "cuatro"]), min_size=1, max_size=4, unique=True),
       st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
       st.text(alphabet="ab %()sl", max_size=12))
def test_any_loop_expands_to_one_group_per_choice_and_reads_back(choices, body, label):
    kept = [c for c in choices if c != "none"]  # as pyxform, a choice named none makes no group
    assume(kept)
    rows = [HEADER, ["begin loop over l", "bucle", "Bucle", ""],
            *[["text", name, f"{label} {name}", ""] for name in body], ["end loop", "", "", ""]]
    form = read_xlsform(workbook_bytes(rows, [["list_name", "name", "label"], *[["l", c, c.upper()] for c in choices]]
                                       )).definition
    expected = ["bucle"]
    for choice in kept:
        expected += [choice, *(f"bucle/{choice}/{n}" if len(kept) > 1 else n for n in body), None]
    assert [q.name for q in form.questions] == [*expected, None]
    assert read_xlsform(xlsform_bytes(form)).definition == form
