"""The Spanish labels of the survey side's stored codes on staff pages (crm.core.display's `etiqueta` filter):
states, question types, response channels, languages (the invitations' own: surveys.invitations.labels).

Registered at import (the views import this module). Language tags are open-ended (BCP 47): the common ones
are registered here, and `language_labels(codes)` adds a survey's own from langcodes' Spanish names.
"""

from __future__ import annotations

from crm.core.display import label, register_labels
from surveys.invitations.labels import source_labels
from surveys.responses.describe import TYPE_LABELS
from surveys.services import STATES

__all__ = ["language_labels", "source_labels"]
# the usual ones, written here (langcodes, with its 3 MB of tables, is loaded only for a survey's other tags)
COMMON_LANGUAGES = {"es": "Español", "en": "Inglés", "fr": "Francés", "pt": "Portugués", "de": "Alemán",
                    "it": "Italiano", "nah": "Náhuatl", "zh": "Chino", "ja": "Japonés", "ko": "Coreano",
                    "ar": "Árabe", "ru": "Ruso"}
CHANNELS = {"web": "Web", "import": "Importada"}  # how a response arrived


def _language_name(code: str) -> str:
    try:
        import langcodes  # on first use (crm.core.display.charts says why)

        name = langcodes.Language.get(code).display_name("es")
    except (ValueError, LookupError):
        return code
    return name[:1].upper() + name[1:] if name and name.lower() != code.lower() else code


def language_labels(codes) -> None:
    """Registers the Spanish name of each language tag not registered yet (a survey's own languages)."""
    missing = {c: _language_name(c) for c in codes or [] if c and label(c, "idioma") == c}
    if missing:
        register_labels("idioma", missing)


register_labels("estado_encuesta", STATES)
register_labels("tipo_pregunta", TYPE_LABELS)
register_labels("canal_respuesta", CHANNELS)
register_labels("idioma", COMMON_LANGUAGES)
