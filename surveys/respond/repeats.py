"""Repeats on the respondent page (issue 14): every instance of a repeat shown, answered, checked and stored.

Each instance is a fieldset «Miembro 1», «Miembro 2»… holding copies of the repeat's questions and groups
named `NAME__N` (field `q_NAME__N`, ids ending in `-N`), made by `expand` from the form's cached layout, so
the template, error texts and the "questions were added" round trip treat them as any question. A hidden
field per repeat (`COUNT_PREFIX` + repeat) says how many instances the page shows. Without JavaScript
«Agregar» and «Quitar» are submit buttons (`ACTION_FIELD`): the form comes back with the instance added or
removed (the later ones move up with their answers), nothing checked or stored; with it
the repeats part of crm/static/survey-logic.js acts in the page. A `repeat_count` fixes the number (no buttons). The web takes
at most `WEB_LIMIT` instances. `validate` runs FormLogic with one text per instance; answers not relevant in
an instance are never stored, the rest carry `instance` 1..n (0 outside repeats), as the responses export
and import read them (surveys.responses.repeats).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _

from surveys.logic.environment import State, instance_text
from surveys.logic.runtime import SELECTS
from surveys.models import CALCULATED, UPLOADS
from surveys.respond.form import FormView, Validation, _error_code, _rows, posted_values
from surveys.respond.page_logic import (
    PageLogic,
    added_questions,
    metadata_texts,
    now_local,
    shown_tokens,
    text,
)
from surveys.respond.widgets import answer_value
from surveys.uploads.web import upload_rows
from surveys.values import MAX_TEXT, AnswerError, parse_answer

ACTION_FIELD = "_repetir"  # the no-JavaScript buttons: "agregar REPEAT", "quitar REPEAT N"
COUNT_PREFIX = "_instancias."  # + repeat: the number of instances the page shows
WEB_LIMIT = 50  # instances of one repeat in a web response
_COUNT = re.compile(r"[0-9]{1,4}")


def has_repeats(form: FormView) -> bool:
    return form.logic is not None and bool(form.logic.repeats)


def instance_key(key) -> str:
    """A State key as the page names it: `name`, or `name__N` for (name, N)."""
    return f"{key[0]}__{key[1]}" if type(key) is tuple else key


@dataclass
class Instance:
    number: int | str  # "{n}" in the <template> the script copies
    id: str
    items: list


@dataclass
class RepeatView:
    """A repeat as the template shows it (templates/surveys/public/_repeat.html)."""

    section: object  # the repeat's surveys.respond.form.Section (title, hint, level, id)
    name: str
    title: str
    instances: list[Instance]
    template: Instance
    fixed: bool = False  # repeat_count decides the number: no buttons
    wanted: int = 0  # the number repeat_count asks for (may be over the limit)
    limit: int = WEB_LIMIT
    count_field: str = ""  # the hidden field with the number of instances
    note: str = ""  # what the last «Agregar» or «Quitar» did (no JavaScript)
    note_at: int = 0  # the instance the note is shown in (0: under the instances)

    kind = "repeat"


@dataclass
class Expanded:
    view: FormView  # the form with the copies (its `questions` lists every instance's questions, in order)
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)  # copy's name -> (name, instance)
    repeats: dict[str, RepeatView] = field(default_factory=dict)
    inside: dict[str, str] = field(default_factory=dict)  # the layout's element ids inside a repeat -> repeat


def _copies(items: list, number, keys: dict, inside: dict, repeat: str, label: str) -> list:
    """Instance `number`'s copies of a repeat's items (`label`: «Miembro 2», which the error summary adds)."""
    found = []
    for item in items:
        clone = copy.copy(item)
        inside[item.id] = repeat
        clone.id = f"{item.id}-{number}"
        if item.kind == "section":
            if item.name:
                clone.name = f"{item.name}__{number}"
                keys[clone.name] = (item.name, number)
            clone.items = _copies(item.items, number, keys, inside, repeat, label)
        else:
            clone.name = f"{item.name}__{number}"
            clone.instance_label = label
            if item.question.name:
                clone.question = replace(item.question, name=f"{item.question.name}__{number}")
                keys[clone.question.name] = (item.question.name, number)
            clone.choices = [replace(choice, id=f"{clone.id}-{k}") for k, choice in enumerate(item.choices)]
        found.append(clone)
    return found


def _answerable(items: list):
    for item in items:
        if item.kind == "repeat":
            for instance in item.instances:
                yield from _answerable(instance.items)
        elif item.kind == "section":
            yield from _answerable(item.items)
        elif item.kind == "question":
            yield item


def expand(form: FormView, counts: Mapping[str, int]) -> Expanded:
    """The form with `counts[repeat]` copies of each repeat's questions."""
    found = Expanded(view=form)
    repeats = form.logic.repeats

    def walk(items: list) -> list:
        result = []
        for item in items:
            if item.kind == "section" and item.name in repeats:
                title = item.title or item.name
                instances = [
                    Instance(n, f"{item.id}-{n}",
                             _copies(item.items, n, found.keys, found.inside, item.name, f"{title} {n}"))
                    for n in range(1, counts.get(item.name, 1) + 1)]
                template = Instance("{n}", f"{item.id}-{{n}}",
                                    _copies(item.items, "{n}", {}, {}, item.name, f"{title} {{n}}"))
                view = RepeatView(section=item, name=item.name, title=title, instances=instances,
                                  template=template, count_field=COUNT_PREFIX + item.name,
                                  fixed=form.logic.nodes[item.name].tree("repeat_count") is not None)
                found.repeats[item.name] = view
                result.append(view)
            elif item.kind == "section":
                clone = copy.copy(item)
                clone.items = walk(item.items)
                result.append(clone)
            else:
                result.append(item)
        return result

    items = walk(form.items)
    found.view = replace(form, items=items, questions=list(_answerable(items)))
    return found


