"""The language of a respondent page: ?lang=es|en, else the invited person's language, else the browser's,
else Spanish (surveys.respond.submission.choose_language); the page's links to the other languages."""

from __future__ import annotations

import flask_babel
from flask import g, request, url_for

from surveys.respond.submission import LANGUAGES, Target, choose_language, language_code

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


def use_language(lang: str) -> str:
    g.lang = lang
    flask_babel.refresh()  # the locale selector reads g.lang; forget anything computed before
    return lang


def _browser_best(candidates: list[str]) -> str | None:
    return request.accept_languages.best_match(candidates)


def target_language(target: Target, requested: str | None) -> str:
    """The language of a survey's page."""
    return use_language(choose_language(target.survey, requested, target.person_language, _browser_best))


def plain_language(requested: str | None) -> str:
    """The language of a page without a survey (not found, too many attempts, the privacy notice)."""
    requested = language_code(requested)
    if requested in LANGUAGES:
        return use_language(requested)
    return use_language(_browser_best(list(LANGUAGES)) or "es")


def switch_links(lang: str, offered: list[str] | None = None) -> list[tuple[str, str, str]]:
    """Links to the same page in the other languages: (code, name, url)."""
    offered = [code for code in LANGUAGES if code in (offered or LANGUAGES)]
    args = dict(request.view_args or {})
    endpoint = request.endpoint or "privacy.notice"
    if endpoint == "public.submit":
        endpoint = "public.form"
    return [(code, LANGUAGE_NAMES[code], url_for(endpoint, **args, lang=code))
            for code in offered if code != lang]
