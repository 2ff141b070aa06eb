"""Staff pages for duplicates and merging, and for privacy rights (ARCO)."""

from __future__ import annotations

import json
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.contacts import dedupe
from crm.contacts.forms import ArcoRequestForm, ConfirmForm, OppositionForm
from crm.contacts.models import ArcoRequest, Person
from crm.contacts.privacy import rights
from crm.contacts.services import ContactsError
from crm.contacts.views.blueprint import bp
from crm.core.extensions import db

FIELD_LABELS = {"given_name": "Nombre(s)", "first_surname": "Primer apellido", "second_surname": "Segundo apellido",
                "sex": "Sexo", "country": "País", "state": "Estado", "city": "Ciudad", "alcaldia": "Alcaldía",
                "origin_alcaldia": "Alcaldía de origen", "nationality": "Nacionalidad", "language": "Idioma"}


@bp.get("/contactos/duplicados")
@permission_required("edit_contacts")
def duplicates():
    return render_template("contacts/duplicates.html", pairs=dedupe.find_duplicates())


@bp.route("/contactos/fusionar/<int:first_id>/<int:second_id>", methods=["GET", "POST"])
@permission_required("edit_contacts")
def merge(first_id: int, second_id: int):
    first, second = db.get_or_404(Person, first_id), db.get_or_404(Person, second_id)
    form = ConfirmForm()
    refusal = dedupe.merge_refusal(first, second)
    if refusal:  # blocked or anonymised: no form is offered, and a POST changes nothing
        return render_template("contacts/merge.html", first=first, second=second, form=form, fields=FIELD_LABELS,
                               refusal=refusal), 409
    if form.validate_on_submit():
        survivor, other = (second, first) if request.form.get("conservar") == str(second.id) else (first, second)
        choices = {name: ("other" if request.form.get(f"campo_{name}") == str(other.id) else "survivor")
                   for name in dedupe.MERGE_FIELDS}
        try:
            merged = dedupe.merge(survivor, other, choices, actor=current_user)
        except ContactsError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash("Registros fusionados. El registro eliminado quedó guardado en la bitácora.", "success")
            return redirect(url_for(".person", person_id=merged.id))
    return render_template("contacts/merge.html", first=first, second=second, form=form, fields=FIELD_LABELS)


@bp.route("/privacidad/solicitudes", methods=["GET", "POST"])
@permission_required("manage_privacy")
def arco_requests():
    form = ArcoRequestForm()
    if form.validate_on_submit():
        person = None
        try:
            received = date.fromisoformat(form.received_on.data.strip())
        except ValueError:
            form.received_on.errors.append("Escriba la fecha como AAAA-MM-DD.")
            received = None
        if form.person_id.data:
            raw = form.person_id.data.strip()
            person = db.session.get(Person, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
            if person is None:
                form.person_id.errors.append("No existe una persona con ese número de registro.")
        if received and not form.person_id.errors:
            try:
                rights.register_request(person, form.kind.data, received, form.details.data or "",
                                        actor=current_user)
            except ContactsError as exc:
                form.form_errors.append(str(exc))
            else:
                flash("Solicitud registrada con su fecha límite.", "success")
                return redirect(url_for(".arco_requests"))
    items, days_left = rights.requests_with_days_left()
    return render_template("contacts/arco.html", form=form, items=items, days_left=days_left,
                           kinds=rights.ARCO_KINDS, statuses=rights.ARCO_STATUSES,
                           resolve_form=ConfirmForm()), (422 if form.errors else 200)


@bp.post("/privacidad/solicitudes/<int:request_id>/resolver")
@permission_required("manage_privacy")
def arco_resolve(request_id: int):
    item = db.get_or_404(ArcoRequest, request_id)
    if ConfirmForm().validate_on_submit():
        rights.resolve_request(item, "rejected" if request.form.get("estado") == "rejected" else "resolved",
                               actor=current_user)
        flash("Solicitud cerrada.", "success")
    return redirect(url_for(".arco_requests"))


@bp.get("/contactos/<int:person_id>/privacidad")
@permission_required("manage_privacy")
def person_privacy(person_id: int):
    person = db.get_or_404(Person, person_id)
    return render_template("contacts/person_privacy.html", person=person, confirm=ConfirmForm(),
                           opposition=OppositionForm())


@bp.post("/contactos/<int:person_id>/datos.json")
@permission_required("manage_privacy")
def person_access_export(person_id: int):
    person = db.get_or_404(Person, person_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    data = rights.access_export(person, actor=current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="persona-{person.id}.json"'})


@bp.post("/contactos/<int:person_id>/bloquear")
@permission_required("manage_privacy")
def person_block(person_id: int):
    return _privacy_action(person_id, rights.block, "Registro bloqueado: queda fuera de todo envío y uso.")


@bp.post("/contactos/<int:person_id>/anonimizar")
@permission_required("manage_privacy")
def person_anonymize(person_id: int):
    return _privacy_action(person_id, rights.anonymize,
                           "Registro anonimizado: la identidad se eliminó y las respuestas quedaron sin vínculo.")


def _privacy_action(person_id: int, action, message: str):
    person = db.get_or_404(Person, person_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(person, actor=current_user)
            flash(message, "success")
        except ContactsError as exc:
            flash(str(exc), "danger")
    return redirect(url_for(".person_privacy", person_id=person_id))


@bp.post("/contactos/<int:person_id>/oposicion")
@permission_required("manage_privacy")
def person_opposition(person_id: int):
    person = db.get_or_404(Person, person_id)
    form = OppositionForm()
    if form.validate_on_submit():
        rights.set_opposition(person, form.channel.data, form.opted_out.data == "1", actor=current_user)
        flash("Preferencia de comunicación registrada.", "success")
    return redirect(url_for(".person_privacy", person_id=person_id))
