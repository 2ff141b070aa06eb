"""The form's XLSForm logic on the respondent page: what is shown for a set of answers, the data the browser's
script reads, what the server fills in itself (metadata), and the list of what a person was shown.

The server is authoritative: every render evaluates the logic (surveys.logic.runtime.FormLogic, cached with
the question set) on the answers it has (the defaults on a first render), and every submission is checked
again (surveys.respond.form.validate). crm/static/survey-logic.js, its twin in the browser, reads the JSON
block built here (`logic_data`, the shape documented at the top of that file) and shows and hides questions
as the person answers. Without JavaScript the page lists, in a <noscript> hidden field (`SHOWN_FIELD`), the
questions whose presence or choices depend on the answers and that it showed (`shown_tokens`); a
submission that makes another one relevant, or changes a shown question's choices, comes back with it
shown instead of being stored. With JavaScript the field is not part of the form (a <noscript> element's
content is not parsed when scripting is on): the script showed the questions as they became relevant.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, TimestampSigner
from jinja2.utils import htmlsafe_json_dumps

from crm.core.timeutil import local_tz
from surveys.logic.runtime import CLOSERS, OPENERS, SELECTS, FormLogic, State
from surveys.models import CALCULATED, METADATA

SHOWN_FIELD = "_mostradas"
START_FIELD = "_inicio"
NOT_RENDERED = CALCULATED + METADATA  # computed or filled by the server: no field on the page
_START_SALT = "surveys.respond.start"


def now_local() -> datetime:
    """Now, aware, in the platform's time zone (what today() and now() read)."""
    return datetime.now(local_tz())


def text(values: Mapping, name: str) -> str:
    """A posted or default value (a string, or a list of chosen names) as the runtime reads it."""
    value = values.get(name)
    if isinstance(value, list):
        return " ".join(v.strip() for v in value if isinstance(v, str) and v.strip())
    return value.strip() if isinstance(value, str) else ""


def field_texts(items: Sequence, values: Mapping) -> dict[str, str]:
    """{question name: answer text} of the page's fields (`values` by field name)."""
    return {item.question.name: text(values, item.name) for item in items if item.question.name}


def default_values(items: Sequence, logic: FormLogic, now: datetime, lang: str) -> dict:
    """The fields' first values (by field name): the questions' defaults."""
    found = logic.defaults(now=now, lang=lang)
    values: dict = {}
    for item in items:
        default = found.get(item.question.name or "")
        if default:
            values[item.name] = default.split() if item.type == "select_multiple" else default
    return values


# --- what the page shows for a set of answers ---------------------------------------------------------


@dataclass
class PageLogic:
    """What one render shows: the question and group names not relevant (rendered `hidden`), the choices a
    filter keeps, labels and hints with ${ref} replaced, the read-only questions, the shown list."""

    hidden: set[str] = field(default_factory=set)
    allowed: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    read_only: set[str] = field(default_factory=set)
    shown: str = ""
    data: str = ""  # the JSON block for survey-logic.js


def page_logic(form, values: Mapping, now: datetime) -> PageLogic:
    """The page's logic for these field values (`form` a surveys.respond.form.FormView with logic)."""
    logic: FormLogic = form.logic
    state = logic.run(field_texts(form.questions, values), now=now, lang=form.lang, check=False)
    page = PageLogic(hidden={name for name, relevant in state.relevant.items() if not relevant},
                     allowed={name: set(kept) for name, kept in state.allowed.items()},
                     read_only=logic.read_only(state, now=now, lang=form.lang),
                     shown=" ".join(shown_tokens(form.questions, state)), data=form.logic_data)
    for element_id, label, hint in form.templated:
        page.labels[element_id] = (logic.interpolate(label, state, form.lang),
                                   logic.interpolate(hint, state, form.lang))
    return page


def shown_tokens(items: Sequence, state: State) -> list[str]:
    """What the page shows of the questions the answers can change: the relevant ones whose relevance
    depends on answers (`name`), and the choices a filter keeps (`name:checksum`)."""
    tokens = []
    for item in items:
        name = item.question.name
        if not (item.dynamic or item.filtered) or not state.relevant.get(name, True):
            continue
        kept = state.allowed.get(name)
        tokens.append(name if kept is None else f"{name}:{zlib.crc32(' '.join(kept).encode()):08x}")
    return tokens


def added_questions(items: Sequence, state: State, posted: str | None) -> set[str]:
    """The questions the person was not shown as they are now (None: no list was posted, e.g. with
    JavaScript, where the script showed them)."""
    if posted is None:
        return set()
    seen = set(posted.split())
    return {token.partition(":")[0] for token in shown_tokens(items, state) if token not in seen}


# --- the data the browser's script reads --------------------------------------------------------------


def _tree(logic: Mapping, key: str):
    entry = logic.get(key)
    return entry.get("tree") if isinstance(entry, Mapping) else None


