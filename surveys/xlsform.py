"""XLSForm read/write (pure functions, no database).

`read_xlsform(source)` turns a workbook into a `FormDefinition` plus warnings, or raises
`XLSFormError` carrying every problem as `SHEET row R: message` (CONTRACTS.md, "Survey
definitions: XLSForm"). `write_xlsform(definition, target)` writes a workbook that pyxform
converts and that `read_xlsform` reads back to an equal definition.
"""

from __future__ import annotations

import difflib
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from crm.errors import ImportProblems
from crm.tabular import TableError, open_xlsx
from crm.text import fold

ANSWERABLE = ("select_one", "select_multiple", "text", "integer", "decimal", "date")
MAX_ROWS = 50_000
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # a form is small; this guards against zip bombs
MAX_NAME = 80
MAX_TITLE = 300
SHEETS = ("survey", "choices", "settings")

# Types that carry no answer from the respondent: ignored with a warning.
IGNORED_TYPES = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
                 "email", "audit", "calculate", "hidden", "start-geopoint", "xml-external", "csv-external"}
UNSUPPORTED_TYPES = {"geopoint", "geotrace", "geoshape", "time", "datetime", "image", "audio", "video", "file",
                     "barcode", "acknowledge", "range", "rank", "begin_repeat", "end_repeat", "begin repeat",
                     "end repeat", "trigger", "background-audio", "background-geopoint", "select_one_from_file",
                     "select_multiple_from_file", "note_ext", "entity"}
TYPE_ALIASES = {"text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
                "date": "date", "note": "note", "begin_group": "begin_group", "begin group": "begin_group",
                "end_group": "end_group", "end group": "end_group"}
SELECT_PREFIXES = (("select_one ", "select_one"), ("select one ", "select_one"),
                   ("select_multiple ", "select_multiple"), ("select multiple ", "select_multiple"),
                   ("select all that apply ", "select_multiple"))

SURVEY_COLUMNS = ("type", "name", "label", "hint", "required", "indicator", "appearance")
CHOICES_COLUMNS = ("list_name", "name", "label", "positive")
SETTINGS_COLUMNS = ("form_title", "form_id", "default_language")
TRANSLATABLE = ("label", "hint")
# Standard XLSForm columns the platform does not use: ignored, with a warning that says so.
STANDARD_IGNORED = {
    "survey": {"relevant", "constraint", "constraint_message", "required_message", "default", "calculation",
               "read_only", "readonly", "choice_filter", "parameters", "repeat_count", "image", "audio", "video",
               "media", "guidance_hint", "trigger", "body", "bind", "instance", "autoplay", "note", "big-image"},
    "choices": {"image", "audio", "video", "media", "big-image"},
    "settings": {"instance_name", "style", "public_key", "submission_url", "auto_send", "auto_delete",
                 "allow_choice_duplicates", "namespaces", "name", "clean_text_values", "omit_instanceid",
                 "client_editable", "entities"},
}
SILENT_SETTINGS = {"version"}

LANGUAGE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "de": "Deutsch",
                  "it": "Italiano", "nah": "Náhuatl"}
_LANGUAGE_WORDS = {"espanol": "es", "spanish": "es", "castellano": "es", "english": "en", "ingles": "en",
                   "francais": "fr", "french": "fr", "frances": "fr", "portugues": "pt", "portuguese": "pt",
                   "deutsch": "de", "german": "de", "aleman": "de", "italiano": "it", "italian": "it"}

_YES = {"yes", "true", "true()", "1", "sí", "si"}
_NO = {"no", "false", "false()", "0", ""}

