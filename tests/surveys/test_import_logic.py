"""The responses import applies the form's logic (CONTRACTS.md "Survey logic"): relevance, required rules,
constraints, choice filters; calculations computed and stored; metadata and the new types stored."""

import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.tabular import read_csv_bytes, read_table
from surveys import services
from surveys.models import Answer, Question, Response
from surveys.responses.imports import ResponsesImportError, import_responses
from surveys.xlsform.reader import read_xlsform
from tests.surveys.helpers import SAMPLE, csv_bytes, workbook_bytes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make(survey_rows, choices=None, **kwargs):
    return services.create_survey(read_xlsform(workbook_bytes(survey_rows, choices)).definition, **kwargs)


def problems(survey, header, rows) -> list[str]:
    before = count(Response), count(Answer)
    with pytest.raises(ResponsesImportError) as caught:
        import_responses(survey, read_csv_bytes(csv_bytes(header, rows)))
    assert (count(Response), count(Answer)) == before  # all or nothing
    return [str(p) for p in caught.value.problems]


def stored(survey) -> list[dict]:
    """{question name: value or choice name} per response, in submission order."""
    found: dict[int, dict] = {}
    for answer in db.session.scalars(select(Answer).join(Response).order_by(Response.submitted_at, Answer.id)):
        value = answer.choice.name if answer.choice_id else answer.value
        row = found.setdefault(answer.response_id, {})
        row[answer.question.name] = f"{row[answer.question.name]} {value}" if answer.question.name in row else value
    return list(found.values())


def logic_sample():
    return services.create_survey(read_xlsform(SAMPLE / "form_logic.xlsx").definition)


# --------------------------------------------------------------------------- the contract's sample

def test_sample_logic_bad_rows_are_named(app):
    survey = logic_sample()
    with pytest.raises(ResponsesImportError) as caught:
        import_responses(survey, read_table(SAMPLE / "responses_logic_bad.csv"))
    assert [str(p) for p in caught.value.problems] == [
        "row 2: edad: «5» no cumple la restricción: Debe ser mayor de edad",
        "row 3: motivo: la pregunta no aplica con las respuestas de esta fila (relevant: ${asistio} = 'no'); la "
        "celda debe quedar vacía",
    ]
    assert count(Response) == 0


def test_sample_logic_good_rows_store_the_calculation(app):
    survey = logic_sample()
    report = import_responses(survey, read_table(SAMPLE / "responses_logic.csv"))
    assert report.imported == 2
    assert stored(survey) == [{"edad": "30", "asistio": "si", "doble": "60"},
                              {"edad": "45", "asistio": "no", "motivo": "Trabajo", "doble": "90"}]


# --------------------------------------------------------------------------- relevance and required

GROUPED = [
    ["type", "name", "label", "required", "relevant"],
    ["select_one sn", "trabaja", "¿Trabaja?", "yes", ""],
    ["begin_group", "empleo", "Empleo", "", "${trabaja} = 'si'"],
    ["text", "empresa", "Empresa", "yes", ""],
    ["integer", "horas", "Horas", "", ""],
    ["end_group", "", "", "", ""],
    ["text", "razon", "Razón", "${trabaja} = 'no'", ""],
]
SN = [["list_name", "name", "label"], ["sn", "si", "Sí"], ["sn", "no", "No"]]


def test_a_group_hides_its_questions_and_their_requirement(app):
    survey = make(GROUPED, SN)
    found = problems(survey, ["submitted_at", "trabaja", "empresa", "horas", "razon"], [
        ["2025-03-01T10:00:00", "no", "", "", "cuida a su familia"],  # fine
        ["2025-03-01T10:00:00", "no", "", "40", "estudia"],  # hidden by the group
        ["2025-03-01T10:00:00", "si", "", "40", ""],  # required in the group
        ["2025-03-01T10:00:00", "no", "", "", ""],  # required as an expression
    ])
    assert found == [
        "row 3: horas: la pregunta no aplica con las respuestas de esta fila (el grupo «empleo» relevant: "
        "${trabaja} = 'si'); la celda debe quedar vacía",
        "row 4: empresa: la pregunta es obligatoria y la celda está vacía",
        "row 5: razon: la pregunta es obligatoria y la celda está vacía",
    ]