def _in_language(texts: Mapping | None, lang: str, default: str) -> str | None:
    texts = texts or {}
    return texts.get(lang) or texts.get(default) or next((t for t in texts.values() if t), None)


def required_default(qtype: str) -> str:
    if qtype == "select_one":
        return _("Elija una opción.")
    if qtype == "select_multiple":
        return _("Elija al menos una opción.")
    return _("Responda esta pregunta.")


def constraint_default() -> str:
    return _("Esta respuesta no cumple la condición que la encuesta pide para esta pregunta.")


def logic_data(specs: Sequence, lang: str, default: str) -> str:
    """The JSON block of survey-logic.js for these questions in `lang` (safe inside <script>)."""
    groups: dict[str, dict] = {}
    questions: dict[str, dict] = {}
    repeats: dict[str, dict] = {}  # the repeats (not nested in another): their repeat_count
    stack: list[str] = []
    with force_locale(lang):
        for spec in specs:
            if spec.type in CLOSERS:
                if stack:
                    stack.pop()
                continue
            if not spec.name:
                continue
            logic = spec.logic or {}
            parent = stack[-1] if stack else None
            # inside a repeat: "repeat" names it (the page has one copy of the question or group per instance)
            inside = next(({"repeat": name} for name in stack if name in repeats), {})
            if spec.type in OPENERS:
                groups[spec.name] = {"relevant": _tree(logic, "relevant"), "parent": parent, **inside}
                if spec.type == "begin_repeat" and not inside:
                    repeats[spec.name] = {"count": _tree(logic, "repeat_count")}
                stack.append(spec.name)
                continue
            questions[spec.name] = {**_question_data(spec, logic, parent, lang, default), **inside}
        data = {"questions": questions, "groups": groups,
                "messages": {"required": required_default("text"), "constraint": constraint_default()},
                **({"repeats": repeats} if repeats else {})}
    # <, >, & and ' written as \u escapes: nothing in it can end the <script> element
    return htmlsafe_json_dumps(data, dumps=json.dumps, ensure_ascii=False, separators=(",", ":"))


def _question_data(spec, logic: Mapping, group: str | None, lang: str, default: str) -> dict:
    entry: dict = {"type": spec.type, "group": group}
    for key in ("relevant", "constraint", "calculation", "choice_filter"):
        tree = _tree(logic, key)
        if tree is not None:
            entry[key] = tree
    required = _tree(logic, "required")
    entry["required"] = required if required is not None else bool(spec.required) and spec.type != "note"
    read_only = _tree(logic, "read_only")
    if read_only is not None or logic.get("read_only_flag"):
        entry["read_only"] = read_only if read_only is not None else True
    messages = {"required": _in_language(logic.get("required_message"), lang, default),
                "constraint": _in_language(logic.get("constraint_message"), lang, default)}
    if not messages["required"] and spec.type in SELECTS:
        messages["required"] = required_default(spec.type)
    entry["messages"] = {key: value for key, value in messages.items() if value}
    if spec.type in SELECTS:
        entry["choices"] = [{"name": c.name, "label": _in_language(c.labels, lang, default) or c.name,
                             **({"extra": dict(c.extra)} if c.extra else {})} for c in spec.choices]
    return entry


# --- what the server fills in ---------------------------------------------------------------------------


def start_token(secret: str | bytes, key: str) -> str:
    """The signed form state: the submission key, and when the form was first shown (the signature's time)."""
    return TimestampSigner(secret, salt=_START_SALT).sign(key).decode()


def started_at(secret: str | bytes, key: str | None, token) -> datetime | None:
    """When the form with this submission key was first shown (None: no valid signed state for it)."""
    if not key or not isinstance(token, str) or len(token) > 200:
        return None
    try:
        signed, moment = TimestampSigner(secret, salt=_START_SALT).unsign(token, return_timestamp=True)
    except BadSignature:
        return None
    return moment.astimezone(local_tz()) if signed.decode() == key else None


def metadata_texts(specs: Sequence, *, now: datetime, started: datetime | None, device: str,
                   anonymous: bool) -> dict[str, str]:
    """{name: text} of the form's metadata questions: start (the form first shown), end (received), today,
    deviceid (the open link's keyed browser hash, already stored with the response), username (empty: the
    pages have no accounts). An anonymous survey's times are to the hour, as its response's."""

    def moment(value: datetime | None) -> str:
        if value is None:
            return ""
        if anonymous:
            value = value.replace(minute=0, second=0, microsecond=0)
        return value.isoformat(timespec="seconds")

    by_type = {"start": moment(started), "end": moment(now), "today": now.date().isoformat(),
               "deviceid": device or "", "username": ""}
    return {spec.name: by_type[spec.type] for spec in specs if spec.type in by_type and spec.name}
