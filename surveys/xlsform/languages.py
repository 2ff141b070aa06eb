"""Languages of an XLSForm's columns: `label::Español (es)`, `label:English`, `label::pt-BR`, `label::العربية`.

A language is stored by its BCP 47 tag in canonical form (`es`, `pt-BR`, `zh-Hans`). A column may name it by
the tag, by `Name (tag)` or by a name in any language that langcodes knows (`Swahili`, `Kiswahili`, `العربية`,
`Français`); the tag is what the survey keeps.
"""

from __future__ import annotations

import re
import unicodedata

from crm.core.text import fold

# The database keeps a language in 8 characters (survey.default_language, response.language)
MAX_LANGUAGE = 8
LANGUAGE_NAMES = {"es": "Español", "en": "English", "fr": "Français", "pt": "Português", "de": "Deutsch",
                  "it": "Italiano", "nah": "Náhuatl"}
_LANGUAGE_WORDS = {"espanol": "es", "spanish": "es", "castellano": "es", "english": "en", "ingles": "en",
                   "francais": "fr", "french": "fr", "frances": "fr", "portugues": "pt", "portuguese": "pt",
                   "deutsch": "de", "german": "de", "aleman": "de", "italiano": "it", "italian": "it"}
_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")
_TAG_IN_PARENS = re.compile(r"\(\s*([A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*)\s*\)\s*$")


def _tag(code: str) -> str | None:
    """A BCP 47 tag in canonical form (`pt_br` -> `pt-BR`, `eng` -> `en`), None when it is not one."""
    import langcodes  # on first use: its tables are 3 MB in every process otherwise

    try:
        if not langcodes.tag_is_valid(code.replace("_", "-")):
            return None
        tag = langcodes.standardize_tag(code.replace("_", "-"))
    except (ValueError, LookupError):
        return None
    return tag if tag != "und" else None


def parse_language(text: str) -> str | None:
    """`Español (es)`, `English (en)`, `es`, `pt-BR`, `Spanish`, `Kiswahili`... -> a BCP 47 tag (None if unknown)."""
    raw = unicodedata.normalize("NFC", str(text)).strip()
    if not raw:
        return None
    match = _TAG_IN_PARENS.search(raw)
    if match and (tag := _tag(match.group(1))):
        return tag
    if _TAG.fullmatch(raw) and (tag := _tag(raw)):
        return tag
    if word := _LANGUAGE_WORDS.get(fold(raw)):
        return word
    name = raw[: match.start()].strip() if match else raw
    import langcodes

    try:
        found = langcodes.find(name)
    except (LookupError, ValueError):
        return None
    return str(found) if found.is_valid() else None


def language_label(code: str) -> str:
    """`es` -> `Español (es)`, `pt-BR` -> `português (Brasil) (pt-BR)`: the column suffix written on export."""
    name = LANGUAGE_NAMES.get(code)
    if name is None:
        import langcodes

        try:
            name = langcodes.Language.get(code).autonym()
        except (LookupError, ValueError):
            name = code
    name = name.replace("(", "").replace(")", "") if name != code else code
    return f"{name} ({code})"