def posted_counts(logic, data) -> dict[str, int]:
    """The number of instances of each repeat the page showed (1 when it does not say)."""
    raw = {name: data.get(COUNT_PREFIX + name) for name in logic.repeats}
    return {name: min(int(v), WEB_LIMIT) if isinstance(v, str) and _COUNT.fullmatch(v) else 1
            for name, v in raw.items()}


def answer_texts(found: Expanded, logic, values: Mapping, counts: Mapping[str, int]) -> dict:
    """The answers as FormLogic.run reads them: a repeat's questions take a list (one text per instance)."""
    texts: dict = {node.name: [""] * counts.get(repeat, 0) for repeat, inner in logic.repeats.items()
                   for node in inner}
    for item in found.view.questions:
        put_text(texts, found.keys, item.question.name, text(values, item.name))
    return texts


def put_text(texts: dict, keys: Mapping, name: str, value: str) -> None:
    if name in keys:
        texts[keys[name][0]][keys[name][1] - 1] = value
    elif name:
        texts[name] = value


def flat_state(state: State) -> State:
    """The State with the page's names for its keys (`name__N`)."""
    return State(relevant={instance_key(k): v for k, v in state.relevant.items()},
                 values=state.values, calculated=state.calculated,
                 allowed={instance_key(k): v for k, v in state.allowed.items()}, counts=state.counts)


def repeat_page(form: FormView, values: Mapping | None, now: datetime) -> tuple[FormView, dict, PageLogic]:
    """The form with its instances, the fields' values (defaults for new instances: all of them on a first
    render, `values` None) and what the page shows, for these answers."""
    logic, lang = form.logic, form.lang
    defaults = logic.defaults(now=now, lang=lang)
    values = dict(values) if values is not None else {
        item.name: _default(item, defaults) for item in form.questions if item.question.name in defaults}
    counts = posted_counts(logic, values)
    for _round in range(3):  # a repeat_count may depend on answers the new instances bring (their defaults)
        found = expand(form, counts)
        for item in found.view.questions:
            base = found.keys.get(item.question.name, (None,))[0]
            if base in defaults and item.name not in values:
                values[item.name] = _default(item, defaults, base)
        state = logic.run(answer_texts(found, logic, values, counts), now=now, lang=lang, check=False,
                          instances=counts)
        wanted = {name: min(state.counts.get(name, 0), WEB_LIMIT) for name, view in found.repeats.items()
                  if view.fixed}
        if all(counts[name] == number for name, number in wanted.items()):
            break
        counts.update(wanted)
    flat = flat_state(state)
    page = PageLogic(hidden={k for k, relevant in flat.relevant.items() if not relevant},
                     allowed={k: set(kept) for k, kept in flat.allowed.items()},
                     read_only={instance_key(k) for k in logic.read_only(state, now=now, lang=lang)},
                     shown=" ".join(shown_tokens(found.view.questions, flat)), data=form.logic_data)
    for element_id, label, hint in form.templated:
        repeat = found.inside.get(element_id)
        if repeat is None:
            page.labels[element_id] = (logic.interpolate(label, state, lang),
                                       logic.interpolate(hint, state, lang))
            continue
        for number in range(1, len(found.repeats[repeat].instances) + 1):
            page.labels[f"{element_id}-{number}"] = (logic.interpolate(label, state, lang, number),
                                                     logic.interpolate(hint, state, lang, number))
    for name, view in found.repeats.items():
        view.wanted = state.counts.get(name, 0) if view.fixed else len(view.instances)
        values[view.count_field] = str(len(view.instances))
    _note(found, values.get(ACTION_FIELD))
    return found.view, values, page


