"""A survey's responses collected elsewhere (paper, another tool), imported from the web: the kinds
"encuesta-<survey id>", registered with crm.imports by the composition root; progress by phase only."""

from __future__ import annotations

from crm.core.extensions import db
from crm.imports.kinds import Kind, Outcome, register_kind_resolver
from surveys.models import ANSWERABLE, CALCULATED, METADATA, Survey
from surveys.responses.import_guide import survey_fields
from surveys.responses.imports import import_responses

GONE = "La encuesta a la que se importaban las respuestas ya no existe; no se guardó nada."


def register() -> None:
    register_kind_resolver("encuesta", _responses_kind, GONE)


def _responses_kind(survey_id: int) -> Kind | None:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        return None
    columns = ", ".join(["submitted_at"] + [q.name for q in survey.answerable_questions if q.name
                                            and not (q.logic or {}).get("calculation")])
    # calculations (the platform computes them) and metadata (start, end...) may be left out
    optional = [q.name for q in survey.questions if q.name and (q.type in (*CALCULATED, *METADATA) or (
        q.type in ANSWERABLE and (q.logic or {}).get("calculation"))) and q.type != "audit"]
    if optional:
        columns += f" (opcionales: {', '.join(optional)})"

    def run(table, actor, dry_run, filename, progress) -> Outcome:
        report = import_responses(survey, table, dry_run=dry_run, actor=actor, source=filename)
        return Outcome(f"{report.imported} respuestas", None)

    return Kind(f"Importar respuestas: {survey.title}", columns, run, "surveys.detail", "Volver a la encuesta",
                {"survey_id": survey.id}, fields=survey_fields(survey),
                template_name=f"plantilla-respuestas-{survey.code or survey.id}")
