"""`UploadError`: an upload refused, with a message for the respondent in Spanish and in English (the respondent
pages are bilingual) and the HTTP status that fits (413 too large, 415 type not accepted, 400 empty)."""

from __future__ import annotations

_MESSAGES = {
    "too_large": ({"es": "El archivo pesa más de {limit} MB, el máximo permitido. Elija un archivo más ligero.",
                   "en": "The file is larger than {limit} MB, the maximum allowed. Choose a smaller file."}, 413),
    "type": ({"es": "Este tipo de archivo no se acepta en esta pregunta. Tipos aceptados: {accepted}.",
              "en": "This type of file is not accepted for this question. Accepted types: {accepted}."}, 415),
    "none_accepted": ({"es": "Esta pregunta no acepta ningún tipo de archivo; avise a quien administra la encuesta.",
                       "en": "This question accepts no type of file; please tell the survey's administrators."},
                      415),
    "empty": ({"es": "El archivo está vacío. Elija otro archivo.",
               "en": "The file is empty. Choose another file."}, 400),
}


class UploadError(ValueError):
    """An upload refused. `code` (too_large, type, none_accepted, empty), `status` (HTTP), `messages`
    ({"es": ..., "en": ...}); `message(lang)` the text in the respondent's language; str() is Spanish."""

    def __init__(self, code: str, **params: object) -> None:
        templates, self.status = _MESSAGES[code]
        self.code = code
        self.params = params
        self.messages = {lang: text.format(**params) for lang, text in templates.items()}
        super().__init__(self.messages["es"])

    def message(self, lang: str = "es") -> str:
        return self.messages.get(lang) or self.messages["es"]