def _default(item, defaults: Mapping, name: str | None = None):
    found = defaults[name or item.question.name]
    return found.split() if item.type == "select_multiple" else found


def _note(found: Expanded, echoed) -> None:
    """What the last «Agregar» or «Quitar» did (`apply_action`'s echo), for the page to say."""
    parts = [*(echoed.split() if isinstance(echoed, str) else []), "", "", ""]
    view, number = found.repeats.get(parts[1]), int(parts[2]) if _COUNT.fullmatch(parts[2]) else 0
    if view is None:
        return
    if parts[0] == "tope":
        view.note = _("Esta página admite hasta %(maximo)s «%(repeticion)s»; ya no puede agregar más.",
                      maximo=view.limit, repeticion=view.title)
    elif parts[0] == "agregar" and 1 <= number <= len(view.instances):
        view.note, view.note_at = _("Se agregó «%(instancia)s».", instancia=f"{view.title} {number}"), number
    elif parts[0] == "quitar" and number:
        view.note = _("Se quitó «%(instancia)s».", instancia=f"{view.title} {number}")


def parse_action(raw, repeats: Mapping[str, RepeatView], counts: Mapping[str, int]
                 ) -> tuple[str, str, int] | None:
    """A button's value: ("agregar", repeat, 0) or ("quitar", repeat, number); None if it is not one."""
    parts = raw.split() if isinstance(raw, str) else []
    if len(parts) not in (2, 3) or parts[1] not in repeats or repeats[parts[1]].fixed:
        return None
    if parts[0] == "agregar" and len(parts) == 2:
        return "agregar", parts[1], 0
    if parts[0] == "quitar" and len(parts) == 3 and _COUNT.fullmatch(parts[2]):
        number = int(parts[2])
        return ("quitar", parts[1], number) if 1 <= number <= counts[parts[1]] else None
    return None


def apply_action(found: Expanded, values: dict, counts: dict, action: tuple[str, str, int]) -> str:
    """Adds or removes an instance in `values` and `counts`; -> the action as the page echoes it."""
    verb, name, number = action
    view = found.repeats[name]
    if verb == "agregar":
        if counts[name] >= WEB_LIMIT:
            return f"tope {name}"  # nothing added: the page says why
        counts[name] += 1
        return f"agregar {name} {counts[name]}"
    for before, after in zip(view.instances[number - 1:], view.instances[number:], strict=False):
        for target, source in zip(_answerable(before.items), _answerable(after.items), strict=True):
            values[target.name] = values.get(source.name, "")
    for item in _answerable(view.instances[-1].items):
        values.pop(item.name, None)
    counts[name] -= 1
    return f"quitar {name} {number}"


@dataclass
class RepeatValidation(Validation):
    action: str = ""  # «Agregar» or «Quitar» without JavaScript: shown again, nothing checked or stored

    @property
    def ok(self) -> bool:
        return not self.errors and not self.added and not self.action


