"""Text normalisation shared by importers, matching and search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067,
     0x2068, 0x2069, 0xFEFF, 0x00AD, 0x0000]
)


def clean(value: object) -> str:
    """A cell as trimmed text: invisible and control characters removed, spaces collapsed."""
    if value is None:
        return ""
    text = str(value).translate(_INVISIBLE)
    text = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return _SPACES.sub(" ", text).strip()


def fold(value: object) -> str:
    """Comparison key: no accents, case-folded, spaces collapsed (`Álvaro  Obregón` -> `alvaro obregon`)."""
    text = unicodedata.normalize("NFKD", clean(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


def fold_compact(value: object) -> str:
    """`fold` with spaces, underscores, hyphens and dots removed (`No_Binario` -> `nobinario`)."""
    return re.sub(r"[\s_\-.]", "", fold(value))
