"""The respondent pages: no login; a personal invitation token or a survey's open link (`/r/<token>`).

Views parse the request, call surveys.respond.submission, render. The rules (CONTRACTS.md, "Web"):
- language: ?lang=es|en, else the invited person's language, else the browser's, else Spanish; it holds
  through the POST (hidden field) and the redirect to the thank-you page;
- unknown token: 404 with a kind page; used link, draft, closed or not yet open: a page that says so;
- CSRF failure (a form left open for hours): the form comes back with the answers and a message;
- a repeated POST stores nothing (submission key); a personal link is used up atomically;
- failed token look-ups are rate-limited per browser and, more loosely, per address; valid traffic never is;
- tokens never reach the logs (see _RedactTokens).
"""

from __future__ import annotations

import logging
import re
import secrets
import traceback
from functools import cache

import flask_babel
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import validate_csrf
from limits import parse_many
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from crm.app import skip_session_refresh
from crm.contacts.privacy.consent import current_notice
from crm.core.extensions import csrf, db, limiter
from crm.core.timeutil import to_local, tz_name
from surveys.respond import submission
from surveys.respond.submission import FormView, Target

bp = Blueprint("public", __name__, url_prefix="/r")
privacy_bp = Blueprint("privacy", __name__)

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


# --- rate limits -----------------------------------------------------------------------------------
#
# Two limits, counted here rather than by Flask-Limiter's decorators (whose generic evaluation, twice per
# request, was about an eighth of a valid submission's CPU); the same strategy and storage as the rest of
# the application (`limiter.limiter`), the same configuration, the same answers (429 through _too_many):
# - failed token look-ups (404) count against the browser (the address plus a random id kept in its session
#   cookie) and against the address. Over CRM_PUBLIC_MISS_LIMIT (20 a minute) that browser gets 429 on every
#   token page for a while; over CRM_PUBLIC_MISS_ADDRESS_LIMIT (300 a minute) the whole address does. On an
#   election day hundreds of people answer from behind one NAT: a few of them with a mistyped link hold back
#   only themselves, and a guesser that drops its cookies is still held to the address limit (tokens have
#   256 bits: the limits keep the noise down, they are not what makes guessing hopeless). Valid traffic
#   never counts;
# - the same rendered form (its submission key) posted again and again from one address: only repeats count
#   (a first submission costs one read of an empty counter), over CRM_PUBLIC_REPEAT_LIMIT it gets 429.
# A failing limiter storage lets respondents through (logged): a limiter outage must not stop an election
# day's submissions.

_MISS_SCOPE = "public-token-miss"
_ADDRESS_MISS_SCOPE = "public-token-miss-address"
_BROWSER = "_navegador"  # the session key of the browser's random id
_REPEAT_SCOPE = "public-repeat"


@limiter.request_filter
def _counted_here() -> bool:
    """Flask-Limiter skips the respondent pages: their limits are counted below."""
    return request.blueprint == "public"


@cache
def _parsed_limits(spec: str) -> tuple:
    return tuple(parse_many(spec))


def _limits(name: str, default: str) -> tuple:
    return _parsed_limits(current_app.config.get(name) or default)


def _limits_on() -> bool:
    return bool(limiter.enabled and limiter.initialized)


@bp.before_request
def _check_limits():
    if not _limits_on():
        return None
    address = get_remote_address() or ""
    key = submission.clean_submission_key(request.form.get("_clave")) if request.method == "POST" else None
    browser = session.get(_BROWSER) or ""
    g.public_limit_keys = (address, browser, key)
    try:
        strategy = limiter.limiter
        over = any(not strategy.test(item, _ADDRESS_MISS_SCOPE, address)
                   for item in _limits("CRM_PUBLIC_MISS_ADDRESS_LIMIT", "300 per minute"))
        if not over and browser:
            over = any(not strategy.test(item, _MISS_SCOPE, address, browser)
                       for item in _limits("CRM_PUBLIC_MISS_LIMIT", "20 per minute"))
        if not over and key is not None:
            over = any(not strategy.test(item, _REPEAT_SCOPE, address, key)
                       for item in _limits("CRM_PUBLIC_REPEAT_LIMIT", "10 per minute"))
    except Exception:  # the storage is unreachable: let the respondent through
        current_app.logger.exception("Límites de las páginas de respuesta: el almacenamiento no responde")
        return None
    if over:
        abort(429)
    return None


