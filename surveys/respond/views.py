"""The respondent pages: no login; a personal invitation token or a survey's open link (`/r/<token>`).

Views parse the request, call surveys.respond.submission, .form and .store, render. The rules (CONTRACTS.md,
"Web"):
- language: ?lang=es|en, else the invited person's language, else the browser's, else Spanish; it holds
  through the POST (hidden field) and the redirect to the thank-you page;
- unknown token: 404 with a kind page; used link, draft, closed or not yet open: a page that says so;
- CSRF failure (a form left open for hours): the form comes back with the answers and a message;
- a repeated POST stores nothing (submission key); a personal link is used up atomically;
- failed token look-ups are rate-limited per browser and, more loosely, per address; valid traffic never is
  (surveys.respond.limits);
- a survey's open link takes a limited number of responses per browser (a long-lived cookie) and per address
  and hour, when the survey's limit is on (surveys.respond.open_limits); personal links are one-use already;
- tokens never reach the logs (surveys.respond.logs).
"""

from __future__ import annotations

import traceback
from datetime import timedelta

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from werkzeug.exceptions import HTTPException
from wtforms.validators import ValidationError

from crm.contacts.privacy.consent import current_notice
from crm.core.extensions import csrf, db, limiter
from crm.core.timeutil import to_local, tz_name
from crm.core.web import skip_session_refresh
from surveys.blueprints import privacy_bp, public_bp
from surveys.respond import widgets
from surveys.respond.drafts import SAVE_FIELD, DraftPage, draft_page, load_draft, save_draft, server_drafts
from surveys.respond.form import FormView, build_form, posted_values, validate
from surveys.respond.language import plain_language, switch_links, target_language
from surveys.respond.limits import check_limits, count_limits, counted_here
from surveys.respond.logs import install_log_filter
from surveys.respond.open_limits import (
    BROWSER_COOKIE,
    BROWSER_COOKIE_DAYS,
    OpenLinkKeys,
    clean_browser_id,
    keys_for,
    limited,
    new_browser_id,
    over_limit,
)
from surveys.respond.page_logic import (
    SHOWN_FIELD,
    START_FIELD,
    PageLogic,
    constraint_default,
    default_values,
    now_local,
    page_logic,
    start_token,
    started_at,
)
from surveys.respond.pages import PAGE_FIELD, Turn, page_names, pager_for, turn
from surveys.respond.repeats import has_repeats, repeat_page
from surveys.respond.repeats import validate as validate_repeats
from surveys.respond.store import already_stored, clean_submission_key, new_submission_key, store
from surveys.respond.submission import Target, availability, find_target, mark_opened
from surveys.uploads import web as files_web
from surveys.values import MAX_TEXT

limiter.request_filter(counted_here)  # Flask-Limiter skips these pages: surveys.respond.limits counts them
public_bp.before_request(check_limits)
public_bp.after_request(count_limits)
public_bp.record_once(install_log_filter)


def _message(title: str, paragraphs: list[str], status: int = 200, *, lang: str, offered=None, kind="info"):
    return render_template("surveys/public/message.html", title=title, paragraphs=paragraphs, kind=kind,
                           lang=lang, switch=switch_links(lang, offered)), status


def _not_found(lang: str | None = None):
    lang = lang or plain_language(request.args.get("lang"))
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


def _over_limit(target: Target, over: str, lang: str):
    """The open link's limit is reached: a plain page that says so (not an error page)."""
    offered = target.survey.languages
    if over == "browser":
        return _message(_("Ya se registró una respuesta desde este navegador"),
                        [_("Desde este navegador ya se registró el número de respuestas que admite esta encuesta. "
                           "Gracias por su participación."),
                         _("Si otra persona desea responder, puede hacerlo desde su propio teléfono o "
                           "computadora.")], lang=lang, offered=offered)
    return _message(_("Por ahora no podemos recibir más respuestas desde su conexión"),
                    [_("Desde su conexión a internet se recibió el número máximo de respuestas por hora que "
                       "admite esta encuesta. Intente de nuevo más tarde con el mismo enlace.")],
                    429, lang=lang, offered=offered, kind="warning")


