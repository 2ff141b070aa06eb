"""The per-question charts' data: the summaries of surveys.responses.summaries (their counts, their rule that
excluded responses count nowhere) with each chart's bars, denominator and what is shown apart.

Denominators: a single choice's percentages are over the responses that answered the question; the responses
without an answer are shown apart (as "no aplica" when a condition hides the question, else as "sin respuesta").
A multiple choice's are the share of the responses that answered the question choosing each option: they add up
to more than 100 %. A ranking shows how often each option was placed first (over the responses that ranked) and
its mean position. Numbers (integer, decimal, range) show their distribution over the responses with a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.core.display import number, points, whole
from crm.core.extensions import db
from surveys.models import Answer, Question, Response, Survey
from surveys.responses import summaries
from surveys.responses.summaries import QuestionSummary

CLOSED = ("select_one", "select_multiple", "rank", "range", "integer", "decimal")
CHOICE_TYPES = ("select_one", "select_multiple")
DISTINCT_VALUES_SHOWN = 15  # more distinct numbers than this: shown in ranges
BINS = 8


@dataclass
class Bar:
    label: str
    count: int
    percent: float | None  # 0..100, over the chart's denominator
    extra: float | None = None  # a ranking's mean position


@dataclass
class QuestionChart:
    question: Question
    title: str
    type_label: str
    answered: int  # the denominator: responses that answered
    total: int  # counted responses of the survey
    bars: list[Bar] = field(default_factory=list)
    apart_label: str = ""  # "No aplica (por su condición)" or "Sin respuesta"
    apart: int = 0
    mean: float | None = None
    denominator: str = ""
    note: str = ""
    count_header: str = "Respuestas"

    @property
    def anchor(self) -> str:
        return f"pregunta-{self.question.id}"

    def description(self) -> str:
        """The chart in words (the SVG's description and the image's alternative text)."""
        if not self.bars:
            return f"{self.title}: sin respuestas."
        parts = [f"{bar.label}: {whole(bar.count)}" + (f" ({points(bar.percent)})" if bar.percent is not None else "")
                 for bar in self.bars]
        return f"{self.title}. {self.denominator}. " + "; ".join(parts) + "."


def _coded(summary: QuestionSummary) -> bool:
    """An open-text question with a code book (surveys.coding): charted like a closed question, by code."""
    return summary.question.type == "text" and summary.codes is not None and bool(summary.codes.codes)


def closed_summaries(survey: Survey, lang: str) -> tuple[int, list[QuestionSummary]]:
    """(counted responses, the summaries of the closed questions and of the coded open-text ones)."""
    total, found = summaries.summarize(survey, lang)
    return total, [s for s in found if s.question.type in CLOSED or _coded(s)]


def charts_for(survey: Survey, lang: str) -> tuple[int, list[QuestionChart]]:
    """(counted responses, one chart per closed question in the form's order)."""
    total, found = closed_summaries(survey, lang)
    return total, [chart_for(summary, lang, survey.default_language) for summary in found]


def chart_of(survey: Survey, question_id: int, lang: str) -> QuestionChart | None:
    """One closed question's chart (its SVG), counted for that question alone (surveys.analysis.single); a coded
    open-text question's, from the survey's summaries."""
    from surveys.analysis.single import summary_of

    question = next((q for q in survey.questions if q.id == question_id and q.type in (*CLOSED, "text")), None)
    if question is None:
        return None
    if question.type == "text":
        coded = next((s for s in closed_summaries(survey, lang)[1] if s.question.id == question_id), None)
        return chart_for(coded, lang, survey.default_language) if coded is not None else None
    return chart_for(summary_of(survey, question, lang), lang, survey.default_language)


def chart_for(summary: QuestionSummary, lang: str, default: str) -> QuestionChart:
    question = summary.question
    n = summary.answered
    chart = QuestionChart(question=question, title=question.label(lang, default) or question.name or "",
                          type_label=summary.type_label, answered=n, total=summary.total)
    if summary.not_applicable is not None:
        chart.apart_label, chart.apart = "No aplica (la pregunta tiene una condición)", summary.not_applicable
    else:
        chart.apart_label, chart.apart = "Sin respuesta", summary.total - n
    over = f"Porcentajes sobre las {whole(n)} respuestas que contestaron la pregunta"
    if _coded(summary):
        codes = summary.codes
        chart.bars = [Bar(c.label, c.count, c.percent) for c in codes.codes]
        chart.type_label = "Texto libre, codificado"
        chart.denominator = f"Proporción de las {whole(codes.answered)} respuestas que contestaron la pregunta " \
                            "con cada código"
        chart.note = (f"Sin codificar: {whole(codes.uncoded)}. Un comentario puede llevar varios códigos: los "
                      "porcentajes pueden sumar más de 100 %.")
    elif question.type in CHOICE_TYPES:
        chart.bars = [Bar(c.label, c.count, c.percent) for c in summary.choices]
        chart.denominator = over
        if question.type == "select_multiple":
            chart.denominator = f"Proporción de las {whole(n)} respuestas que contestaron la pregunta que eligió cada opción"
            chart.note = "Cada respuesta puede elegir varias opciones: los porcentajes suman más de 100 %."
    elif question.type == "rank":
        chart.bars = [Bar(r.label, r.first, round(100 * r.first / n, 1) if n else None, r.mean_position)
                      for r in summary.ranks]
        chart.denominator = f"Veces en primer lugar; porcentajes sobre las {whole(n)} respuestas que ordenaron las opciones"
        chart.count_header = "En primer lugar"
    else:
        chart.mean = summary.mean
        chart.bars = _distribution(question, n)
        chart.denominator = over
        if summary.mean is not None:
            chart.note = f"Promedio: {number(summary.mean, 2)}."
    return chart


def _distribution(question: Question, answered: int) -> list[Bar]:
    """How many responses gave each number (or each range of numbers when there are many distinct ones)."""
    rows = db.session.execute(select(Answer.response_id, Answer.value).join(Response, Response.id == Answer.response_id)
                              .where(Response.survey_id == question.survey_id, Response.excluded.is_(False),
                                     Answer.question_id == question.id, Answer.value.is_not(None)))
    values: dict[int, float] = {}
    for response_id, value in rows:
        try:
            parsed = float(value)
        except ValueError:
            continue
        if math.isfinite(parsed):
            values.setdefault(response_id, parsed)
    numbers = sorted(values.values())
    if not numbers:
        return []
    distinct = sorted(set(numbers))
    if len(distinct) <= DISTINCT_VALUES_SHOWN:
        return [Bar(number(v, 2), numbers.count(v), _share(numbers.count(v), answered)) for v in distinct]
    import numpy

    counts, edges = numpy.histogram(numbers, bins=BINS)
    bars = []
    for index, count in enumerate(counts):
        closing = "]" if index == len(counts) - 1 else ")"
        bars.append(Bar(f"[{number(edges[index], 2)}, {number(edges[index + 1], 2)}{closing}", int(count),
                        _share(int(count), answered)))
    return bars


def _share(count: int, of: int) -> float | None:
    return round(100 * count / of, 1) if of else None