@bp.after_request
def _count_limits(response):
    keys = g.get("public_limit_keys")
    if keys is None:
        return response
    address, browser, key = keys
    try:
        if response.status_code == 404:
            for item in _limits("CRM_PUBLIC_MISS_ADDRESS_LIMIT", "300 per minute"):
                limiter.limiter.hit(item, _ADDRESS_MISS_SCOPE, address)
            if not browser:  # the browser's first miss: from now on it is counted on its own
                browser = session[_BROWSER] = secrets.token_urlsafe(12)
            for item in _limits("CRM_PUBLIC_MISS_LIMIT", "20 per minute"):
                limiter.limiter.hit(item, _MISS_SCOPE, address, browser)
        if key is not None and g.get("repeated_post"):
            for item in _limits("CRM_PUBLIC_REPEAT_LIMIT", "10 per minute"):
                limiter.limiter.hit(item, _REPEAT_SCOPE, address, key)
    except Exception:
        current_app.logger.exception("Límites de las páginas de respuesta: el almacenamiento no responde")
    return response


# --- language --------------------------------------------------------------------------------------


def _use_language(lang: str) -> str:
    g.lang = lang
    flask_babel.refresh()  # the locale selector reads g.lang; forget anything computed before
    return lang


def _browser_best(candidates: list[str]) -> str | None:
    return request.accept_languages.best_match(candidates)


def _target_language(target: Target, requested: str | None) -> str:
    return _use_language(submission.choose_language(target.survey, requested, target.person_language,
                                                    _browser_best))


def _plain_language(requested: str | None) -> str:
    requested = submission.language_code(requested)
    if requested in submission.LANGUAGES:
        return _use_language(requested)
    return _use_language(_browser_best(list(submission.LANGUAGES)) or "es")


def _switch_links(lang: str, offered: list[str] | None = None) -> list[tuple[str, str, str]]:
    """Links to the same page in the other languages: (code, name, url)."""
    offered = [code for code in submission.LANGUAGES if code in (offered or submission.LANGUAGES)]
    args = dict(request.view_args or {})
    endpoint = request.endpoint or "privacy.notice"
    if endpoint == "public.submit":
        endpoint = "public.form"
    return [(code, LANGUAGE_NAMES[code], url_for(endpoint, **args, lang=code)) for code in offered if code != lang]


# --- pages -----------------------------------------------------------------------------------------


def _message(title: str, paragraphs: list[str], status: int = 200, *, lang: str, offered=None, kind="info"):
    return render_template("surveys/public/message.html", title=title, paragraphs=paragraphs, kind=kind,
                           lang=lang, switch=_switch_links(lang, offered)), status


def _not_found(lang: str | None = None):
    lang = lang or _plain_language(request.args.get("lang"))
    return _message(
        _("No encontramos esta encuesta"),
        [_("La dirección no corresponde a ninguna encuesta. Revise que el enlace esté completo: "
           "a veces el correo lo divide en dos líneas."),
         _("Si el problema continúa, pida un enlace nuevo a la persona o área que se lo envió.")],
        404, lang=lang, kind="warning")


