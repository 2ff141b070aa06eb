"""XLSForm reading and writing (pure functions: no database)."""

import re

import pytest
from pyxform.xls2xform import convert

from crm.core.tabular import TableError
from surveys.xlsform.model import FormDefinition, XLSFormError, parse_language, parse_yes_no
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import xlsform_bytes
from tests.surveys.helpers import SAMPLE, rich_form, workbook_bytes

HEADER = ["type", "name", "label", "required"]


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(data)
    return [str(p) for p in caught.value.problems]


def one_question(*rows, choices=None, settings=None, header=HEADER):
    return workbook_bytes([header, *rows], choices, settings)


# --------------------------------------------------------------------------- the public sample

def test_sample_form_reads_with_both_languages_and_indicator():
    result = read_xlsform(SAMPLE / "form.xlsx")
    form = result.definition
    assert result.warnings == []
    assert (form.title, form.form_id, form.default_language, form.languages) == (
        "Sesión informativa", "sesion_info", "es", ["es", "en"])
    calidad, opinion = form.questions
    assert calidad.type == "select_one" and calidad.list_name == "cal"
    assert calidad.required and calidad.indicator
    assert calidad.labels == {"es": "¿Cómo califica la sesión?", "en": "How do you rate the session?"}
    assert [(c.name, c.positive) for c in calidad.choices] == [("buena", True), ("regular", False), ("mala", False)]
    assert calidad.choices[0].labels == {"es": "Buena", "en": "Good"}
    assert opinion.type == "text" and not opinion.required and not opinion.indicator


def test_written_form_is_accepted_by_pyxform_and_reads_back_equal(tmp_path):
    original = read_xlsform(workbook_bytes(**rich_form())).definition
    path = tmp_path / "exported.xlsx"
    path.write_bytes(xlsform_bytes(original))
    converted = convert(xlsform=str(path), validate=False)
    assert "<h:title>Evaluación de la sesión</h:title>" in converted.xform
    assert converted.warnings == []
    again = read_xlsform(path)
    assert again.warnings == []
    assert again.definition == original


