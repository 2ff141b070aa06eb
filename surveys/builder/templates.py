"""Ready-made survey definitions to start from (bilingual, formal usted, inclusive Spanish).

Each template is a FormDefinition (the same shape an XLSForm import produces), so a survey made from
it is created by services.create_survey and exports to an XLSForm that imports back to the same survey.
Every template has one or two indicator questions on a satisfaction scale whose two highest levels are
the positive answers, and a closing open question for comments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.core.extensions import db
from surveys import services
from surveys.builder.base import SCALES, YES_NO
from surveys.models import Survey
from surveys.xlsform.model import ChoiceDef, FormDefinition, QuestionDef


@dataclass(frozen=True)
class Template:
    key: str
    title: dict[str, str]  # {lang: title}
    description: str  # for the staff page (Spanish)
    component: str | None  # suggested component of the results matrix
    build: Callable[[], FormDefinition]


def _scale(name: str) -> list[ChoiceDef]:
    return [ChoiceDef(code, dict(labels), positive) for code, labels, positive in SCALES[name][1]]


USEFULNESS = [
    ChoiceDef("muy_util", {"es": "Muy útil", "en": "Very useful"}, True),
    ChoiceDef("util", {"es": "Útil", "en": "Useful"}, True),
    ChoiceDef("poco_util", {"es": "Poco útil", "en": "Slightly useful"}, False),
    ChoiceDef("nada_util", {"es": "Nada útil", "en": "Not useful at all"}, False),
]


def _yes_no() -> list[ChoiceDef]:
    return [ChoiceDef(code, dict(labels), positive) for code, labels, positive in YES_NO]


def _q(qtype: str, name: str, es: str, en: str, *, required: bool = False, indicator: bool = False,
       choices: list[ChoiceDef] | None = None, list_name: str | None = None, hint: tuple[str, str] | None = None,
       appearance: str = "") -> QuestionDef:
    select = qtype in ("select_one", "select_multiple")
    return QuestionDef(type=qtype, name=name, labels={"es": es, "en": en},
                       hints={"es": hint[0], "en": hint[1]} if hint else {}, required=required, indicator=indicator,
                       appearance=appearance, list_name=(list_name or name) if select else None,
                       choices=[ChoiceDef(c.name, dict(c.labels), c.positive) for c in choices or []])


def _comments(es: str, en: str) -> QuestionDef:
    return _q("text", "comentarios", es, en, appearance="multiline",
              hint=("Opcional. Por favor, no escriba datos personales.", "Optional. Please do not include personal "
                                                                          "data."))


def _intro(es: str, en: str) -> QuestionDef:
    return _q("note", "presentacion", es, en)


def observers() -> FormDefinition:
    title = "Encuesta de satisfacción de las personas observadoras"
    return FormDefinition(title=title, form_id="satisfaccion_observacion", default_language="es",
                          languages=["es", "en"], questions=[
        _intro("Gracias por participar en la observación electoral. Sus respuestas nos ayudan a mejorar; "
               "responder le tomará unos cinco minutos.",
               "Thank you for taking part in the electoral observation. Your answers help us improve; it takes "
               "about five minutes."),
        _q("begin_group", "experiencia", "Su experiencia como persona observadora", "Your experience as an observer"),
        _q("select_one", "satisfaccion_general",
           "En general, ¿qué tan satisfactoria fue su experiencia como persona observadora?",
           "Overall, how satisfactory was your experience as an observer?",
           required=True, indicator=True, choices=_scale("satisfaccion"), list_name="satisfaccion"),
        _q("select_one", "atencion_personal",
           "¿Cómo califica la atención y el acompañamiento del personal del Instituto durante la jornada?",
           "How do you rate the support and assistance of the Institute's staff on election day?",
           required=True, indicator=True, choices=_scale("calificacion"), list_name="calificacion"),
        _q("select_multiple", "aspectos_valiosos",
           "¿Qué aspectos le resultaron más valiosos?", "Which aspects were most valuable to you?",
           hint=("Puede elegir varias opciones.", "You may choose several options."), choices=[
               ChoiceDef("capacitacion", {"es": "La capacitación", "en": "The training"}),
               ChoiceDef("materiales", {"es": "Los materiales informativos", "en": "The information materials"}),
               ChoiceDef("acreditacion", {"es": "El trámite de acreditación", "en": "The accreditation process"}),
               ChoiceDef("acompanamiento", {"es": "El acompañamiento durante la jornada",
                                            "en": "The support on election day"}),
           ]),
        _q("select_one", "recomendaria",
           "¿Recomendaría a otras personas participar en la observación electoral?",
           "Would you recommend other people to take part in electoral observation?", choices=_yes_no(),
           list_name="si_no"),
        QuestionDef(type="end_group"),
        _comments("¿Tiene algún comentario o sugerencia para mejorar la observación electoral?",
                  "Do you have any comments or suggestions to improve electoral observation?"),
    ])


def foreign_visitors() -> FormDefinition:
    title = "Encuesta de satisfacción de las personas visitantes extranjeras"
    return FormDefinition(title=title, form_id="satisfaccion_visitantes", default_language="es",
                          languages=["es", "en"], questions=[
        _intro("Gracias por acompañarnos como persona visitante extranjera. Le agradeceremos unos minutos para "
               "conocer su opinión.",
               "Thank you for joining us as a foreign visitor. We would appreciate a few minutes of your time to "
               "hear your opinion."),
        _q("select_one", "satisfaccion_programa",
           "En general, ¿qué tan satisfactoria fue su participación en el programa de personas visitantes "
           "extranjeras?",
           "Overall, how satisfactory was your participation in the foreign visitors programme?",
           required=True, indicator=True, choices=_scale("satisfaccion"), list_name="satisfaccion"),
        _q("select_one", "informacion_logistica",
           "¿Cómo califica la información y las facilidades que le brindó el Instituto (agenda, traslados, "
           "materiales)?",
           "How do you rate the information and assistance provided by the Institute (agenda, transport, "
           "materials)?",
           required=True, indicator=True, choices=_scale("calificacion"), list_name="calificacion"),
        _q("select_one", "participaria_nuevamente",
           "¿Le gustaría participar en futuros programas de visitantes del Instituto?",
           "Would you like to take part in future visitor programmes of the Institute?", choices=_yes_no(),
           list_name="si_no"),
        _comments("¿Qué comentarios o recomendaciones tiene sobre el programa o sobre la jornada electoral?",
                  "What comments or recommendations do you have about the programme or about election day?"),
    ])


def network_activity() -> FormDefinition:
    title = "Encuesta de satisfacción de la actividad"
    return FormDefinition(title=title, form_id="satisfaccion_actividad", default_language="es",
                          languages=["es", "en"], questions=[
        _q("select_one", "satisfaccion_actividad", "En general, ¿qué tan satisfactoria fue la actividad?",
           "Overall, how satisfactory was the activity?",
           required=True, indicator=True, choices=_scale("satisfaccion"), list_name="satisfaccion"),
        _q("select_one", "utilidad_contenido",
           "¿Qué tan útil le resultó el contenido para su participación ciudadana?",
           "How useful was the content for your civic participation?",
           required=True, indicator=True, choices=USEFULNESS, list_name="utilidad"),
        _q("select_one", "recomendaria", "¿Recomendaría esta actividad a otras personas?",
           "Would you recommend this activity to other people?", choices=_yes_no(), list_name="si_no"),
        _q("text", "temas_interes", "¿Sobre qué temas le gustaría participar en próximas actividades?",
           "Which topics would you like future activities to cover?"),
        _comments("¿Tiene algún comentario o sugerencia sobre la actividad?",
                  "Do you have any comments or suggestions about the activity?"),
    ])


TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template("observadores", {"es": "Satisfacción de las personas observadoras",
                              "en": "Observer satisfaction survey"},
             "Para quienes participaron en la observación electoral (AI5 o AI6).", "AI5", observers),
    Template("visitantes", {"es": "Satisfacción de las personas visitantes extranjeras",
                            "en": "Foreign visitor satisfaction survey"},
             "Para quienes participaron en el programa de personas visitantes extranjeras (AI5 o AI6).", "AI6",
             foreign_visitors),
    Template("actividad", {"es": "Satisfacción de participantes en una actividad de la red",
                           "en": "Activity participant satisfaction survey"},
             "Para quienes asistieron a una actividad de la Red Voto Chilango o de la Red de Observación (AI3).",
             "AI3", network_activity),
)}

ENGLISH_TITLES = {
    "satisfaccion_observacion": "Observer satisfaction survey",
    "satisfaccion_visitantes": "Foreign visitor satisfaction survey",
    "satisfaccion_actividad": "Activity satisfaction survey",
}


def create_from_template(key: str, *, component_code: str | None = None, year: int | None = None,
                         anonymous: bool = False, title: str = "", actor=None) -> Survey:
    """A new draft survey from a template (services.create_survey), with its English title."""
    template = TEMPLATES.get(key)
    if template is None:
        raise services.SurveyError("Elija una plantilla de la lista.")
    definition = template.build()
    custom = " ".join((title or "").split())[:300]
    if custom:
        definition.title = custom
    survey = services.create_survey(definition, component_code=component_code, year=year, actor=actor,
                                    anonymous=anonymous)
    titles = dict(survey.titles or {})
    titles.setdefault("es", survey.title)
    if not custom:
        titles["en"] = ENGLISH_TITLES.get(definition.form_id, template.title["en"])
    survey.titles = titles
    db.session.commit()
    return survey
