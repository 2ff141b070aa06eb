"""XLSForm vocabulary shared by the reader and the writer: definitions, columns, small parsers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from crm.core.errors import ImportProblems
from surveys.xlsform.languages import LANGUAGE_NAMES, language_label, parse_language  # noqa: F401 (re-exported)

# The kinds of question (surveys.models mirrors them): what a respondent answers, what the form computes,
# what the platform fills in when a response arrives, uploads, and the structure.
ANSWERABLE = ("select_one", "select_multiple", "text", "integer", "decimal", "date", "time", "datetime", "range",
              "rank", "geopoint", "acknowledge", "barcode")
CALCULATED = ("calculate", "hidden")  # a hidden question holds its default or its calculation
METADATA = ("start", "end", "today", "deviceid", "username", "audit", "phonenumber", "simserial", "subscriberid",
            "email")
UPLOADS = ("image", "audio", "video", "file")
STRUCTURAL = ("note", "begin_group", "end_group", "begin_repeat", "end_repeat")
SELECTS = ("select_one", "select_multiple", "rank")
MAX_ROWS = 50_000
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # a form is small; this guards against zip bombs
MAX_NAME = 80  # per name; a name reused in another group or repeat is stored as its path
MAX_PATH = 255  # surveys.models.Question.name
MAX_TITLE = 300
SHEETS = ("survey", "choices", "settings")

# The keys of QuestionDef.logic (surveys.models.Question.logic): expressions are {"src": ..., "tree": ...}
EXPRESSION_KEYS = ("relevant", "constraint", "required", "calculation", "choice_filter", "default", "read_only",
                   "repeat_count")
MESSAGE_KEYS = ("constraint_message", "required_message")  # {lang: text}
LOGIC_KEYS = (*EXPRESSION_KEYS, *MESSAGE_KEYS, "read_only_flag", "default_value", "or_other", "parameters",
              "label_refs")

SURVEY_COLUMNS = ("type", "name", "label", "hint", "required", "indicator", "appearance", "relevant", "constraint",
                  "constraint_message", "required_message", "calculation", "choice_filter", "default", "read_only",
                  "repeat_count", "parameters", "trigger")
CHOICES_COLUMNS = ("list_name", "name", "label", "positive")
SETTINGS_COLUMNS = ("form_title", "form_id", "default_language", "allow_choice_duplicates")
TRANSLATABLE = ("label", "hint", "constraint_message", "required_message")
MEDIA_COLUMNS = {"image", "audio", "video", "media", "big-image", "big_image"}
# Standard XLSForm columns the platform does not use (none of them is logic): ignored, with a warning.
STANDARD_IGNORED = {
    "survey": {*MEDIA_COLUMNS, "guidance_hint", "body", "bind", "instance", "autoplay", "note", "rows",
               "jr:noapperrorstring", "noapperrorstring", "no_app_error_string", "sms_field", "sms_option",
               "sms_separator", "sms_allow_media", "sms_date_format", "sms_datetime_format", "sms_response",
               "compact_tag", "save_to", "label_hint"},
    "choices": set(MEDIA_COLUMNS),
    "settings": {"instance_name", "style", "public_key", "submission_url", "auto_send", "auto_delete",
                 "namespaces", "name", "clean_text_values", "omit_instanceid",
                 "client_editable", "entities"},
}
SILENT_SETTINGS = {"version"}

_YES = {"yes", "true", "true()", "1", "sí", "si"}
_NO = {"no", "false", "false()", "0", ""}

# XML NCName (https://www.w3.org/TR/REC-xml-names/#NT-NCName). pyxform 4.5's own pattern rejects
# names starting with U+00C0..U+00D6, so those are left out of the first character to keep every
# accepted form convertible.
_START = ("A-Z_a-z\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
          "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_MORE = "\\-.0-9\u00b7\u00c0-\u00d6\u0300-\u036f\u203f-\u2040"
_NCNAME = re.compile(f"[{_START}][{_START}{_MORE}]*")


class XLSFormError(ImportProblems):
    """The workbook is not a valid survey definition; `problems` are `SHEET row R: message` lines."""


@dataclass
class ChoiceDef:
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    positive: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # the choices sheet's other columns (choice filters)


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
    logic: dict = field(default_factory=dict)  # LOGIC_KEYS


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