def _unavailable(target: Target, state: str, lang: str):
    offered = target.survey.languages
    if state == "used":
        return _message(_("Esta encuesta ya fue respondida"),
                        [_("Este enlace personal ya se utilizó y su respuesta quedó registrada."),
                         _("Gracias por su participación.")], lang=lang, offered=offered)
    if state == "draft":
        return _message(_("Esta encuesta aún no está disponible"),
                        [_("La encuesta está en preparación. Intente más tarde con el mismo enlace.")],
                        lang=lang, offered=offered)
    if state == "not_yet":
        opens = to_local(target.survey.opens_at)
        zone = _("hora de la Ciudad de México") if tz_name() == "America/Mexico_City" else tz_name()
        return _message(_("Esta encuesta aún no está disponible"),
                        [_("Podrá responderla a partir del %(fecha)s (%(zona)s), con el mismo enlace.",
                           fecha=opens.strftime("%Y-%m-%d %H:%M"), zona=zone)],
                        lang=lang, offered=offered)
    return _message(_("Esta encuesta ya cerró"),
                    [_("El periodo para responder esta encuesta terminó. Agradecemos su interés.")],
                    lang=lang, offered=offered)


def _error_text(item, code: str) -> str:
    if code == "required":
        if item.type == "select_one":
            return _("Elija una opción.")
        if item.type == "select_multiple":
            return _("Elija al menos una opción.")
        return _("Responda esta pregunta.")
    return {
        "invalid_choice": _("Elija una de las opciones de la lista."),
        "integer": _("Escriba un número entero, por ejemplo 12."),
        "decimal": _("Escriba un número, por ejemplo 7.5."),
        "date": _("Escriba una fecha válida, por ejemplo 2025-06-30."),
        "text_too_long": _("El texto es demasiado largo: el máximo es %(max)s caracteres.",
                           max=submission.MAX_TEXT),
    }.get(code, _("El texto contiene caracteres no válidos."))


def _render_form(token: str, form: FormView, *, key: str, values=None, errors=None, expired=False,
                 offered=None, status: int = 200):
    errors = errors or {}
    messages = {item.name: _error_text(item, errors[item.question.name])
                for item in form.questions if item.question.name in errors}
    notice = current_notice()
    short = (notice.short_text_en if form.lang == "en" else "") or notice.short_text
    return render_template(
        "surveys/public/form.html", form=form, token=token, key=key, values=values or {}, errors=messages,
        expired=expired, lang=form.lang, switch=_switch_links(form.lang, offered), notice_short=short,
        notice_short_lang="es" if form.lang == "en" and not notice.short_text_en else None,
        has_required=any(item.required for item in form.questions),
    ), status


def _thanks_redirect(token: str, lang: str):
    return redirect(url_for("public.thanks", token=token, lang=lang), code=303)


def _csrf_ok() -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        # a token generated earlier in this app context (tests share one) may belong to another session
        g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        return False
    return True


@bp.get("/<token>")
def form(token: str):
    target = submission.find_target(token)
    if target is None:
        return _not_found()
    lang = _target_language(target, request.args.get("lang"))
    state = submission.availability(target)
    if state:
        return _unavailable(target, state, lang)
    view = submission.build_form(target.survey, lang, target.questions)
    offered = target.survey.languages
    if target.invitation is not None and request.method == "GET":  # not a HEAD from a link checker
        submission.mark_opened(target.invitation)
    return _render_form(token, view, key=submission.new_submission_key(), offered=offered)