def validate(form: FormView, data, *, now: datetime | None = None, started: datetime | None = None,
             device: str = "", anonymous: bool = False, shown: str | None = None,
             scope: set[str] | None = None) -> RepeatValidation:
    """surveys.respond.form.validate for a form with repeats (the same arguments; errors and messages keyed by
    the page's names, `name__N` inside an instance); answers carry their `instance`."""
    logic, lang, now = form.logic, form.lang, now or now_local()
    counts = posted_counts(logic, data)
    found = expand(form, counts)
    values = posted_values(found.view, data)
    values.update({COUNT_PREFIX + name: str(number) for name, number in counts.items()})
    action = parse_action(data.get(ACTION_FIELD), found.repeats, counts)
    if action is not None:
        values[ACTION_FIELD] = apply_action(found, values, counts, action)
        values.update({COUNT_PREFIX + name: str(number) for name, number in counts.items()})
        return RepeatValidation(answers=[], errors={}, values=values, action=values[ACTION_FIELD])
    rows_of, errors = {}, {}
    texts = answer_texts(found, logic, {}, counts)
    for item in found.view.questions:
        question, raw = item.question, answer_value(item.type, values[item.name])
        try:
            # an upload (outside the repeats: the reader refuses one inside): what read_uploads put in `data`
            rows = upload_rows(question, raw) if item.type in UPLOADS else parse_answer(question, raw)
        except AnswerError:
            errors[question.name] = _error_code(question, raw)
            continue
        rows_of[question.name] = rows
        put_text(texts, found.keys, question.name, text(values, item.name) if item.type in SELECTS
                 else (rows[0].get("value") or "") if rows else "")
    texts.update(metadata_texts(form.computed, now=now, started=started, device=device, anonymous=anonymous))
    state = logic.run(texts, now=now, lang=lang, instances=counts)
    read_only = logic.read_only(state, now=now, lang=lang)
    if read_only:  # never the posted value: the default (a calculation, if any, is applied by run)
        defaults = logic.defaults(now=now, lang=lang)
        for key in read_only:
            if type(key) is not tuple or instance_key(key) in found.keys:
                default = defaults.get(key[0] if type(key) is tuple else key, "")
                put_text(texts, found.keys, instance_key(key), default)
        state = logic.run(texts, now=now, lang=lang, instances=counts)
    result = RepeatValidation(answers=[], errors=errors, values=values)
    _answers(found, state, read_only, texts, rows_of, result, form.default_lang)
    _computed(form, state, texts, result)
    flat = flat_state(state)
    on_page = found.view.questions if scope is None else [
        item for item in found.view.questions
        if found.keys.get(item.question.name, (item.question.name,))[0] in scope]
    result.added = added_questions(on_page, flat, shown)
    for name, view in found.repeats.items():
        if not view.fixed or not state.relevant.get(name, True):
            continue
        if min(state.counts.get(name, 0), WEB_LIMIT) > counts[name]:  # the answers ask for more instances
            result.added.add(name)
        if state.counts.get(name, 0) > WEB_LIMIT:
            errors[name] = "repeat_limit"  # the page says so in the repeat (_repeat.html)
    for name in result.added:  # a question the person has not seen yet: no error for it on this round
        errors.pop(name, None)
        result.messages.pop(name, None)
    return result


def _answers(found: Expanded, state: State, read_only: set, texts: dict, rows_of: dict,
             result: RepeatValidation, default_lang: str) -> None:
    """The Answer rows of the questions with a field, and the logic's errors on them."""
    logic, lang, errors, values = found.view.logic, found.view.lang, result.errors, result.values
    for item in found.view.questions:
        question, name = item.question, item.question.name
        key = found.keys.get(name, name)
        number = key[1] if type(key) is tuple else 0
        if number and number > state.counts.get(logic.nodes[key[0]].repeat, 0):
            errors.pop(name, None)  # an instance a repeat_count took away
            continue
        if not state.relevant.get(key, True):
            errors.pop(name, None)  # not relevant: nothing stored, nothing checked
            continue
        if key in state.calculated or key in read_only:
            fixed = state.calculated.get(key, _text_of(texts, key))
            errors.pop(name, None)
            rows_of[name] = _rows(question, fixed)
            values[item.name] = fixed.split() if item.type == "select_multiple" else fixed
        if name in errors:
            continue
        found_error = state.errors.get(key)
        if found_error:
            errors[name] = found_error[0]
            own = state.message(key, lang, default_lang)
            if own:
                result.messages[name] = own
            continue
        result.answers.extend({**row, "instance": number} for row in rows_of.get(name, ()))


def _computed(form: FormView, state: State, texts: dict, result: RepeatValidation) -> None:
    """The rows of the calculate and metadata questions (no field); inside a repeat, one per instance."""
    logic = form.logic
    for question in form.computed:
        name = question.name
        repeat = getattr(logic.nodes.get(name), "repeat", None)
        keys = [name] if repeat is None else [(name, n) for n in range(1, state.counts.get(repeat, 0) + 1)]
        for key in keys:
            if not state.relevant.get(key, True):
                continue
            value = state.calculated.get(key, "") if question.type in CALCULATED else _text_of(texts, key)
            if value:
                result.answers.append({"question_id": question.id, "value": value[:MAX_TEXT],
                                       "instance": key[1] if type(key) is tuple else 0})


def _text_of(texts: Mapping, key) -> str:
    found = instance_text(texts, *key) if type(key) is tuple else texts.get(key, "")
    return found if isinstance(found, str) else ""