def _open_link_keys(target: Target, browser: str | None) -> OpenLinkKeys | None:
    """The keyed hashes of an open-link request's address and browser (None for a personal link)."""
    if target.invitation is not None:
        return None
    return keys_for(current_app.secret_key, target.survey.id, request.remote_addr or "", browser)


def _with_browser_cookie(result, browser: str | None):
    """Sets the open link's long-lived browser id on a page's response when the browser has none yet."""
    response = make_response(result)
    if browser is not None:
        response.set_cookie(BROWSER_COOKIE, browser, max_age=timedelta(days=BROWSER_COOKIE_DAYS), path="/r/",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True,
                            samesite="Lax")
    return response


def _error_text(item, code: str, own: str | None = None) -> str:
    if own:  # the form's own required_message / constraint_message in the page's language
        return own
    if widgets.error_text(item, code):  # time, datetime, range, rank, geopoint
        return widgets.error_text(item, code)
    if code == "constraint":
        return constraint_default()
    if code == "filtered":
        return _("Esta opción no corresponde a sus respuestas anteriores; elija otra de la lista.")
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
                           max=MAX_TEXT),
    }.get(code, _("El texto contiene caracteres no válidos."))


def _render_form(token: str, form: FormView, *, key: str, values=None, errors=None, expired=False,
                 offered=None, status: int = 200, messages=None, added=False, started: str | None = None,
                 draft: DraftPage | None = None, pager=None, uploads=None):
    errors = errors or {}
    messages = messages or {}
    if uploads is not None:  # files refused or kept (surveys.uploads.web); a file input shows no value
        values, errors, messages = files_web.render_state(uploads, values, errors, messages, form.lang)
    page = None
    if has_repeats(form):  # each instance's questions as questions of their own (surveys.respond.repeats)
        form, values, page = repeat_page(form, values, now_local())
    texts = {item.name: _error_text(item, errors[item.question.name], messages.get(item.question.name))
             for item in form.questions if item.question.name in errors}
    notice = current_notice()
    short = (notice.short_text_en if form.lang == "en" else "") or notice.short_text
    now = now_local()
    if values is None:  # the first render: the questions' defaults
        values = default_values(form.questions, form.logic, now, form.lang) if form.has_logic else {}
    if page is None:
        page = page_logic(form, values, now) if form.has_logic else PageLogic()
    # a form of field-list pages: the posted page (a POST shown again), else the first (surveys.respond.pages)
    pager = pager or pager_for(form, values, now, request.form.get(PAGE_FIELD))
    if pager is not None:
        page.shown = pager.shown(page.shown)
    if started is None and any(q.type == "start" for q in form.computed):
        started = start_token(current_app.secret_key, key)
    return render_template(
        "surveys/public/form.html", form=form, token=token, key=key, values=values, errors=texts,
        expired=expired, lang=form.lang, switch=switch_links(form.lang, offered), notice_short=short,
        notice_short_lang="es" if form.lang == "en" and not notice.short_text_en else None,
        has_required=any(item.required for item in form.questions), page=page, added=added,
        started=started, shown_field=SHOWN_FIELD, start_field=START_FIELD, draft=draft, save_field=SAVE_FIELD,
        pager=pager, ui=widgets, files=files_web.uploads_view(uploads, secret=current_app.secret_key, clave=key),
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


@public_bp.get("/<token>")
def form(token: str):
    target = find_target(token)
    if target is None:
        return _not_found()
    lang = target_language(target, request.args.get("lang"))
    state = availability(target)
    if state:
        return _unavailable(target, state, lang)
    new_browser = None
    if target.invitation is None:  # the open link: its browser id, and the survey's limits
        browser = clean_browser_id(request.cookies.get(BROWSER_COOKIE))
        if browser is None:
            browser = new_browser = new_browser_id()
        elif limited(target.survey, None):
            over = over_limit(target.survey, _open_link_keys(target, browser))
            if over:
                return _over_limit(target, over, lang)
    view = build_form(target.survey, lang, target.questions)
    offered = target.survey.languages
    if target.invitation is not None and request.method == "GET":  # not a HEAD from a link checker
        mark_opened(target.invitation)
    saved = load_draft(target.invitation.id) if server_drafts(target) else None  # «Guardar y continuar después»
    return _with_browser_cookie(_render_form(token, view, key=new_submission_key(), offered=offered,
                                             values=saved.values if saved else None,
                                             draft=draft_page(target, restored=saved)), new_browser)


@public_bp.post("/<token>")
@csrf.exempt  # checked below, so that a stale form comes back with its answers instead of a bare 400
def submit(token: str):
    target = find_target(token)
    if target is None:
        return _not_found(plain_language(request.form.get("_lang") or request.args.get("lang")))
    lang = target_language(target, request.form.get("_lang") or request.args.get("lang"))
    key = clean_submission_key(request.form.get("_clave"))
    # No look-up of the key before the insert: store() is idempotent (unique key). A repeated key is
    # recognised where a first POST would not succeed, so a double click or a resubmission always ends on
    # the thank-you page (never on an error or an "already answered/closed" page).
    state = availability(target)
    if state:
        if _repeated(key, target):
            return _thanks_redirect(token, lang)
        return _unavailable(target, state, lang)
    view = build_form(target.survey, lang, target.questions)
    posted = files_web.read_uploads(view.questions, request.form, request.files, secret=current_app.secret_key,
                                    clave=key, survey_id=target.survey.id)  # files chosen, keys carried
    if request.form.get(SAVE_FIELD):  # never a submission
        return _save_draft(token, target, view, key)
    keys = _open_link_keys(target, clean_browser_id(request.cookies.get(BROWSER_COOKIE)))
    signed_start = request.form.get(START_FIELD)
    started = started_at(current_app.secret_key, key, signed_start) if view.computed else None
    shown = request.form.get(SHOWN_FIELD)
    check = validate_repeats if has_repeats(view) else validate
    result = check(view, posted.data, started=started, anonymous=bool(target.survey.anonymous),
                      device=(keys.browser_key or "") if keys is not None else "",
                      shown=shown if isinstance(shown, str) else None, scope=page_names(view, request.form))
    csrf_ok = _csrf_ok()
    turned = turn(view, posted.data, result, now_local()) if csrf_ok else None  # field-list pages
    # files are stored once every other check passed (or their page is left); a refused one: this page again
    leaving = not (turned.errors or turned.added) if turned else result.ok
    if csrf_ok and leaving and files_web.store_chosen(posted, result.answers):
        turned = Turn(None)
    if turned is not None:
        return _render_form(token, view, key=key or new_submission_key(), values=result.values,
                            errors=turned.errors, messages=turned.messages, added=turned.added,
                            offered=target.survey.languages, started=signed_start if started is not None else None,
                            draft=draft_page(target), pager=turned.pager, uploads=posted,
                            status=422 if turned.errors or posted.errors else 200)
    if not csrf_ok or not result.ok:
        if _repeated(key, target):  # e.g. the questions changed since the first POST, or the session expired
            return _thanks_redirect(token, lang)
        return _render_form(token, view, key=key or new_submission_key(), values=result.values,
                            errors=result.errors, messages=result.messages, added=bool(result.added),
                            expired=not csrf_ok, offered=target.survey.languages,
                            started=signed_start if started is not None else None, draft=draft_page(target),
                            status=422 if result.errors or not csrf_ok else 200, uploads=posted)
    outcome = store(target, files_web.complete(posted, result.answers), lang=lang, submission_key=key, keys=keys,
                    limited=limited(target.survey, target.invitation))
    if outcome != "stored":  # no answer refers to the files this request stored
        files_web.discard_fresh(posted)
    if outcome in ("browser", "address"):  # the open link's limit (surveys.respond.open_limits)
        if _repeated(key, target):  # the back button after the thank-you page: this form is stored
            return _thanks_redirect(token, lang)
        return _over_limit(target, outcome, lang)
    if outcome == "duplicate":
        g.repeated_post = True  # counted by the repeat limiter
    elif outcome == "used":
        return _unavailable(target, "used", lang)
    skip_session_refresh()  # the thank-you page refreshes the session cookie
    return _thanks_redirect(token, lang)


def _save_draft(token: str, target: Target, view: FormView, key: str | None):
    """«Guardar y continuar después» (or the page's script, every 30 s and on leaving: 204): keeps what was typed,
    unchecked, as the personal link's draft; stores no response."""
    values = posted_values(view, files_web.without_uploads(view.questions, request.form))  # a draft keeps no file
    auto = request.form.get(SAVE_FIELD) == "auto"
    if not server_drafts(target):  # an open link or an anonymous survey: the draft stays in the browser
        return ("", 409) if auto else _render_form(token, view, key=key or new_submission_key(), values=values,
                                                   offered=target.survey.languages, draft=draft_page(target))
    if not _csrf_ok():
        return ("", 403) if auto else _render_form(token, view, key=key or new_submission_key(), values=values,
                                                   expired=True, offered=target.survey.languages, status=422,
                                                   draft=draft_page(target))
    saved = save_draft(target.invitation.id, values, lang=view.lang)
    if auto:
        return "", 204 if saved else 409
    return _render_form(token, view, key=key or new_submission_key(), values=values, offered=target.survey.languages,
                        draft=draft_page(target, saved=saved))


def _repeated(key: str | None, target: Target) -> bool:
    """This form (its submission key) was stored already: a double click or a resubmission."""
    if already_stored(key, target.survey.id):
        g.repeated_post = True  # counted by the repeat limiter
        return True
    return False


@public_bp.get("/<token>/gracias")
def thanks(token: str):
    target = find_target(token)
    if target is None:
        return _not_found()
    lang = target_language(target, request.args.get("lang"))
    # The same page for every valid link: it says nothing about any response.
    return _message(_("Gracias por responder"),
                    [_("Su respuesta quedó registrada. Puede cerrar esta página.")],
                    lang=lang, offered=target.survey.languages, kind="success")


@public_bp.errorhandler(429)
def _too_many(_error):
    lang = plain_language(request.values.get("_lang") or request.args.get("lang"))
    return _message(_("Demasiados intentos"),
                    [_("Se recibieron demasiados intentos desde su conexión en poco tiempo. "
                       "Espere unos minutos e intente de nuevo con el enlace completo.")],
                    429, lang=lang, kind="warning")


@public_bp.errorhandler(413)  # werkzeug refuses a body over MAX_CONTENT_LENGTH before the view reads it
def _too_large(_error):
    lang = plain_language(request.args.get("lang"))  # the form's action carries ?lang=
    return _message(*files_web.too_large_texts(), 413, lang=lang, kind="warning")


@public_bp.errorhandler(Exception)
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
    lang = getattr(g, "lang", None) or plain_language(request.args.get("lang"))
    return _message(_("Ocurrió un error"),
                    [_("No pudimos procesar su solicitud. Intente de nuevo en unos minutos con el mismo "
                       "enlace.")], 500, lang=lang, kind="danger")


@public_bp.after_request
def _no_referrer(response):
    # The page's address holds the token: never send it to another page as a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# The privacy notice (/aviso-de-privacidad, no login), in the respondent pages' languages.
@privacy_bp.get("/aviso-de-privacidad")
def notice():
    lang = plain_language(request.args.get("lang"))
    current = current_notice()
    text = (current.full_text_en if lang == "en" else "") or current.full_text
    text_lang = "es" if lang == "en" and not current.full_text_en else None
    return render_template("surveys/public/privacy.html", notice=current, text=text, text_lang=text_lang,
                           lang=lang, switch=switch_links(lang))