# XML NCName (https://www.w3.org/TR/REC-xml-names/#NT-NCName). pyxform 4.5's own pattern rejects
# names starting with U+00C0..U+00D6, so those are left out of the first character to keep every
# accepted form convertible.
_START = ("A-Z_a-z\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
          "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_MORE = "\\-.0-9\u00b7\u00c0-\u00d6\u0300-\u036f\u203f-\u2040"
_NCNAME = re.compile(f"[{_START}][{_START}{_MORE}]*")
_LANG_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_LANG_IN_PARENS = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")


class XLSFormError(ImportProblems):
    """The workbook is not a valid survey definition; `problems` are `SHEET row R: message` lines."""


@dataclass
class ChoiceDef:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    positive: bool = False


@dataclass
class QuestionDef:
    type: str
    name: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    required: bool = False
    indicator: bool = False
    appearance: str = ""
    list_name: str | None = None
    choices: list[ChoiceDef] = field(default_factory=list)


@dataclass
class FormDefinition:
    title: str
    form_id: str = ""
    default_language: str = "es"
    languages: list[str] = field(default_factory=lambda: ["es"])
    questions: list[QuestionDef] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReadResult:
    definition: FormDefinition
    warnings: list[str]


# --------------------------------------------------------------------------- small parsers

def parse_language(text: str) -> str | None:
    """`Español (es)`, `English (en)`, `es`, `Spanish`... -> an ISO 639-1 code (None if unknown)."""
    raw = unicodedata.normalize("NFC", str(text)).strip()
    if not raw:
        return None
    match = _LANG_IN_PARENS.search(raw)
    code = match.group(1) if match else (raw if _LANG_CODE.fullmatch(raw) else None)
    if code is None:
        return _LANGUAGE_WORDS.get(fold(raw)) or _pycountry_language(raw)
    primary = re.split(r"[-_]", code)[0].lower()
    if primary in LANGUAGE_NAMES:
        return primary
    return _pycountry_language(primary)


def _pycountry_language(text: str) -> str | None:
    import pycountry

    try:
        if len(text) == 2:
            found = pycountry.languages.get(alpha_2=text.lower())
        elif len(text) == 3 and text.isascii() and text.isalpha():
            found = pycountry.languages.get(alpha_3=text.lower())
        else:
            found = pycountry.languages.lookup(text)
    except (LookupError, KeyError):
        return None
    code = getattr(found, "alpha_2", None) if found else None
    if code:
        return code.lower()
    alpha3 = getattr(found, "alpha_3", None) if found else None
    return alpha3.lower() if alpha3 and alpha3.lower() in LANGUAGE_NAMES else None


def language_label(code: str) -> str:
    """`es` -> `Español (es)`: the column suffix written on export."""
    name = LANGUAGE_NAMES.get(code)
    if name is None:
        import pycountry

        found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
        name = found.name if found else code
    return f"{name} ({code})"


def parse_yes_no(value: object) -> bool | None:
    """A yes/no cell per contract; None when the value is neither."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = unicodedata.normalize("NFC", _text(value)).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def is_valid_name(name: str) -> bool:
    return bool(name) and len(name) <= MAX_NAME and _NCNAME.fullmatch(name) is not None and name != "meta"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.6)
    return f" (¿quiso decir «{close[0]}»?)" if close else ""


# --------------------------------------------------------------------------- reading

class _Report:
    def __init__(self) -> None:
        self.problems: list[tuple[int, int, int, str]] = []
        self.warnings: list[str] = []
        self.languages: list[str] = []  # languages of the label/hint columns, in order

    def error(self, sheet: str, row: int, message: str) -> None:
        order = SHEETS.index(sheet) if sheet in SHEETS else len(SHEETS)
        self.problems.append((order, row, len(self.problems), f"{sheet} row {row}: {message}"))

    def lines(self) -> list[str]:
        return [line for *_, line in sorted(self.problems)]


@dataclass
class _Columns:
    """Where each known column sits in a sheet: simple[name] = index; texts[(kind, lang)] = [(explicit, index)]."""

    simple: dict[str, int] = field(default_factory=dict)
    texts: dict[tuple[str, str], list[tuple[bool, int]]] = field(default_factory=dict)

    def languages(self, kind: str) -> list[str]:
        return [lang for (k, lang) in self.texts if k == kind]


def _load_sheets(data: bytes) -> dict[str, tuple[str, list[tuple]]]:
    workbook = open_xlsx(data, read_only=False, max_uncompressed=MAX_UNCOMPRESSED)
    sheets: dict[str, tuple[str, list[tuple]]] = {}
    try:
        for sheet in workbook.worksheets:
            key = sheet.title.strip().lower()
            if key in sheets:
                continue
            if sheet.max_row > MAX_ROWS:
                sheets[key] = (sheet.title, [("\x00too-many",)])
                continue
            sheets[key] = (sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)])
    except Exception as exc:
        raise TableError(f"no se pudo leer el libro XLSX: {type(exc).__name__}") from None
    finally:
        workbook.close()
    return sheets


def _read_header(sheet: str, header_row: tuple, known: tuple[str, ...], default_lang: str,
                 report: _Report) -> _Columns:
    columns = _Columns()
    seen: dict[str, int] = {}
    for index, cell in enumerate(header_row):
        raw = _text(cell)
        if not raw:
            continue
        base, sep, lang_text = raw.partition("::")
        base = base.strip().lower()
        key = f"{base}::{lang_text.strip()}" if sep else base
        if key in seen:
            report.error(sheet, 1, f"la columna «{raw}» está repetida")
            continue
        seen[key] = index
        if base in TRANSLATABLE and base in known:
            lang = parse_language(lang_text) if sep else default_lang
            if lang is None:
                report.error(sheet, 1, f"idioma no reconocido en la columna «{raw}» "
                                       "(escriba, por ejemplo, label::Español (es) o label::English (en))")
                continue
            slots = columns.texts.setdefault((base, lang), [])
            if any(explicit == bool(sep) for explicit, _ in slots):
                report.error(sheet, 1, f"la columna «{raw}» repite el idioma «{lang}»")
                continue
            slots.append((bool(sep), index))
            if lang not in report.languages:
                report.languages.append(lang)
        elif base in known and not sep:
            columns.simple[base] = index
        elif base in STANDARD_IGNORED.get(sheet, set()) or (sheet == "settings" and base in SILENT_SETTINGS):
            if base not in SILENT_SETTINGS:
                report.warnings.append(f"{sheet}: columna «{raw}» no admitida por la plataforma; se ignora")
        else:
            report.warnings.append(f"{sheet}: columna desconocida «{raw}» ignorada{_suggest(base, known)}")
    return columns


def _texts(columns: _Columns, kind: str, cells: tuple) -> dict[str, str]:
    out: dict[str, str] = {}
    for (k, lang), slots in columns.texts.items():
        if k != kind:
            continue
        for _, index in sorted(slots, key=lambda s: not s[0]):  # explicit language column first
            value = _text(cells[index]) if index < len(cells) else ""
            if value:
                out[lang] = value
                break
    return out


def _cell(columns: _Columns, name: str, cells: tuple) -> object:
    index = columns.simple.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def _parse_type(raw: str) -> tuple[str | None, str | None, str | None]:
    """-> (type, list_name, problem). type None and problem None means "ignore this row"."""
    text = " ".join(raw.split())
    lower = text.lower()
    for prefix, kind in SELECT_PREFIXES:
        if lower.startswith(prefix):
            rest = text[len(prefix):].split(" ")
            if len(rest) > 1 and rest[1].lower() == "or_other":
                return None, None, f"«{_short(text)}»: «or_other» no se admite; agregue una opción «other» a la lista"
            if len(rest) != 1:
                return None, None, f"tipo «{_short(text)}» no válido: escriba {kind} seguido del nombre de una lista"
            if len(rest[0]) > MAX_NAME:
                return None, None, f"el nombre de lista «{_short(rest[0])}» es demasiado largo"
            return kind, rest[0], None
    if lower in ("select_one", "select one", "select_multiple", "select multiple"):
        return None, None, f"tipo «{text}» sin lista: escriba, por ejemplo, «{lower.replace(' ', '_')} opciones»"
    if lower in TYPE_ALIASES:
        return TYPE_ALIASES[lower], None, None
    if lower in IGNORED_TYPES:
        return None, None, None
    if lower.split(" ")[0] in UNSUPPORTED_TYPES or lower in UNSUPPORTED_TYPES:
        return None, None, f"el tipo «{_short(text)}» no se admite (tipos admitidos: {', '.join(_SUPPORTED)})"
    hint = _suggest(lower, [*TYPE_ALIASES, "select_one", "select_multiple"])
    return None, None, f"tipo desconocido «{_short(text)}»{hint}"


_SUPPORTED = ("select_one LISTA", "select_multiple LISTA", "text", "integer", "decimal", "date", "note",
              "begin_group", "end_group")


def _read_settings(sheets: dict, report: _Report) -> tuple[str, str, str | None]:
    """-> (title, form_id, default_language or None)."""
    if "settings" not in sheets:
        return "", "", None
    _, rows = sheets["settings"]
    if rows and rows[0] == ("\x00too-many",):
        report.error("settings", 1, "la hoja tiene demasiadas filas")
        return "", "", None
    if not rows:
        return "", "", None
    columns = _read_header("settings", rows[0], SETTINGS_COLUMNS, "es", report)
    data_rows = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(_text(c) for c in row)]
    if not data_rows:
        return "", "", None
    number, cells = data_rows[0]
    if len(data_rows) > 1:
        report.warnings.append(f"settings: solo se lee la fila {number}; las demás filas se ignoran")
    title = _text(_cell(columns, "form_title", cells))
    form_id = _text(_cell(columns, "form_id", cells))
    if len(title) > MAX_TITLE:
        report.error("settings", number, f"form_title supera {MAX_TITLE} caracteres")
    if len(form_id) > MAX_NAME:
        report.error("settings", number, f"form_id supera {MAX_NAME} caracteres")
    raw_lang = _text(_cell(columns, "default_language", cells))
    lang = None
    if raw_lang:
        lang = parse_language(raw_lang)
        if lang is None:
            report.error("settings", number, f"default_language «{_short(raw_lang)}» no es un idioma reconocido "
                                             "(escriba, por ejemplo, Español (es))")
    return title, form_id, lang


def _read_choices(sheets: dict, default_lang: str, report: _Report) -> dict[str, list[tuple[int, ChoiceDef]]]:
    lists: dict[str, list[tuple[int, ChoiceDef]]] = {}
    if "choices" not in sheets:
        return lists
    _, rows = sheets["choices"]
    if rows and rows[0] == ("\x00too-many",):
        report.error("choices", 1, "la hoja tiene demasiadas filas")
        return lists
    if not rows:
        return lists
    header = tuple("list_name" if _text(c).lower() == "list name" else c for c in rows[0])
    columns = _read_header("choices", header, CHOICES_COLUMNS, default_lang, report)
    for column in ("list_name", "name"):
        if column not in columns.simple:
            report.error("choices", 1, f"falta la columna «{column}»")
    if "list_name" not in columns.simple or "name" not in columns.simple:
        return lists
    for number, cells in enumerate(rows[1:], start=2):
        list_name = _text(_cell(columns, "list_name", cells))
        name = _text(_cell(columns, "name", cells))
        labels = _texts(columns, "label", cells)
        positive_cell = _cell(columns, "positive", cells)
        if not (list_name or name or labels or _text(positive_cell)):
            continue
        positive = parse_yes_no(positive_cell)
        ok = True
        if positive is None:
            report.error("choices", number, f"positive «{_short(_text(positive_cell))}» no es sí/no (use yes o no)")
            ok = False
        if not list_name:
            report.error("choices", number, "falta list_name")
            ok = False
        elif " " in list_name or len(list_name) > MAX_NAME:
            report.error("choices", number, f"list_name «{_short(list_name)}» no es válido (sin espacios, "
                                            f"hasta {MAX_NAME} caracteres)")
            ok = False
        if not name:
            report.error("choices", number, "falta el nombre (name) de la opción")
            ok = False
        elif len(name) > MAX_NAME or any(unicodedata.category(ch) == "Cc" for ch in name):
            report.error("choices", number, f"el nombre de opción «{_short(name)}» no es válido")
            ok = False
        if list_name and " " not in list_name and len(list_name) <= MAX_NAME:
            lists.setdefault(list_name, [])  # known, even when this row is invalid
        if not ok:
            continue
        entries = lists[list_name]
        previous = next((row for row, choice in entries if choice.name == name), None)
        if previous is not None:
            report.error("choices", number, f"la opción «{_short(name)}» se repite en la lista «{list_name}» "
                                            f"(fila {previous})")
            continue
        if not labels:
            report.warnings.append(f"choices row {number}: la opción «{_short(name)}» no tiene etiqueta (label)")
        entries.append((number, ChoiceDef(name=name, labels=labels, positive=bool(positive))))
    return lists


def _read_survey(sheets: dict, default_lang: str, lists: dict, report: _Report) -> tuple[list[QuestionDef], set]:
    questions: list[QuestionDef] = []
    used_lists: set[str] = set()
    if "survey" not in sheets:
        report.error("survey", 1, "el libro no tiene una hoja «survey»")
        return questions, used_lists
    _, rows = sheets["survey"]
    if rows and rows[0] == ("\x00too-many",):
        report.error("survey", 1, "la hoja tiene demasiadas filas")
        return questions, used_lists
    columns = _read_header("survey", rows[0] if rows else (), SURVEY_COLUMNS, default_lang, report)
    for column in ("type", "name"):
        if column not in columns.simple:
            report.error("survey", 1, f"falta la columna «{column}»")
    if not columns.languages("label") and "type" in columns.simple:
        report.error("survey", 1, "falta la columna «label» (o label::Español (es), label::English (en))")
    if "type" not in columns.simple or "name" not in columns.simple:
        return questions, used_lists
    names: dict[str, int] = {}
    groups: list[tuple[str, int]] = []
    for number, cells in enumerate(rows[1:], start=2):
        raw_type = _text(_cell(columns, "type", cells))
        name = _text(_cell(columns, "name", cells))
        labels = _texts(columns, "label", cells)
        hints = _texts(columns, "hint", cells)
        required_cell = _cell(columns, "required", cells)
        indicator_text = _text(_cell(columns, "indicator", cells))
        appearance = _text(_cell(columns, "appearance", cells))
        if not (raw_type or name or labels or hints or _text(required_cell) or indicator_text or appearance):
            continue
        if not raw_type:
            report.error("survey", number, "falta el tipo (columna type)")
            continue
        qtype, list_name, problem = _parse_type(raw_type)
        if problem:
            report.error("survey", number, problem)
            continue
        if qtype is None:
            report.warnings.append(f"survey row {number}: el tipo «{_short(raw_type)}» no lleva respuesta en la "
                                   "plataforma; fila ignorada")
            continue
        required = parse_yes_no(required_cell)
        if required is None:
            report.error("survey", number, f"required «{_short(_text(required_cell))}» no es sí/no (use yes o no)")
        indicator = False
        if indicator_text:
            if indicator_text.lower() != "satisfaction":
                report.error("survey", number, f"indicator «{_short(indicator_text)}» no es válido: use "
                                               "«satisfaction» o deje la celda vacía")
            elif qtype != "select_one":
                report.error("survey", number, f"indicator «satisfaction» solo se admite en preguntas select_one "
                                               f"(esta es {qtype})")
            else:
                indicator = True
        if qtype == "end_group":
            if not groups:
                report.error("survey", number, "end_group sin un begin_group abierto")
            else:
                groups.pop()
            questions.append(QuestionDef(type="end_group"))
            continue
        if not name:
            report.error("survey", number, "falta el nombre (columna name)")
        elif not is_valid_name(name):
            reason = "es un nombre reservado" if name == "meta" else (
                f"supera {MAX_NAME} caracteres" if len(name) > MAX_NAME else
                "no es un nombre XML válido (empiece con letra o _, y use solo letras, números, _ . -)")
            report.error("survey", number, f"el nombre «{_short(name)}» {reason}")
        elif name in names:
            report.error("survey", number, f"el nombre «{name}» se repite (fila {names[name]})")
        else:
            names[name] = number
        if qtype in ANSWERABLE or qtype == "note":
            if not labels and not hints:
                report.error("survey", number, f"la pregunta «{_short(name)}» no tiene etiqueta (label)")
        if qtype not in ANSWERABLE and required:
            report.warnings.append(f"survey row {number}: «required» no aplica a {qtype}; se ignora")
            required = False
        question = QuestionDef(type=qtype, name=name or None, labels=labels, hints=hints, required=bool(required),
                               indicator=indicator, appearance=appearance, list_name=list_name)
        if list_name is not None:
            used_lists.add(list_name)
            entries = lists.get(list_name)
            if entries is None:
                hint = _suggest(list_name, lists) if lists else ""
                report.error("survey", number, f"la lista «{_short(list_name)}» no existe en la hoja choices{hint}")
            elif entries:  # an empty list here had only invalid rows, already reported
                question.choices = [ChoiceDef(c.name, dict(c.labels), c.positive) for _, c in entries]
                if qtype == "select_multiple":
                    for row, choice in entries:
                        if any(ch.isspace() for ch in choice.name):
                            report.error("choices", row, f"la opción «{_short(choice.name)}» tiene espacios, que no "
                                                         f"se admiten en select_multiple (pregunta «{name}»)")
                if indicator and not any(c.positive for c in question.choices):
                    report.warnings.append(f"survey row {number}: la pregunta indicadora «{name}» no tiene ninguna "
                                           "opción marcada como positive")
        if qtype == "begin_group":
            groups.append((name, number))
        questions.append(question)
    for name, number in groups:
        report.error("survey", number, f"el grupo «{_short(name)}» no se cierra (falta end_group)")
    if not any(q.type in ANSWERABLE for q in questions) and not report.problems:
        report.error("survey", 1, "el formulario no tiene preguntas")
    return questions, used_lists


def read_xlsform(source: str | Path | bytes, *, filename: str | None = None) -> ReadResult:
    """Read an XLSForm workbook. Raises TableError (unreadable file) or XLSFormError (invalid form)."""
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise TableError(f"no existe el archivo {path}") from None
        except IsADirectoryError:
            raise TableError(f"{path} es una carpeta, no un archivo") from None
        except OSError as exc:
            raise TableError(f"no se pudo leer {path}: {exc.strerror}") from None
    sheets = _load_sheets(data)
    report = _Report()
    for key, (title, _) in sheets.items():
        if key not in SHEETS:
            report.warnings.append(f"hoja desconocida «{title}» ignorada{_suggest(key, SHEETS)}")
    title, form_id, settings_lang = _read_settings(sheets, report)
    default_lang = settings_lang or "es"
    lists = _read_choices(sheets, default_lang, report)
    questions, used = _read_survey(sheets, default_lang, lists, report)
    for list_name in lists:
        if list_name not in used:
            report.warnings.append(f"choices: la lista «{_short(list_name)}» no se usa en ninguna pregunta")
    if report.problems:
        raise XLSFormError(report.lines())
    languages = report.languages
    if settings_lang is None and languages and "es" not in languages:
        default_lang = languages[0]
    languages = [default_lang] + [lang for lang in languages if lang != default_lang]
    if not title:
        title = form_id or (Path(filename).stem if filename else "") or "Encuesta"
        title = title[:MAX_TITLE]
    definition = FormDefinition(title=title, form_id=form_id, default_language=default_lang,
                                languages=languages, questions=questions)
    return ReadResult(definition=definition, warnings=report.warnings)


# --------------------------------------------------------------------------- writing

def _safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def _list_names(definition: FormDefinition) -> tuple[list[str | None], dict[str, list[ChoiceDef]]]:
    """A list name per question, reusing a name only for identical choices."""
    lists: dict[str, list[ChoiceDef]] = {}
    names: list[str | None] = []
    for q in definition.questions:
        if q.type not in ("select_one", "select_multiple"):
            names.append(None)
            continue
        base = re.sub(r"\s+", "_", (q.list_name or q.name or "lista").strip())[: MAX_NAME - 4] or "lista"
        candidate, counter = base, 1
        while candidate in lists and lists[candidate] != q.choices:
            counter += 1
            candidate = f"{base}_{counter}"
        lists.setdefault(candidate, q.choices)
        names.append(candidate)
    return names, lists


def xlsform_bytes(definition: FormDefinition) -> bytes:
    """The definition as an XLSForm workbook (never a formula cell)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)

    def add(sheet, values: list[object]) -> None:
        cells = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=_safe(value))
                cell.data_type = "s"  # text that starts with "=" stays text
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)

    default = definition.default_language
    langs: list[str] = [default] + [lang for lang in definition.languages if lang != default]
    for q in definition.questions:
        for lang in [*q.labels, *q.hints, *(lang for c in q.choices for lang in c.labels)]:
            if lang not in langs:
                langs.append(lang)
    hint_langs = langs if any(q.hints for q in definition.questions) else []  # every language: no pyxform warning
    with_appearance = any(q.appearance for q in definition.questions)
    list_names, lists = _list_names(definition)

    survey = workbook.create_sheet("survey")
    add(survey, ["type", "name", *(f"label::{language_label(lang)}" for lang in langs),
                 *(f"hint::{language_label(lang)}" for lang in hint_langs), "required", "indicator",
                 *(["appearance"] if with_appearance else [])])
    for q, list_name in zip(definition.questions, list_names, strict=True):
        qtype = f"{q.type} {list_name}" if list_name else q.type
        add(survey, [qtype, q.name or "", *(q.labels.get(lang, "") for lang in langs),
                     *(q.hints.get(lang, "") for lang in hint_langs),
                     ("yes" if q.required else "no") if q.type in ANSWERABLE else "",
                     "satisfaction" if q.indicator else "", *([q.appearance] if with_appearance else [])])

    choices = workbook.create_sheet("choices")
    add(choices, ["list_name", "name", *(f"label::{language_label(lang)}" for lang in langs), "positive"])
    for list_name, options in lists.items():
        for choice in options:
            add(choices, [list_name, choice.name, *(choice.labels.get(lang, "") for lang in langs),
                          "yes" if choice.positive else "no"])

    settings = workbook.create_sheet("settings")
    add(settings, ["form_title", "form_id", "default_language"])
    add(settings, [definition.title, definition.form_id, language_label(default)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsform(definition: FormDefinition, target: str | Path | BinaryIO) -> None:
    data = xlsform_bytes(definition)
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)
