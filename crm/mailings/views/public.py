"""The personal unsubscribe link (RFC 8058). A POST with the body `List-Unsubscribe=One-Click` (what mail
programs send) needs no session and no CSRF token: the random token in the path is the credential, and this
route is the only one exempted. A GET shows a page in the person's language whose button does the same
(that form carries a CSRF token). Neither page shows personal data."""

from __future__ import annotations

from flask import abort, g, render_template, request
from flask_wtf import FlaskForm

from crm.core.extensions import csrf, limiter
from crm.mailings import unsubscribe
from crm.mailings.views.blueprint import bp


class ConfirmForm(FlaskForm):
    pass


def _person_and_lang(token: str):
    person = unsubscribe.person_for(token)
    wanted = request.args.get("lang")
    lang = wanted if wanted in ("es", "en") else (
        "en" if person is not None and (person.language or "").lower().startswith("en") else "es")
    g.lang = lang
    return person, lang


@bp.post(unsubscribe.PATH + "<token>")
@csrf.exempt
@limiter.limit("30 per minute")
def one_click(token: str):
    person, lang = _person_and_lang(token)
    if person is None:
        abort(404)
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    unsubscribe.unsubscribe(person)
    return render_template("mailings/unsubscribed.html", lang=lang, done=True)


@bp.get(unsubscribe.PATH + "<token>")
@limiter.limit("30 per minute")
def page(token: str):
    person, lang = _person_and_lang(token)
    if person is None:
        return render_template("mailings/unsubscribed.html", lang=lang, done=False, invalid=True), 404
    return render_template("mailings/unsubscribe.html", lang=lang, form=ConfirmForm(), token=token,
                           already=person.opposes("email"))


@bp.post(unsubscribe.PATH + "<token>/confirmar")
@limiter.limit("30 per minute")
def confirm(token: str):
    person, lang = _person_and_lang(token)
    if person is None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("mailings/unsubscribe.html", lang=lang, form=form, token=token,
                               already=person.opposes("email"), expired=True), 400
    unsubscribe.unsubscribe(person)
    return render_template("mailings/unsubscribed.html", lang=lang, done=True)