def test_a_conditionally_required_question_may_miss_its_column_until_a_row_needs_it(app):
    survey = make(GROUPED, SN)
    assert import_responses(survey, read_csv_bytes(csv_bytes(
        ["submitted_at", "trabaja", "razon"], [["2025-03-01T10:00:00", "no", "estudia"]]))).imported == 1
    found = problems(survey, ["submitted_at", "trabaja", "razon"], [["2025-03-01T10:00:00", "si", ""]])
    assert found == ["row 2: empresa: la pregunta es obligatoria en esta fila y el archivo no tiene su columna"]
    # a question required in every row still needs its column
    assert problems(survey, ["submitted_at", "razon"], [["2025-03-01T10:00:00", ""]])[0] == (
        "row 1: trabaja: falta la columna de esta pregunta obligatoria")


def test_the_forms_required_message_is_given(app):
    survey = make([["type", "name", "label", "required", "required_message"],
                   ["text", "correo", "Correo", "yes", "Escriba su correo"]])
    assert problems(survey, ["submitted_at", "correo"], [["2025-03-01T10:00:00", " "]]) == [
        "row 2: correo: Escriba su correo (la pregunta es obligatoria y la celda está vacía)"]


# --------------------------------------------------------------------------- constraints

def test_constraints_with_and_without_a_message(app):
    survey = make([
        ["type", "name", "label", "constraint", "constraint_message::Español (es)", "constraint_message::English (en)"],
        ["text", "correo", "Correo", "regex(., '^[^@ ]+@[^@ ]+$')", "Escriba un correo válido", "A valid e-mail"],
        ["integer", "hijos", "Hijos", ". >= 0 and . < 20", "", ""],
        ["date", "fecha", "Fecha", ". <= today()", "", ""],
    ])
    found = problems(survey, ["submitted_at", "correo", "hijos", "fecha"], [
        ["2025-03-01T10:00:00", "ana@example.org", "2", "2025-03-01"],
        ["2025-03-01T10:00:00", "not-an-email", "25", "2025-03-02"],  # today() is the row's submitted_at day
    ])
    assert found == [
        "row 3: correo: «not-an-email» no cumple la restricción: Escriba un correo válido",
        "row 3: hijos: «25» no cumple la restricción de la pregunta (. >= 0 and . < 20)",
        "row 3: fecha: «2025-03-02» no cumple la restricción de la pregunta (. <= today())",
    ]


def test_a_value_refused_for_its_type_is_not_reported_twice(app):
    survey = make([["type", "name", "label", "constraint"], ["integer", "edad", "Edad", ". >= 18"]])
    assert problems(survey, ["submitted_at", "edad"], [["2025-03-01T10:00:00", "diez"]]) == [
        "row 2: edad: «diez» no es un número entero"]


# --------------------------------------------------------------------------- choice filters

CASCADE_SURVEY = [
    ["type", "name", "label", "choice_filter"],
    ["select_one estados", "estado", "Estado", ""],
    ["select_one ciudades", "ciudad", "Ciudad", "estado = ${estado}"],
]
CASCADE_CHOICES = [
    ["list_name", "name", "label", "estado"],
    ["estados", "texas", "Texas", ""], ["estados", "washington", "Washington", ""],
    ["ciudades", "austin", "Austin", "texas"], ["ciudades", "dallas", "Dallas", "texas"],
    ["ciudades", "seattle", "Seattle", "washington"],
]


def test_a_choice_outside_its_filter_is_refused(app):
    survey = make(CASCADE_SURVEY, CASCADE_CHOICES)
    found = problems(survey, ["submitted_at", "estado", "ciudad"], [
        ["2025-03-01T10:00:00", "texas", "austin"], ["2025-03-01T10:00:00", "texas", "seattle"]])
    assert found == ["row 3: ciudad: «seattle» no es una opción permitida con las respuestas de esta fila "
                     "(filtro: estado = ${estado}; permitidas: austin, dallas)"]


def test_a_filtered_rank_orders_every_option_the_filter_keeps(app):
    survey = make([["type", "name", "label", "choice_filter"], ["select_one estados", "estado", "Estado", ""],
                   ["rank ciudades", "orden", "Ordene las ciudades", "estado = ${estado}"]], CASCADE_CHOICES)
    found = problems(survey, ["submitted_at", "estado", "orden"], [
        ["2025-03-01T10:00:00", "texas", "dallas austin"], ["2025-03-01T10:00:00", "texas", "dallas"]])
    assert found == ["row 3: orden: faltan opciones por ordenar: austin"]


# --------------------------------------------------------------------------- calculations

