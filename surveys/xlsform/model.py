"""XLSForm vocabulary shared by the reader and the writer: definitions, columns, small parsers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from crm.core.errors import ImportProblems
from crm.core.text import fold

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
    text = unicodedata.normalize("NFC", cell_text(value)).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def is_valid_name(name: str) -> bool:
    return bool(name) and len(name) <= MAX_NAME and _NCNAME.fullmatch(name) is not None and name != "meta"


def cell_text(value: object) -> str:
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

