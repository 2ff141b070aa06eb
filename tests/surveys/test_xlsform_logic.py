"""XLSForm logic columns, the standard's types and spellings, and the writer keeping all of it (issue 14)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyxform.xls2xform import convert

from surveys.xlsform.model import XLSFormError
from surveys.xlsform.qtypes import TYPE_ALIASES, parse_type
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.rowlogic import parse_parameters
from surveys.xlsform.sheets import split_header
from surveys.xlsform.writer import xlsform_bytes
from tests.surveys.helpers import workbook_bytes

SURVEY = [
    ["type", "name", "label::Español (es)", "label::English (en)", "hint::Español (es)", "required", "relevant",
     "constraint", "constraint_message::Español (es)", "constraint_message::English (en)", "required_message::es",
     "calculation", "choice_filter", "default", "read_only", "repeat_count", "parameters", "appearance"],
    ["integer", "edad", "Edad", "Age", "", "yes", "", ". >= 18", "Debe ser mayor de edad", "Must be an adult",
     "Indique su edad", "", "", "30", "", "", "", ""],
    ["select_one estados", "estado", "Estado", "State", "", "no", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["select_one ciudades", "ciudad", "Ciudad", "City", "", "${edad} > 20", "${edad} >= 18", "", "", "", "", "", "estado=${estado}",
     "", "", "", "", "minimal"],
    ["calculate", "doble", "", "", "", "", "", "", "", "", "", "${edad} * 2", "", "", "", "", "", ""],
    ["range", "nota", "Nota", "Grade", "Tiene ${doble}", "", "", "", "", "", "", "", "", "", "yes", "", "start=0 end=5", ""],
    ["select_one colores or_other", "color", "Color", "Colour", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["begin_repeat", "hijos", "Hijos", "Children", "", "", "", "", "", "", "", "", "", "", "", "${edad} div 10", "", ""],
    ["date", "nacimiento", "Nacimiento", "Birth", "", "", "", ". < today()", "", "", "", "", "", "today()", "", "", "", ""],
    ["end_repeat", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["geopoint", "lugar", "Lugar", "Place", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["start", "inicio", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
]
CHOICES = [["list_name", "name", "label::Español (es)", "label::English (en)", "estado"],
           ["estados", "cdmx", "CDMX", "Mexico City", ""], ["estados", "jal", "Jalisco", "Jalisco", ""],
           ["ciudades", "coyoacan", "Coyoacán", "Coyoacan", "cdmx"], ["ciudades", "gdl", "Guadalajara", "GDL", "jal"],
           ["colores", "rojo", "Rojo", "Red", ""], ["colores", "azul", "Azul", "Blue", ""]]


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(data)
    return [str(p) for p in caught.value.problems]


def test_logic_columns_are_read_compiled_and_never_warned_about():
    result = read_xlsform(workbook_bytes(SURVEY, CHOICES))
    q = {question.name: question for question in result.definition.questions if question.name}
    assert not any("relevant" in w or "constraint" in w or "calculation" in w for w in result.warnings)
    edad = q["edad"].logic
    assert edad["constraint"]["src"] == ". >= 18" and edad["constraint"]["tree"][0] == "op"
    assert edad["constraint_message"] == {"es": "Debe ser mayor de edad", "en": "Must be an adult"}
    assert edad["required_message"] == {"es": "Indique su edad"} and q["edad"].required
    assert edad["default_value"] == "30"
    ciudad = q["ciudad"]
    assert ciudad.logic["relevant"]["src"] == "${edad} >= 18"
    assert ciudad.logic["required"]["src"] == "${edad} > 20" and ciudad.required is False
    assert ciudad.logic["choice_filter"]["tree"] == ["op", "=", ["col", "estado"], ["ref", "estado"]]
    assert [c.extra for c in ciudad.choices] == [{"estado": "cdmx"}, {"estado": "jal"}]
    assert q["doble"].type == "calculate" and q["doble"].logic["calculation"]["src"] == "${edad} * 2"
    assert q["nota"].logic["parameters"] == {"start": "0", "end": "5", "step": "1"}
    assert q["nota"].logic["read_only_flag"] is True and q["nota"].logic["label_refs"] is True
    # or_other as pyxform makes it: the choice `other` and a text question shown when it is chosen
    assert q["color"].logic["or_other"] is True and [c.name for c in q["color"].choices] == ["rojo", "azul", "other"]
    assert q["color"].choices[-1].labels == {"es": "Otra", "en": "Other"}
    assert q["color_other"].type == "text" and q["color_other"].logic["other_of"] == "color"
    assert q["color_other"].logic["relevant"]["src"] == "selected(${color}, 'other')"
    assert q["hijos"].type == "begin_repeat" and q["hijos"].logic["repeat_count"]["src"] == "${edad} div 10"
    assert q["nacimiento"].logic["default"]["src"] == "today()"
    assert (q["lugar"].type, q["inicio"].type) == ("geopoint", "start")


def test_written_form_keeps_the_logic_converts_with_pyxform_and_reads_back_equal(tmp_path):
    original = read_xlsform(workbook_bytes(SURVEY, CHOICES)).definition
    path = tmp_path / "logica.xlsx"
    path.write_bytes(xlsform_bytes(original))
    xform = convert(xlsform=str(path), validate=False).xform
    assert 'constraint=". &gt;= 18"' in xform and "jr:count" in xform and "calculate=\" /data/edad  * 2\"" in xform
    assert read_xlsform(path).definition == original
    # or_other is written back as the author wrote it: no added question, no added choice
    assert "color_other" not in xform.split("<bind", 1)[0] or xform.count('nodeset="/data/color_other"') == 1
    written = read_xlsform(path)
    assert [c.name for c in written.definition.questions if c.name == "color_other"] == ["color_other"]


def test_or_other_name_taken_is_refused():
    survey = [["type", "name", "label"], ["select_one colores or_other", "color", "Color"],
              ["text", "color_other", "Otro"]]
    assert problems_of(workbook_bytes(survey, CHOICES[:1] + CHOICES[5:])) == [
        "survey: «color» usa or_other, que agrega la pregunta «color_other», y ese nombre ya existe en el formulario"]


@pytest.mark.parametrize("cell,column,message", [
    ("${nadie} = 1", "relevant", "«${nadie}» no es ninguna pregunta del formulario"),
    ("pulldata('a', 'b', 'c', 'd')", "relevant", "pulldata()"),
    ("1 +", "constraint", ""),
])
def test_bad_expressions_refuse_the_form_naming_row_and_column(cell, column, message):
    header = ["type", "name", "label", column]
    problems = problems_of(workbook_bytes([header, ["text", "q", "Q", cell]]))
    assert len(problems) == 1 and problems[0].startswith(f"survey row 2: {column}: ") and message in problems[0]


def test_calculate_needs_a_calculation_and_label_refs_must_exist():
    problems = problems_of(workbook_bytes([["type", "name", "label"], ["calculate", "c", ""],
                                           ["note", "n", "Hola ${falta}"]]))
    assert problems == ["survey row 2: calculation: una fila calculate necesita su fórmula en la columna calculation",
                        "survey row 3: label: «${falta}» no es ninguna pregunta del formulario"]


@pytest.mark.parametrize("cell,expected", [
    ("select one from colores", ("select_one", "colores", False)),
    ("select all that apply from colores", ("select_multiple", "colores", False)),
    ("select_one colores or_other", ("select_one", "colores", True)),
    ("select_multiple colores or specify other", ("select_multiple", "colores", True)),
    ("rank colores", ("rank", "colores", False)), ("begin repeat", ("begin_repeat", None, False)),
    ("end_repeat", ("end_repeat", None, False)), ("gps", ("geopoint", None, False)),
    ("dateTime", ("datetime", None, False)), ("photo", ("image", None, False)), ("imei", ("deviceid", None, False)),
    ("trigger", ("acknowledge", None, False)), ("barcode", ("barcode", None, False)), ("hidden", ("hidden", None, False)),
    ("sim id", ("simserial", None, False)), ("uri:email", ("email", None, False)),
    ("begin loop over colores", ("begin_loop", "colores", False)), ("end loop", ("end_loop", None, False)),
])
def test_type_spellings(cell, expected):
    parsed = parse_type(cell)
    assert (parsed.type, parsed.list_name, parsed.or_other) == expected and parsed.problem is None


@pytest.mark.parametrize("cell", ["geotrace", "geoshape", "select_one_from_file a.csv", "xml-external",
                                  "background-audio", "begin loop", "osm"])
def test_unsupported_types_are_refused_naming_the_type(cell):
    parsed = parse_type(cell)
    assert parsed.type is None and cell.split(" ")[0] in parsed.problem


def test_label_with_one_colon_and_any_language():
    data = workbook_bytes([["type", "name", "label:English", "label:Kiswahili", "label:العربية", "label:pt-BR"],
                           ["text", "q", "Name", "Jina", "الاسم", "Nome"]], settings=[["default_language"], ["English"]])
    form = read_xlsform(data).definition
    assert form.questions[0].labels == {"en": "Name", "sw": "Jina", "ar": "الاسم", "pt-BR": "Nome"}
    assert form.languages == ["en", "sw", "ar", "pt-BR"] and form.default_language == "en"
    assert read_xlsform(xlsform_bytes(form)).definition == form


def test_old_bind_spellings_are_read_as_logic():
    data = workbook_bytes([["type", "name", "label", "bind:relevant", "bind:constraint", "bind:jr:constraintMsg"],
                           ["integer", "a", "A", "", ". > 1", "Mayor que uno"], ["text", "b", "B", "${a} > 2", "", ""]])
    a, b = read_xlsform(data).definition.questions
    assert a.logic["constraint"]["src"] == ". > 1" and a.logic["constraint_message"] == {"es": "Mayor que uno"}
    assert b.logic["relevant"]["src"] == "${a} > 2"


# --------------------------------------------------------------------------- the cell parsers, property-based

_token = st.text(st.characters(blacklist_characters=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0=,;",
                               blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=8)


@given(st.dictionaries(_token.map(str.lower), _token, max_size=5), st.sampled_from([" ", ",", ";", " ; ", "  "]))
def test_parameters_parse_back_what_is_written(pairs, separator):
    pairs = {key: value if key in ("label", "value") else value.lower() for key, value in pairs.items()}
    text = separator.join(f"{key}={value}" for key, value in pairs.items())
    assert parse_parameters(text) == pairs


@given(st.text(max_size=30))
def test_parameters_never_raise(text):
    parsed = parse_parameters(text)
    assert parsed is None or all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items())


@given(st.sampled_from(sorted(TYPE_ALIASES)), st.sampled_from(["", " ", "  "]), st.booleans())
def test_type_aliases_in_any_case_and_spacing(alias, pad, upper):
    cell = pad + (alias.upper() if upper else alias).replace(" ", " " + pad) + pad
    assert parse_type(cell).type == TYPE_ALIASES[alias]


@given(st.text(max_size=40))
def test_any_type_cell_is_read_or_refused_with_a_line(cell):
    parsed = parse_type(cell)
    assert (parsed.type is None) == (parsed.problem is not None) or (parsed.type is None and parsed.problem is None)


@given(st.sampled_from(["label", "hint", "constraint_message", "required_message"]),
       st.sampled_from(["English", "Español (es)", "pt-BR", "Kiswahili", "English (en)"]), st.booleans())
def test_language_headers_split_on_one_or_two_colons(column, language, double):
    header = f"{column}{'::' if double else ':'}{language}"
    assert split_header(header, double, "survey") == (column, language)


def test_a_file_question_inside_a_repeat_is_refused_naming_it():
    survey = [["type", "name", "label"], ["begin_repeat", "miembro", "Miembro"], ["image", "foto", "Foto"],
              ["end_repeat", "", ""]]
    assert problems_of(workbook_bytes(survey, [["list_name", "name", "label"]])) == [
        "survey row 3: la pregunta de archivo «foto» (image) está dentro de una repetición: la plataforma recibe "
        "archivos solo fuera de las repeticiones"]