CALC = [
    ["type", "name", "label", "calculation"],
    ["integer", "adultos", "Adultos", ""],
    ["integer", "menores", "Menores", ""],
    ["calculate", "total", "", "${adultos} + ${menores}"],
    ["calculate", "folio", "", "concat('F-', once(uuid()))"],
    ["calculate", "mitad", "", "${total} div 2"],
]


def test_calculations_are_computed_when_the_column_is_left_out(app):
    survey = make(CALC)
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "adultos", "menores"],
                                                      [["2025-03-01T10:00:00", "2", "1"]])))
    (row,) = stored(survey)
    assert (row["total"], row["mitad"]) == ("3", "1.5")
    assert row["folio"].startswith("F-") and len(row["folio"]) > 10


def test_a_calculated_column_that_differs_is_reported(app):
    survey = make(CALC)
    found = problems(survey, ["submitted_at", "adultos", "menores", "total", "mitad"], [
        ["2025-03-01T10:00:00", "2", "1", "3", "1.50"], ["2025-03-01T10:00:00", "2", "2", "5", ""]])
    assert found == ["row 3: total: el archivo dice «5» y la plataforma calcula «4» con las respuestas de esta "
                     "fila; deje la celda vacía o quite la columna para que se calcule"]


def test_a_calculation_of_the_moment_keeps_the_files_value(app):
    survey = make(CALC)
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "adultos", "menores", "total", "folio"], [
        ["2025-03-01T10:00:00", "2", "1", "3", "F-uuid-del-dispositivo"]])))
    assert stored(survey)[0]["folio"] == "F-uuid-del-dispositivo"


def test_a_not_relevant_calculation_stores_nothing(app):
    survey = make([["type", "name", "label", "relevant", "calculation"], ["integer", "edad", "Edad", "", ""],
                   ["calculate", "doble", "", "${edad} > 0", "${edad} * 2"]])
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "edad"], [
        ["2025-03-01T10:00:00", "4"], ["2025-03-02T10:00:00", "0"]])))
    assert stored(survey) == [{"edad": "4", "doble": "8"}, {"edad": "0"}]


# --------------------------------------------------------------------------- metadata and the new types

def test_metadata_and_new_types_are_stored(app):
    survey = make([
        ["type", "name", "label", "parameters"],
        ["start", "inicio", "", ""], ["end", "fin", "", ""], ["deviceid", "equipo", "", ""],
        ["time", "hora", "Hora", ""], ["datetime", "momento", "Momento", ""],
        ["range", "escala", "Escala", "start=0 end=100 step=5"], ["geopoint", "lugar", "Lugar", ""],
        ["rank estados", "orden", "Orden", ""],
    ], CASCADE_CHOICES)
    header = ["submitted_at", "inicio", "fin", "hora", "momento", "escala", "lugar", "orden"]
    import_responses(survey, read_csv_bytes(csv_bytes(header, [
        ["2025-03-01T10:00:00", "2025-03-01T15:50:00Z", "2025-03-01T09:59:00", "9:30", "2025-03-01T10:00:00",
         "35", "19.43260 -99.1332", "washington texas"]])))
    assert stored(survey) == [{"inicio": "2025-03-01T09:50:00-06:00", "fin": "2025-03-01T09:59:00-06:00",
                               "hora": "09:30:00", "momento": "2025-03-01T10:00:00-06:00", "escala": "35",
                               "lugar": "19.4326 -99.1332", "orden": "washington texas"}]
    found = problems(survey, header, [["2025-03-01T10:00:00", "ayer", "", "", "", "36", "", "texas"]])
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in found] == [
        "row 2: inicio", "row 2: escala", "row 2: orden"]


def test_upload_columns_are_ignored_with_a_warning(app):
    survey = make([["type", "name", "label"], ["text", "nombre", "Nombre"], ["image", "foto", "Foto"]])
    report = import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "nombre", "foto"], [
        ["2025-03-01T10:00:00", "Ana", "https://example.org/foto.jpg"]])))
    assert report.imported == 1 and "foto" in report.warnings[0]
    assert db.session.scalar(select(func.count()).select_from(Answer).join(Question)
                             .where(Question.name == "foto")) == 0