@bp.post("/<token>")
@csrf.exempt  # checked below, so that a stale form comes back with its answers instead of a bare 400
def submit(token: str):
    target = submission.find_target(token)
    if target is None:
        return _not_found(_plain_language(request.form.get("_lang") or request.args.get("lang")))
    lang = _target_language(target, request.form.get("_lang") or request.args.get("lang"))
    key = submission.clean_submission_key(request.form.get("_clave"))
    # No look-up of the key before the insert: store() is idempotent (unique key). A repeated key is
    # recognised where a first POST would not succeed, so a double click or a resubmission always ends on
    # the thank-you page (never on an error or an "already answered/closed" page).
    state = submission.availability(target)
    if state:
        if _repeated(key, target):
            return _thanks_redirect(token, lang)
        return _unavailable(target, state, lang)
    view = submission.build_form(target.survey, lang, target.questions)
    result = submission.validate(view, request.form)
    csrf_ok = _csrf_ok()
    if not csrf_ok or not result.ok:
        if _repeated(key, target):  # e.g. the questions changed since the first POST, or the session expired
            return _thanks_redirect(token, lang)
        return _render_form(token, view, key=key or submission.new_submission_key(), values=result.values,
                            errors=result.errors, expired=not csrf_ok, offered=target.survey.languages,
                            status=422)
    outcome = submission.store(target, result.answers, lang=lang, submission_key=key)
    if outcome == "duplicate":
        g.repeated_post = True  # counted by the repeat limiter
    elif outcome == "used":
        return _unavailable(target, "used", lang)
    skip_session_refresh()  # the thank-you page refreshes the session cookie
    return _thanks_redirect(token, lang)


def _repeated(key: str | None, target: Target) -> bool:
    """This form (its submission key) was stored already: a double click or a resubmission."""
    if submission.already_stored(key, target.survey.id):
        g.repeated_post = True  # counted by the repeat limiter
        return True
    return False


@bp.get("/<token>/gracias")
def thanks(token: str):
    target = submission.find_target(token)
    if target is None:
        return _not_found()
    lang = _target_language(target, request.args.get("lang"))
    # The same page for every valid link: it says nothing about any response.
    return _message(_("Gracias por responder"),
                    [_("Su respuesta quedó registrada. Puede cerrar esta página.")],
                    lang=lang, offered=target.survey.languages, kind="success")


@bp.errorhandler(429)
def _too_many(_error):
    lang = _plain_language(request.values.get("_lang") or request.args.get("lang"))
    return _message(_("Demasiados intentos"),
                    [_("Se recibieron demasiados intentos desde su conexión en poco tiempo. "
                       "Espere unos minutos e intente de nuevo con el enlace completo.")],
                    429, lang=lang, kind="warning")


@bp.errorhandler(Exception)
def _unexpected(error):
    """Flask would log the failing URL, which holds the token: log the error without it."""
    if isinstance(error, HTTPException):
        return error
    if current_app.testing or current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    db.session.rollback()
    frames = "".join(traceback.format_tb(error.__traceback__))
    # the type and the frames only: messages of database errors can carry the parameters (the token)
    current_app.logger.error("Error en una página de respuesta de encuesta: %s\n%s", type(error).__name__, frames)
    lang = getattr(g, "lang", None) or _plain_language(request.args.get("lang"))
    return _message(_("Ocurrió un error"),
                    [_("No pudimos procesar su solicitud. Intente de nuevo en unos minutos con el mismo "
                       "enlace.")], 500, lang=lang, kind="danger")


@bp.after_request
def _no_referrer(response):
    # The page's address holds the token: never send it to another page as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the privacy notice ----------------------------------------------------------------------------


@privacy_bp.get("/aviso-de-privacidad")
def notice():
    lang = _plain_language(request.args.get("lang"))
    current = current_notice()
    text = (current.full_text_en if lang == "en" else "") or current.full_text
    text_lang = "es" if lang == "en" and not current.full_text_en else None
    return render_template("surveys/public/privacy.html", notice=current, text=text, text_lang=text_lang,
                           lang=lang, switch=_switch_links(lang))


# --- no tokens in the logs -------------------------------------------------------------------------

_TOKEN_IN_PATH = re.compile(r"(/r/)[A-Za-z0-9_-]+")


def _redact(value):
    if isinstance(value, str):
        return _TOKEN_IN_PATH.sub(r"\1[token]", value)
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_redact(v) for v in value)
    return value


class _RedactTokens(logging.Filter):
    """Masks `/r/<token>` in request log lines (the development server's and gunicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redact(record.msg)
        if record.args:
            record.args = _redact(record.args)
        return True


@bp.record_once
def _install_log_filter(_state) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())
