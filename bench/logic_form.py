"""A 40-question, logic-heavy survey for the submissions benchmark (`python -m bench.submissions --form logic`).

Built the way an author's form arrives: an XLSForm workbook written here, read by surveys.xlsform and stored
by surveys.services.create_survey, so every expression is compiled by the platform. It has skip logic on
groups and questions, constraints (ranges, a regular expression, a date not in the future, a count of
choices), a cascading choice filter, required-if expressions, calculations that chain, and `${ref}` labels.
`ANSWERS` fills it as a careful respondent would (every relevant question answered, none of the others);
`answer_rows()` is how many Answer rows one stored response must have (answers plus non-empty calculations).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

SCALE = [("1", "Muy mala"), ("2", "Mala"), ("3", "Regular"), ("4", "Buena"), ("5", "Muy buena")]
STATES = [("cdmx", "Ciudad de México"), ("jal", "Jalisco"), ("nl", "Nuevo León")]
CITIES = [("cuauhtemoc", "Cuauhtémoc", "cdmx"), ("coyoacan", "Coyoacán", "cdmx"), ("gdl", "Guadalajara", "jal"),
          ("zapopan", "Zapopan", "jal"), ("mty", "Monterrey", "nl")]
TOPICS = ["participacion", "transparencia", "inclusion", "seguridad", "voto_extranjero"]


def _rows() -> list[list[str]]:
    """survey sheet rows: type, name, label, required, relevant, constraint, constraint_message, calculation,
    choice_filter."""
    rows = [
        ["select_one sino", "consiente", "¿Acepta responder?", "yes", "", "", "", "", ""],
        ["integer", "edad", "Edad", "yes", "", ". >= 18 and . <= 110", "Debe tener entre 18 y 110 años", "", ""],
        ["select_one estados", "estado", "Entidad", "yes", "${consiente} = 'si'", "", "", "", ""],
        ["select_one ciudades", "ciudad", "Municipio o alcaldía", "yes", "${consiente} = 'si'", "", "", "",
         "estado = ${estado}"],
        ["begin_group", "satisfaccion", "Satisfacción (${edad} años)", "", "${consiente} = 'si'", "", "", "", ""],
    ]
    for index in range(1, 11):
        relevant = "" if index <= 5 else f"${{s{index - 5}}} >= 3"
        rows.append(["select_one escala", f"s{index}", f"Aspecto {index}", "yes", relevant, "", "", "", ""])
    rows += [
        ["end_group", "", "", "", "", "", "", "", ""],
        ["calculate", "suma", "", "", "", "", "", "${s1} + ${s2} + ${s3} + ${s4} + ${s5}", ""],
        ["calculate", "promedio", "", "", "", "", "", "round(${suma} div 5, 1)", ""],
        ["calculate", "satisfecho", "", "", "", "", "", "if(${promedio} >= 4, 'si', 'no')", ""],
        ["begin_group", "participacion", "Participación", "", "${satisfecho} = 'si' or ${edad} > 25", "", "", "",
         ""],
    ]
    for index in range(1, 11):
        rows.append(["integer", f"n{index}", f"Actividades del tipo {index}", "no", "",
                     ". >= 0 and . <= 100", "Escriba un número entre 0 y 100", "", ""])
    rows += [
        ["end_group", "", "", "", "", "", "", "", ""],
        ["calculate", "actividades", "", "", "", "", "", "${n1} + ${n2} + ${n3} + ${n4} + ${n5}", ""],
        ["select_multiple temas", "temas", "Temas de interés", "no", "", "count-selected(.) <= 3",
         "Elija hasta tres temas", "", ""],
        ["text", "otro_tema", "¿Cuál otro tema?", "no", "selected(${temas}, 'voto_extranjero')", "", "", "", ""],
        ["date", "fecha", "Fecha de la actividad", "no", "", ". <= today()", "La fecha no puede ser futura", "", ""],
        ["text", "nombre", "Nombre", "no", "", "regex(., '^[A-Za-zÁÉÍÓÚáéíóúÑñ ]*$')", "Solo letras", "", ""],
        ["text", "correo", "Correo de ${nombre}", "no", "string-length(${nombre}) > 0",
         "regex(., '^[^@ ]+@[^@ ]+[.][a-z]+$')", "Escriba un correo válido", "", ""],
        ["decimal", "horas", "Horas dedicadas", "no", "", ". > 0 and . < 24", "", "", ""],
        ["text", "comentario", "Comentarios", "no", "", "string-length(.) <= 500", "", "", ""],
        ["select_one sino", "asistio_antes", "¿Asistió a una jornada anterior?", "${edad} > 30", "", "", "", "",
         ""],
        ["integer", "veces", "¿A cuántas?", "yes", "${asistio_antes} = 'si'", ". >= 1", "Al menos una", "", ""],
        ["select_one sino", "recomendaria", "¿Lo recomendaría?", "yes", "", "", "", "", ""],
        ["text", "por_que_no", "¿Por qué no?", "no", "${recomendaria} = 'no'", "", "", "", ""],
        ["calculate", "resumen", "", "", "", "", "",
         "concat(${estado}, '-', ${ciudad}, '-', string(${actividades}))", ""],
    ]
    return rows


def write_workbook(path: Path) -> Path:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "required", "relevant", "constraint", "constraint_message",
                   "calculation", "choice_filter"])
    for row in _rows():
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label", "estado"])
    for name, label in (("si", "Sí"), ("no", "No")):
        choices.append(["sino", name, label, ""])
    for name, label in SCALE:
        choices.append(["escala", name, label, ""])
    for name, label in STATES:
        choices.append(["estados", name, label, ""])
    for name, label, state in CITIES:
        choices.append(["ciudades", name, label, state])
    for name in TOPICS:
        choices.append(["temas", name, name.replace("_", " ").capitalize(), ""])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "default_language"])
    settings.append(["Jornada de observación (lógica)", "bench_logic", "es"])
    book.save(path)
    return path


def question_count() -> int:
    return sum(1 for row in _rows() if row[1] and not row[0].startswith(("begin", "end")))


ANSWERS = (
    [("q_consiente", "si"), ("q_edad", "34"), ("q_estado", "jal"), ("q_ciudad", "zapopan")]
    + [(f"q_s{i}", "4") for i in range(1, 11)]
    + [(f"q_n{i}", str(i)) for i in range(1, 11)]
    + [("q_temas", "participacion"), ("q_temas", "inclusion"), ("q_fecha", "2025-06-01"),
       ("q_nombre", "Ana María"), ("q_correo", "ana@example.org"), ("q_horas", "2.5"),
       ("q_comentario", "Todo muy bien organizado, gracias."), ("q_asistio_antes", "si"), ("q_veces", "2"),
       ("q_recomendaria", "si")]
)
# every answer above is a row, plus the five calculations (suma, promedio, satisfecho, actividades, resumen)
ANSWER_ROWS = len(ANSWERS) + 5
