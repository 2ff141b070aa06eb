"""The audit page's reading of the log: the filters (a GET form), each entry's record named and linked, and its
details as readable text. Records are found by the class name an entry stores (crm.core.audit.record) through
SQLAlchemy's registry of models, so this module imports no domain; the table below says how the page names
and links each kind of record (endpoint and permission as the domains declare them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
from flask_wtf import FlaskForm
from sqlalchemy import Select, select
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from crm.auth.models import User
from crm.auth.roles import ROLE_LABELS
from crm.core.audit import AuditEntry, action_label
from crm.core.display import DETAIL_VALUES, label, short_date
from crm.core.extensions import db
from crm.core.timeutil import local_midnight_utc
from crm.core.web import MAX_ID

NO_ACCOUNT = "sin-cuenta"


@dataclass(frozen=True)
class TargetType:
    label: str  # "Persona"
    endpoint: str = ""  # the record's page, when it has one
    arg: str = ""  # the endpoint's argument that takes the id
    permission: str = ""  # what the viewer needs to open it


TARGET_TYPES: dict[str, TargetType] = {
    "Person": TargetType("Persona", "contacts.person", "person_id", "view_contacts"),
    "Organization": TargetType("Organización", "contacts.organization", "org_id", "view_contacts"),
    "Activity": TargetType("Actividad", "events.activity", "activity_id", "view_events"),
    "Agreement": TargetType("Convenio", "agreements.show", "agreement_id", "view_agreements"),
    "Survey": TargetType("Encuesta", "surveys.detail", "survey_id", "view_surveys"),
    "User": TargetType("Cuenta", "admin.users", "", "manage_users"),
    "PartnerRequest": TargetType("Gestión"),
    "ArcoRequest": TargetType("Solicitud ARCO"),
    "Participant": TargetType("Participante de programa de observación"),
    "ProgramYear": TargetType("Programa anual"),
    "ReferenceFigure": TargetType("Cifras de referencia del año"),
    "Response": TargetType("Respuesta de encuesta"),
    "Membership": TargetType("Membresía"),
}
_NAME_ATTRIBUTES = ("full_name", "display_name", "title", "subject", "name", "folio", "email", "code", "year")

DETAIL_LABELS = {
    "email": "Correo", "role": "Rol", "from": "Antes", "to": "Después", "rows": "Filas", "file": "Archivo",
    "format": "Formato", "year": "Año", "code": "Clave", "folio": "Folio", "changes": "Cambios",
    "added": "Agregadas", "person_id": "Persona (número)", "evidence": "Evidencia (número)", "kind": "Tipo",
    "url": "Dirección", "filters": "Filtros", "created": "Nuevos", "updated": "Actualizados", "skipped": "Omitidos",
    "imported": "Importadas", "source": "Origen", "reason": "Motivo", "entries": "Entradas", "warnings": "Avisos",
    "question": "Pregunta", "type": "Tipo", "direction": "Dirección", "component": "Componente",
    "lines": "Líneas de acción", "sent": "Enviados", "count": "Cantidad", "state": "Estado", "date": "Fecha",
    "dry_run": "Solo revisión", "fields": "Campos", "merged": "Fusionado", "survivor": "Conservado",
    "from_id": "Copia de (número)", "tag": "Etiqueta", "status": "Estado", "segment": "Destinatarios",
    "network": "Red", "filename": "Archivo", "size": "Tamaño", "responses": "Respuestas", "note": "Nota",
}


class AuditFilterForm(FlaskForm):
    """The log's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    accion = SelectField("Acción", choices=[], validate_choice=False)
    usuario = SelectField("Persona usuaria", choices=[], validate_choice=False)
    desde = DateField("Desde", validators=[Optional()], format="%Y-%m-%d")
    hasta = DateField("Hasta", validators=[Optional()], format="%Y-%m-%d")

    def fill_choices(self) -> None:
        actions = db.session.scalars(select(AuditEntry.action).distinct()).all()
        self.accion.choices = [("", "Todas")] + sorted(((a, action_label(a)) for a in actions),
                                                       key=lambda choice: choice[1])
        users = db.session.scalars(select(User).order_by(User.email)).all()
        self.usuario.choices = [("", "Todas"), (NO_ACCOUNT, "Sin cuenta (sistema o intentos de acceso)")] + [
            (str(u.id), f"{u.name} ({u.email})" if u.name else u.email) for u in users]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.desde.data and self.hasta.data and self.hasta.data < self.desde.data:
            self.hasta.errors = [*self.hasta.errors, "Debe ser igual o posterior a la fecha «Desde»."]
            return False
        return valid

    def query(self) -> Select:
        """The entries that match, newest first (an invalid filter is left out)."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc())
        if self.accion.data:
            query = query.where(AuditEntry.action == self.accion.data[:80])
        if self.usuario.data == NO_ACCOUNT:
            query = query.where(AuditEntry.actor_id.is_(None))
        elif _id_of(self.usuario.data) is not None:
            query = query.where(AuditEntry.actor_id == _id_of(self.usuario.data))
        start, end = self.desde.data, self.hasta.data
        if start and not self.desde.errors:
            query = query.where(AuditEntry.at >= local_midnight_utc(start))
        if end and not self.hasta.errors:
            query = query.where(AuditEntry.at < local_midnight_utc(end + timedelta(days=1)))
        return query

    def summary(self) -> str:
        """The period shown, in short local dates ("" without one)."""
        start, end = self.desde.data, self.hasta.data
        if start and end:
            return f"del {short_date(start)} al {short_date(end)}"
        return f"desde el {short_date(start)}" if start else (f"hasta el {short_date(end)}" if end else "")


@dataclass(frozen=True)
class Target:
    text: str  # "Persona: Ana López"
    url: str | None


def targets(entries: Iterable[AuditEntry], viewer: User) -> dict[int, Target]:
    """Each entry's record (by entry id): its kind and name, linked to its page when it has one; a record the
    viewer may not open, or one deleted since, is named by its kind and number only."""
    wanted: dict[str, set[int]] = defaultdict(set)
    entries = [e for e in entries if e.target_type]
    for entry in entries:
        if _id_of(entry.target_id) is not None:
            wanted[entry.target_type].add(_id_of(entry.target_id))
    found = {name: _records(name, ids) for name, ids in wanted.items()}
    shown: dict[int, Target] = {}
    for entry in entries:
        kind = TARGET_TYPES.get(entry.target_type, TargetType("Registro"))
        record = found.get(entry.target_type, {}).get(_id_of(entry.target_id)) if _id_of(entry.target_id) is not None else None
        if record is None:
            suffix = f" número {entry.target_id}" if entry.target_id else ""
            gone = " (ya no existe)" if _id_of(entry.target_id) is not None and entry.target_type in found else ""
            shown[entry.id] = Target(f"{kind.label}{suffix}{gone}", None)
            continue
        if kind.permission and not viewer.can(kind.permission):  # not even its name for who may not see it
            shown[entry.id] = Target(f"{kind.label} número {record.id}", None)
            continue
        url = url_for(kind.endpoint, **({kind.arg: record.id} if kind.arg else {})) if kind.endpoint else None
        shown[entry.id] = Target(f"{kind.label}: {_name(record)}", url)
    return shown


def _records(class_name: str, ids: set[int]) -> dict[int, object]:
    model = db.Model.registry._class_registry.get(class_name)
    if model is None or not hasattr(model, "id") or not isinstance(model, type):
        return {}
    return {record.id: record for record in db.session.scalars(select(model).where(model.id.in_(sorted(ids))))}


def _name(record) -> str:
    for attribute in _NAME_ATTRIBUTES:
        value = getattr(record, attribute, None)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return f"número {record.id}"


def _id_of(value) -> int | None:
    """A record or account id from text (ASCII digits within the ids' range: "²³".isdigit() is true too)."""
    text = value if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > MAX_ID:
        return None
    return int(text)


def details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's details as (label, text) pairs."""
    return [(_key(key), _value(key, value)) for key, value in (entry.details or {}).items()]


def _key(key: str) -> str:
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())


def _value(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, dict):
        return "; ".join(f"{_key(k)}: {_value(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, item) for item in value) or "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if key in ("role", "from", "to") and value in ROLE_LABELS:
        return ROLE_LABELS[value]
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    if key == "format":
        return str(value).upper()
    return label(str(value), DETAIL_VALUES)  # a code a domain registered under DETAIL_VALUES, else as it is