def test_written_form_has_no_formula_cells_even_for_labels_starting_with_equals(tmp_path):
    import openpyxl

    from surveys.xlsform.model import QuestionDef

    form = FormDefinition(title="=HYPERLINK(\"x\")", form_id="f",
                          questions=[QuestionDef("text", "calculo", {"es": "=1+1"}, {"es": "@cmd"})])
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsform_bytes(form))
    workbook = openpyxl.load_workbook(path)
    assert not [c for s in workbook.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert read_xlsform(path).definition == form
    assert "=1+1" in convert(xlsform=str(path), validate=False).xform


def test_shared_list_names_are_kept_and_different_choices_get_their_own_list():
    form = FormDefinition(title="T", form_id="t", questions=[])
    from surveys.xlsform.model import ChoiceDef, QuestionDef

    a = [ChoiceDef("si", {"es": "Sí"}, True), ChoiceDef("no", {"es": "No"})]
    b = [ChoiceDef("x", {"es": "X"})]
    form.questions = [QuestionDef("select_one", "p1", {"es": "P1"}, list_name="l", choices=a),
                      QuestionDef("select_one", "p2", {"es": "P2"}, list_name="l", choices=list(a)),
                      QuestionDef("select_multiple", "p3", {"es": "P3"}, list_name="l", choices=b)]
    back = read_xlsform(xlsform_bytes(form)).definition
    assert [q.list_name for q in back.questions] == ["l", "l", "l_2"]
    assert [q.choices for q in back.questions] == [a, a, b]


# --------------------------------------------------------------------------- cells and languages

@pytest.mark.parametrize("cell", ["yes", "YES", "true", "True()", "1", "sí", "Sí", "si", " SI ", True, 1, 1.0])
def test_yes_cells(cell):
    assert parse_yes_no(cell) is True


@pytest.mark.parametrize("cell", ["no", "NO", "false", "FALSE()", "0", "", None, False, 0, "  "])
def test_no_cells(cell):
    assert parse_yes_no(cell) is False


@pytest.mark.parametrize("cell", ["quizás", "y", "2", 2, "verdadero", "nope"])
def test_other_yes_no_cells_are_invalid(cell):
    assert parse_yes_no(cell) is None


@pytest.mark.parametrize("text,code", [("Español (es)", "es"), ("English (en)", "en"), ("es", "es"), ("en", "en"),
                                       ("Spanish", "es"), ("Inglés", "en"), ("es-MX", "es-MX"), ("spa", "es"),
                                       ("Français (fr)", "fr"), ("Klingon", "tlh"), ("xx", None), ("pt-BR", "pt-BR"),
                                       ("pt_br", "pt-BR"), ("zh-Hans", "zh-Hans"), ("Swahili", "sw"),
                                       ("Kiswahili", "sw"), ("العربية", "ar"), ("Français", "fr"),
                                       ("Português (pt-BR)", "pt-BR"), ("Nonsense words", None)])
def test_language_names(text, code):
    assert parse_language(text) == code


def test_boolean_and_numeric_cells_in_required_and_positive():
    data = workbook_bytes([["type", "name", "label", "required"], ["select_one l", "q", "Q", True],
                           ["text", "t", "T", 0]],
                          [["list_name", "name", "label", "positive"], ["l", "a", "A", 1], ["l", "b", "B", False]])
    q, t = read_xlsform(data).definition.questions
    assert q.required is True and t.required is False
    assert [c.positive for c in q.choices] == [True, False]


def test_plain_label_is_in_the_default_language():
    data = one_question(["text", "q", "Question", "no"],
                        settings=[["form_title", "default_language"], ["Form", "English (en)"]])
    form = read_xlsform(data).definition
    assert form.default_language == "en"
    assert form.questions[0].labels == {"en": "Question"}


def test_plain_label_without_settings_is_spanish_and_short_language_columns_work():
    data = workbook_bytes([["type", "name", "label", "label::en", "hint::es"], ["text", "q", "Pregunta", "Question",
                                                                              "Ayuda"]])
    form = read_xlsform(data).definition
    assert form.default_language == "es" and form.languages == ["es", "en"]
    assert form.questions[0].labels == {"es": "Pregunta", "en": "Question"}
    assert form.questions[0].hints == {"es": "Ayuda"}


def test_english_only_form_defaults_to_english():
    data = workbook_bytes([["type", "name", "label::English (en)"], ["text", "q", "Question"]])
    form = read_xlsform(data).definition
    assert form.default_language == "en" and form.languages == ["en"]


def test_group_spellings_and_title_fallback():
    data = workbook_bytes([["type", "name", "label"], ["begin group", "g", "G"], ["text", "q", "Q"],
                           ["end group", "", ""], ["begin_group", "h", ""], ["integer", "n", "N"],
                           ["end_group", "", ""]], settings=[["form_id"], ["mi_form"]])
    form = read_xlsform(data).definition
    assert [q.type for q in form.questions] == ["begin_group", "text", "end_group", "begin_group", "integer",
                                                "end_group"]
    assert form.title == "mi_form"


# --------------------------------------------------------------------------- warnings

def test_unknown_columns_are_ignored_and_listed_with_a_suggestion():
    data = workbook_bytes([["type", "name", "label", "lable", "relevant", "requried"],
                           ["text", "q", "Q", "typo", "1 = 1", "yes"]],
                          [["list_name", "name", "label", "positivo"]],
                          [["form_title", "colour"], ["T", "red"]])
    result = read_xlsform(data)
    assert "survey: columna desconocida «lable» ignorada (¿quiso decir «label»?)" in result.warnings
    assert "survey: columna desconocida «requried» ignorada (¿quiso decir «required»?)" in result.warnings
    assert not any("relevant" in w for w in result.warnings)  # logic is read, never a warning
    assert result.definition.questions[0].logic["relevant"]["src"] == "1 = 1"
    assert any(w.startswith("choices: columna desconocida «positivo»") for w in result.warnings)
    assert any(w.startswith("settings: columna desconocida «colour»") for w in result.warnings)
    assert result.definition.questions[0].required is False  # the misspelt column was not read


def test_metadata_rows_unused_lists_and_unknown_sheets_are_warnings():
    data = workbook_bytes([["type", "name", "label"], ["phonenumber", "tel", ""], ["start-geopoint", "dónde", ""],
                           ["text", "q", "Q"]],
                          [["list_name", "name", "label"], ["sobra", "a", "A"]], extra={"notas": [["x"]]})
    result = read_xlsform(data)
    # the device's phone number is kept as metadata (left empty by a web form); start-geopoint is left out
    assert [(q.type, q.name) for q in result.definition.questions] == [("phonenumber", "tel"), ("text", "q")]
    assert any(w.startswith("survey row 3:") and "start-geopoint" in w for w in result.warnings)
    assert any("«sobra» no se usa" in w for w in result.warnings)
    assert any("hoja desconocida «notas»" in w for w in result.warnings)


def test_indicator_without_positive_choice_is_a_warning():
    data = workbook_bytes([[*HEADER, "indicator"], ["select_one l", "q", "Q", "yes", "satisfaction"]],
                          [["list_name", "name", "label", "positive"], ["l", "a", "A", "no"]])
    assert any("no tiene ninguna opción marcada como positive" in w for w in read_xlsform(data).warnings)


# --------------------------------------------------------------------------- errors, each with sheet and row

def test_invalid_yes_no_cells_name_sheet_and_row():
    data = workbook_bytes([HEADER, ["select_one l", "q", "Q", "quizás"]],
                          [["list_name", "name", "label", "positive"], ["l", "a", "A", "yes"], ["l", "b", "B", "tal vez"]])
    problems = problems_of(data)  # a required cell that is not yes/no is an expression: this one is not valid
    assert len(problems) == 2 and problems[0].startswith("survey row 2: required: ")
    assert problems[1] == "choices row 3: positive «tal vez» no es sí/no (use yes o no)"


def test_indicator_only_on_select_one_and_only_satisfaction():
    data = workbook_bytes([[*HEADER, "indicator"], ["text", "t", "T", "", "satisfaction"],
                           ["select_one l", "q", "Q", "", "satisfecho"]],
                          [["list_name", "name", "label"], ["l", "a", "A"]])
    problems = problems_of(data)
    assert problems[0].startswith("survey row 2: indicator «satisfaction» solo se admite en preguntas select_one")
    assert problems[1].startswith("survey row 3: indicator «satisfecho» no es válido")


def test_unbalanced_groups():
    assert problems_of(workbook_bytes([["type", "name", "label"], ["text", "q", "Q"], ["end_group", "", ""]])) == [
        "survey row 3: end_group sin un begin_group abierto"]
    assert problems_of(workbook_bytes([["type", "name", "label"], ["begin_group", "g", "G"], ["text", "q", "Q"]])) == [
        "survey row 2: el grupo «g» no se cierra (falta end_group)"]


def test_missing_list_and_missing_choices_sheet():
    data = workbook_bytes([["type", "name", "label"], ["select_one cali", "q", "Q"], ["select_multiple nada", "m", "M"]],
                          [["list_name", "name", "label"], ["cal", "a", "A"]])
    problems = problems_of(data)
    assert problems[0] == "survey row 2: la lista «cali» no existe en la hoja choices (¿quiso decir «cal»?)"
    assert problems[1].startswith("survey row 3: la lista «nada» no existe")
    assert problems_of(workbook_bytes([["type", "name", "label"], ["select_one l", "q", "Q"]])) == [
        "survey row 2: la lista «l» no existe en la hoja choices"]


def test_duplicate_names_and_invalid_xml_names():
    data = workbook_bytes([["type", "name", "label"], ["text", "q", "Q"], ["begin_group", "g", "G"],
                           ["integer", "q", "Q otra vez"], ["end_group", "", ""], ["text", "1abc", "X"],
                           ["text", "con espacio", "X"], ["text", "meta", "X"], ["text", "", "Sin nombre"]])
    problems = problems_of(data)
    # the standard allows a name again in another group (stored as its path): only the invalid names are refused
    assert problems[0].startswith("survey row 6: el nombre «1abc» no es un nombre XML válido")
    assert problems[1].startswith("survey row 7: el nombre «con espacio» no es un nombre XML válido")
    assert problems[2] == "survey row 8: el nombre «meta» es un nombre reservado"
    assert problems[3] == "survey row 9: falta el nombre (columna name)"
    assert len(problems) == 4


def test_choice_problems():
    data = workbook_bytes([["type", "name", "label"], ["select_multiple l", "q", "Q"]],
                          [["list_name", "name", "label"], ["l", "a", "A"], ["l", "a", "A2"], ["l", "", "Sin nombre"],
                           ["", "b", "Sin lista"], ["l", "c d", "Con espacio"]])
    assert problems_of(data) == [
        "choices row 3: la opción «a» se repite en la lista «l» (fila 2); si es intencional, ponga "
        "allow_choice_duplicates = yes en la hoja settings",
        "choices row 4: falta el nombre (name) de la opción",
        "choices row 5: falta list_name",
        "choices row 6: la opción «c d» tiene espacios, que no se admiten en select_multiple (pregunta «q»)",
    ]


def test_types():
    data = workbook_bytes([["type", "name", "label"], ["geotrace", "lugar", "L"], ["textt", "t", "T"],
                           ["select_one", "s", "S"], ["select_one l or_other extra", "o", "O"], ["", "sin_tipo", "X"],
                           ["begin_repeat", "r", "R"]],
                          [["list_name", "name", "label"], ["l", "a", "A"]])
    problems = problems_of(data)
    assert problems[0].startswith("survey row 2: el tipo «geotrace» no se admite")
    assert problems[1] == "survey row 3: tipo desconocido «textt» (¿quiso decir «text»?)"
    assert problems[2].startswith("survey row 4: tipo «select_one» sin lista")
    assert problems[3].startswith("survey row 5: tipo «select_one l or_other extra» no válido")
    assert problems[4] == "survey row 6: falta el tipo (columna type)"
    assert problems[5] == "survey row 7: la repetición «r» no se cierra (falta end_repeat)"


def test_question_without_label():
    data = workbook_bytes([["type", "name", "label"], ["text", "q", ""]])
    assert problems_of(data) == ["survey row 2: la pregunta «q» no tiene etiqueta (label)"]


def test_sheet_and_column_problems():
    assert problems_of(workbook_bytes(None, [["list_name", "name"]])) == ["survey row 1: el libro no tiene una hoja «survey»"]
    assert problems_of(workbook_bytes([["tipo", "name", "label"], ["text", "q", "Q"]])) == [
        "survey row 1: falta la columna «type»"]
    assert problems_of(workbook_bytes([["type", "name", "label"]])) == ["survey row 1: el formulario no tiene preguntas"]
    assert problems_of(workbook_bytes([["type", "name", "label::Nonsense words"], ["text", "q", "Q"]]))[0].startswith(
        "survey row 1: idioma no reconocido en la columna «label::Nonsense words»")
    assert problems_of(workbook_bytes([["type", "name", "name", "label"], ["text", "q", "q", "Q"]])) == [
        "survey row 1: la columna «name» está repetida"]


def test_settings_problems():
    data = one_question(["text", "q", "Q", ""], settings=[["form_title", "default_language"], ["T" * 301, "Idioma raro"]])
    problems = problems_of(data)
    assert problems == ["settings row 2: form_title supera 300 caracteres",
                        "settings row 2: default_language «Idioma raro» no es un idioma reconocido "
                        "(escriba, por ejemplo, Español (es))"]


def test_every_problem_is_reported_in_sheet_order():
    data = workbook_bytes([HEADER, ["text", "a", "A", "maybe"], ["end_group", "", "", ""], ["text", "a", "A", ""]],
                          [["list_name", "name", "label", "positive"], ["l", "x", "X", "?"]],
                          [["default_language"], ["zz"]])
    problems = problems_of(data)
    assert [re.match(r"(\w+) row (\d+):", p).groups() for p in problems] == [
        ("survey", "2"), ("survey", "3"), ("survey", "4"), ("choices", "2"), ("settings", "2")]


def test_unreadable_files_raise_table_error(tmp_path):
    with pytest.raises(TableError):
        read_xlsform(tmp_path / "missing.xlsx")
    with pytest.raises(TableError):
        read_xlsform(b"type,name,label\ntext,q,Q\n")
    with pytest.raises(TableError):
        read_xlsform(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(TableError):
        read_xlsform(b"PK\x03\x04 not really a zip")
