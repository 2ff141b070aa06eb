"""What a cross-tabulation groups the responses by: an attribute of the person who answered (sex, country,
network, language, alcaldía of origin), the answer to another single choice of the same survey, or the age
band computed from the survey's own age question (surveys.analysis.ages).

`grouped` gives each response's group keys and the groups' labels in the order shown; the key UNKNOWN ("") is
the group of the responses without the datum (an anonymous response, a person without the attribute, no
answer to the grouping question, an answer that is not an age), always last."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm.contacts.catalogs import ALCALDIAS, LANGUAGES, NETWORKS, SEXES
from crm.contacts.countries import country_name
from crm.contacts.models import Membership, Network, Person
from crm.core.extensions import db
from surveys.analysis.ages import BAND_LABELS, BANDS, NUMBER_TYPES, band_of
from surveys.models import Answer, Question, Response

UNKNOWN = ""  # the "Sin dato" / "Sin respuesta" group
NO_NETWORK = "(ninguna)"
CHUNK = 500
AGE = "edad"
BY_QUESTION = "pregunta-"  # + the grouping question's id


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    column: str | None = None  # the Person column; None for networks and the answers' dimensions
    kind: str = "person"  # person | question | age
    source: Question | None = None  # the question whose answers make the groups (kind question or age)
    phrase: str = ""  # how the heading ends: "por sexo", "según la respuesta a «...»"

    @property
    def heading(self) -> str:
        return self.phrase or f"por {self.title.lower()}"


DIMENSIONS = (
    Dimension("sexo", "Sexo", "sex"),
    Dimension("pais", "País de residencia", "country"),
    Dimension("red", "Red", None),
    Dimension("idioma", "Idioma de la persona", "language"),
    Dimension("alcaldia", "Alcaldía de origen", "origin_alcaldia"),
)
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}
AGE_TITLE = "Grupo de edad"


def question_dimension(question: Question, lang: str, default: str) -> Dimension:
    label = question.label(lang, default)
    return Dimension(f"{BY_QUESTION}{question.id}", label, kind="question", source=question,
                     phrase=f"según la respuesta a «{label}»")


def age_dimension(question: Question) -> Dimension:
    return Dimension(AGE, AGE_TITLE, kind="age", source=question, phrase="por grupo de edad")


def grouped(dimension: Dimension, responses: dict[int, int | None], lang: str,
            default: str) -> tuple[dict[int, set[str]], dict[str, str]]:
    """({response id: its group keys}, {group key: label} in the order shown) for the given responses
    ({response id: person id or None})."""
    if dimension.kind == "person":
        people = _person_groups(dimension, sorted({p for p in responses.values() if p is not None}))
        keys = {r: people.get(p, {UNKNOWN}) if p is not None else {UNKNOWN} for r, p in responses.items()}
        present = {k for ks in keys.values() for k in ks}
        labels = {k: _person_label(dimension, k) for k in present}
        order = sorted(present, key=lambda k: _person_order(dimension, k, labels[k]))
        return keys, {k: labels[k] for k in order}
    question = dimension.source
    answers = _source_answers(question)
    if dimension.kind == "age" and question.type in NUMBER_TYPES:
        catalog = {**BAND_LABELS, UNKNOWN: "Sin dato"}
        keys = {r: {band_of(answers.get(r, (None, None))[1]) or UNKNOWN} for r in responses}
    else:
        catalog = {str(c.id): c.label(lang, default) for c in question.choices}
        catalog[UNKNOWN] = "Sin dato" if dimension.kind == "age" else "Sin respuesta"
        keys = {r: {str(c) for c in answers.get(r, (set(), None))[0] if str(c) in catalog} or {UNKNOWN}
                for r in responses}
    present = {k for ks in keys.values() for k in ks}
    return keys, {k: label for k, label in catalog.items() if k in present}


def _source_answers(question: Question) -> dict[int, tuple[set[int], str | None]]:
    """{response id: (chosen option ids, value)} of the grouping question over the counted responses (outside
    repeats: instance 0)."""
    found: dict[int, tuple[set[int], str | None]] = {}
    for response_id, choice_id, value in db.session.execute(
            select(Answer.response_id, Answer.choice_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == question.survey_id, Response.excluded.is_(False),
                   Answer.question_id == question.id, Answer.instance == 0)):
        chosen, first = found.get(response_id, (set(), None))
        if choice_id is not None:
            chosen.add(choice_id)
        found[response_id] = (chosen, first if first is not None else value)
    return found


def _person_groups(dimension: Dimension, person_ids: list[int]) -> dict[int, set[str]]:
    """{person id: the person's group keys} for the given people."""
    groups: dict[int, set[str]] = {}
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        if dimension.column is None:
            for person_id in chunk:
                groups[person_id] = set()
            for person_id, code in db.session.execute(
                    select(Membership.person_id, Network.code).join(Network, Network.id == Membership.network_id)
                    .where(Membership.person_id.in_(chunk), Membership.status == "active")):
                groups[person_id].add(code)
            for keys in groups.values():
                if not keys:
                    keys.add(NO_NETWORK)
        else:
            column = getattr(Person, dimension.column)
            for person_id, value in db.session.execute(select(Person.id, column).where(Person.id.in_(chunk))):
                groups[person_id] = {value or UNKNOWN}
    return groups


def _person_label(dimension: Dimension, key: str) -> str:
    if key == UNKNOWN:
        return "Sin dato"
    if key == NO_NETWORK:
        return "Sin red"
    if dimension.key == "sexo":
        return SEXES.get(key, key)
    if dimension.key == "pais":
        return f"{country_name(key)} ({key})"
    if dimension.key == "red":
        return NETWORKS.get(key, key)
    if dimension.key == "idioma":
        return LANGUAGES.get(key, key)
    return key


def _person_order(dimension: Dimension, key: str, label: str) -> tuple:
    catalog = {"sexo": list(SEXES), "red": list(NETWORKS), "idioma": list(LANGUAGES),
               "alcaldia": list(ALCALDIAS)}.get(dimension.key, [])
    last = 2 if key == UNKNOWN else 1 if key == NO_NETWORK else 0
    return (last, catalog.index(key) if key in catalog else len(catalog), label)


def source_note(dimension: Dimension, lang: str, default: str) -> str:
    """The note saying where an answers' dimension comes from (empty for a person's attribute)."""
    if dimension.kind == "person":
        return ""
    label = dimension.source.label(lang, default)
    if dimension.kind == "question":
        return (f"Filas: las opciones de la pregunta «{label}»; «Sin respuesta» reúne las respuestas que no la "
                "contestaron.")
    if dimension.source.type in NUMBER_TYPES:
        bands = ", ".join(label for _key, label, _low, _high in BANDS[1:])
        return (f"Edad tomada de la pregunta «{label}» de esta encuesta, en los grupos de la estadística electoral "
                f"({bands}); «Sin dato» reúne las respuestas sin edad o con un valor que no es una edad.")
    return (f"Grupos de edad: las opciones de la pregunta «{label}» de esta encuesta; «Sin dato» reúne las "
            "respuestas que no la contestaron.")
