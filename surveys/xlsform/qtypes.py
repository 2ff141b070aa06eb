"""The `type` cell of an XLSForm survey row: the standard's spellings (pyxform 4.5 is the reference)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from surveys.xlsform.model import MAX_NAME

# Spellings of the types the platform keeps -> the stored type (lower-case keys, whitespace collapsed)
TYPE_ALIASES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
    "date": "date", "note": "note", "time": "time", "datetime": "datetime", "date time": "datetime",
    "calculate": "calculate", "range": "range", "geopoint": "geopoint", "gps": "geopoint",
    "location": "geopoint", "image": "image", "photo": "image", "audio": "audio", "video": "video",
    "file": "file", "start": "start", "start time": "start", "end": "end", "end time": "end", "today": "today",
    "deviceid": "deviceid", "device id": "deviceid", "imei": "deviceid", "uri:deviceid": "deviceid",
    "username": "username", "uri:username": "username", "audit": "audit", "hidden": "hidden",
    "acknowledge": "acknowledge", "trigger": "acknowledge", "barcode": "barcode",
    # device metadata a web form cannot know: kept as questions, left empty
    "phonenumber": "phonenumber", "phone number": "phonenumber", "get phone number": "phonenumber",
    "uri:phonenumber": "phonenumber", "simserial": "simserial", "sim id": "simserial", "get sim id": "simserial",
    "uri:simserial": "simserial", "subscriberid": "subscriberid", "subscriber id": "subscriberid",
    "get subscriber id": "subscriberid", "uri:subscriberid": "subscriberid", "email": "email",
    "uri:email": "email",
}
# "add X prompt" / "q X" spellings of pyxform's dictionary
for _word, _kind in (("date", "date"), ("date time", "datetime"), ("datetime", "datetime"), ("decimal", "decimal"),
                     ("integer", "integer"), ("int", "integer"), ("text", "text"), ("string", "text"),
                     ("note", "note"), ("calculate", "calculate"), ("image", "image"), ("photo", "image"),
                     ("picture", "image"), ("audio", "audio"), ("video", "video"), ("file", "file"),
                     ("location", "geopoint"), ("geopoint", "geopoint"), ("acknowledge", "acknowledge"),
                     ("barcode", "barcode")):
    TYPE_ALIASES.setdefault(f"add {_word} prompt", _kind)
    TYPE_ALIASES.setdefault(f"q {_word}", _kind)
TYPE_ALIASES.update({"get start time": "start", "get end time": "end", "get today": "today",
                     "get device id": "deviceid"})

# A device location taken when the form opens: the row is left out with a warning (it carries no logic)
IGNORED_TYPES = {"start-geopoint"}
# The standard's types the platform cannot honour: the form is refused with a line naming the type
UNSUPPORTED_TYPES = {"geotrace", "geoshape", "background-audio",
                     "background-geopoint", "xml-external", "csv-external", "osm", "note_ext", "entity",
                     "percentage", "q geoshape", "q geotrace", "number of days in last month",
                     "number of days in last six months", "number of days in last year"}
_SELECT_COMMANDS = {"select_one": "select_one", "select one": "select_one", "select one from": "select_one",
                    "select1": "select_one", "add select one prompt using": "select_one",
                    "select one using": "select_one", "q select1": "select_one",
                    "select_multiple": "select_multiple", "select multiple": "select_multiple",
                    "select multiple from": "select_multiple", "select all that apply": "select_multiple",
                    "select all that apply from": "select_multiple", "select multiple using": "select_multiple",
                    "add select multiple prompt using": "select_multiple", "q select": "select_multiple",
                    "rank": "rank"}
_FROM_FILE = ("select_one_from_file", "select_multiple_from_file", "select one from file",
              "select multiple from file", "select_one_external", "select one external")
_SELECT = re.compile(r"^(?P<command>" + "|".join(sorted(map(re.escape, _SELECT_COMMANDS), key=len, reverse=True))
                     + r") (?P<list>\S+)(?P<other> (?:or specify other|or_other|or other))?$", re.IGNORECASE)
_CONTROL = {"group": "group", "repeat": "repeat", "lgroup": "repeat", "looped group": "repeat", "loop": "loop"}
_BEGIN = re.compile(r"^begin[\s_](?P<kind>group|repeat|lgroup|looped group|loop)(?: (?:over )?(?P<list>\S+))?$",
                    re.IGNORECASE)
_END = re.compile(r"^end[\s_](?P<kind>group|repeat|lgroup|looped group|loop)$", re.IGNORECASE)

SUPPORTED = ("select_one LISTA", "select_multiple LISTA", "rank LISTA", "text", "integer", "decimal", "date",
             "time", "datetime", "range", "geopoint", "acknowledge", "barcode", "image", "audio", "video", "file",
             "calculate", "hidden", "note", "begin_group", "end_group", "begin_repeat", "end_repeat",
             "begin loop over LISTA", "end loop", "start", "end", "today", "deviceid", "username", "audit",
             "phonenumber", "simserial", "subscriberid", "email")


@dataclass(frozen=True)
class ParsedType:
    """A type cell read: `type` None with no `problem` means a row left out (with a warning)."""

    type: str | None
    list_name: str | None = None
    or_other: bool = False
    problem: str | None = None


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unsupported(text: str) -> ParsedType:
    return ParsedType(None, problem=f"el tipo «{short(text)}» no se admite en la plataforma "
                                    f"(tipos admitidos: {', '.join(SUPPORTED)})")


def parse_type(raw: str) -> ParsedType:
    text = " ".join(str(raw).split())
    lower = text.lower()
    if lower in TYPE_ALIASES:
        return ParsedType(TYPE_ALIASES[lower])
    if lower in IGNORED_TYPES:
        return ParsedType(None)
    if lower in UNSUPPORTED_TYPES or lower.split(" ")[0] in UNSUPPORTED_TYPES:
        return _unsupported(text)
    if any(lower.startswith(prefix) for prefix in _FROM_FILE):
        return ParsedType(None, problem=f"el tipo «{short(text)}» necesita un archivo externo de opciones, que la "
                                        "plataforma no admite: pase las opciones a la hoja choices")
    if control := _BEGIN.match(text) or _END.match(text):
        kind = _CONTROL[" ".join(control.group("kind").lower().split())]
        if kind == "loop":  # expanded into groups before the rows are read (surveys.xlsform.loops)
            if control.re is _BEGIN and not control.group("list"):
                return ParsedType(None, problem=f"tipo «{short(text)}» no válido: escriba «begin loop over LISTA»")
            return ParsedType(("begin_" if control.re is _BEGIN else "end_") + kind, control.group("list")
                              if control.re is _BEGIN else None)
        if control.re is _BEGIN and control.group("list"):
            return ParsedType(None, problem=f"tipo «{short(text)}» no válido: begin_{kind} no lleva lista")
        return ParsedType(("begin_" if control.re is _BEGIN else "end_") + kind)
    if select := _SELECT.match(text):
        kind = _SELECT_COMMANDS[" ".join(select.group("command").lower().split())]
        list_name = select.group("list")
        if len(list_name) > MAX_NAME:
            return ParsedType(None, problem=f"el nombre de lista «{short(list_name)}» es demasiado largo")
        if select.group("other") and kind == "rank":
            return ParsedType(None, problem=f"tipo «{short(text)}» no válido: rank no admite or_other")
        return ParsedType(kind, list_name, or_other=bool(select.group("other")))
    if lower in _SELECT_COMMANDS or lower.split(" ")[0] in ("select_one", "select_multiple", "rank"):
        if lower in _SELECT_COMMANDS:
            return ParsedType(None, problem=f"tipo «{text}» sin lista: escriba, por ejemplo, "
                                            f"«{_SELECT_COMMANDS[lower]} opciones»")
        return ParsedType(None, problem=f"tipo «{short(text)}» no válido: escriba select_one, select_multiple o "
                                        "rank seguido del nombre de una lista (y, si acaso, or_other)")
    close = difflib.get_close_matches(lower, [*TYPE_ALIASES, *_SELECT_COMMANDS], n=1, cutoff=0.6)
    hint = f" (¿quiso decir «{close[0]}»?)" if close else ""
    return ParsedType(None, problem=f"tipo desconocido «{short(text)}»{hint}")