def test_a_question_with_a_calculation_holds_its_result(app):
    """Its requirement and constraint apply to the result (surveys.logic.runtime checked the typed text)."""
    survey = make([["type", "name", "label", "required", "constraint", "calculation"],
                   ["integer", "base", "Base", "", "", ""],
                   ["integer", "triple", "Triple", "yes", ". < 100", "${base} * 3"]])
    import_responses(survey, read_csv_bytes(csv_bytes(["submitted_at", "base"], [["2025-03-01T10:00:00", "5"]])))
    assert stored(survey) == [{"base": "5", "triple": "15"}]
    assert problems(survey, ["submitted_at", "base"], [["2025-03-01T10:00:00", "40"]]) == [
        "row 2: triple: el valor calculado «120» no cumple la restricción"]


def test_metadata_are_typed_for_expressions(app):
    survey = make([["type", "name", "label", "constraint"], ["start", "inicio", "", ""], ["end", "fin", "", ""],
                   ["today", "dia", "", ""],
                   ["text", "nota", "Nota", "${fin} >= ${inicio} and ${dia} = date('2025-03-01')"]])
    header = ["submitted_at", "inicio", "fin", "dia", "nota"]
    import_responses(survey, read_csv_bytes(csv_bytes(header, [
        ["2025-03-01T10:00:00", "2025-03-01T09:00:00", "2025-03-01T09:30:00", "2025-03-01", "bien"]])))
    assert count(Response) == 1
    for fin, dia in (("2025-03-01T08:30:00", "2025-03-01"), ("2025-03-01T09:30:00", "2025-03-02")):
        assert [p.split(":")[0] + ":" + p.split(":")[1] for p in problems(survey, header, [
            ["2025-03-01T10:00:00", "2025-03-01T09:00:00", fin, dia, "bien"]])] == ["row 2: nota"]


def test_a_relevance_on_a_later_calculation(app):
    """Relevance reading a calculation further down the form: the logic runs again until it is stable."""
    survey = make([["type", "name", "label", "relevant", "calculation"], ["integer", "edad", "Edad", "", ""],
                   ["text", "nota", "Nota", "${doble} > 10", ""], ["calculate", "doble", "", "", "${edad} * 2"]])
    header = ["submitted_at", "edad", "nota"]
    import_responses(survey, read_csv_bytes(csv_bytes(header, [["2025-03-01T10:00:00", "10", "bien"]])))
    assert stored(survey) == [{"edad": "10", "nota": "bien", "doble": "20"}]
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in problems(survey, header, [
        ["2025-03-01T10:00:00", "3", "bien"]])] == ["row 2: nota"]


def test_the_web_import_lists_the_optional_columns(app):
    from surveys.responses.import_kind import _responses_kind

    kind = _responses_kind(logic_sample().id)
    assert kind.columns == "submitted_at, edad, asistio, motivo (opcionales: doble)"


ROW_PROBLEM = re.compile(r"^row \d+: (edad|asistio|motivo|doble|submitted_at): \S")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["30", "45", "18", "5", "treinta", ""]),
                          st.sampled_from(["si", "no", "no", "quizá", ""]), st.sampled_from(["", "", "Trabajo", " "]),
                          st.sampled_from(["", "", "right", "36", "x"])), min_size=1, max_size=3))
def test_any_rows_of_the_logic_sample_are_stored_by_its_rules_or_refused_whole(app, rows):
    """Whatever the cells: located problems and nothing written, or every stored response keeps the rules
    (edad >= 18, motivo only when asistio is no, doble = 2 × edad)."""
    db.session.rollback()
    for model in (Answer, Response):
        db.session.query(model).delete()
    survey = db.session.scalar(select(Question).where(Question.name == "doble"))
    survey = survey.survey if survey is not None else logic_sample()
    header = ["submitted_at", "edad", "asistio", "motivo", "doble"]
    table = [["2025-03-01T10:00:00", *row[:3], str(2 * int(row[0])) if row[3] == "right" and row[0].isdigit()
                                                  else row[3].replace("right", "")]
             for row in rows]
    try:
        import_responses(survey, read_csv_bytes(csv_bytes(header, table)))
    except ResponsesImportError as exc:
        assert all(ROW_PROBLEM.match(str(p)) for p in exc.problems), exc.problems
        assert count(Response) == 0
        event("refused")
        return
    event("stored")
    kept = stored(survey)
    assert len(kept) == len(rows)
    for row in kept:
        assert int(row["edad"]) >= 18 and row["asistio"] in ("si", "no")
        assert "motivo" not in row or row["asistio"] == "no"
        assert row["doble"] == str(2 * int(row["edad"]))
