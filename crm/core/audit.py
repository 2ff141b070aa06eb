"""The append-only audit log: who saw, changed or exported what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, String, event, update
from sqlalchemy.orm import Mapped, mapped_column

from crm.core.extensions import db
from crm.core.timeutil import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")

    actor = db.relationship("User", lazy="joined")


class AuditLogIsAppendOnly(Exception):
    pass


REDACTED = "[dato suprimido]"  # what replaces a redacted value in an entry's details


@event.listens_for(AuditEntry, "before_update")
def _no_update(mapper, connection, target):  # pragma: no cover - defensive
    raise AuditLogIsAppendOnly("audit entries cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _no_delete(mapper, connection, target):  # pragma: no cover - defensive
    raise AuditLogIsAppendOnly("audit entries cannot be deleted")


_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


@contextmanager
def client_address(address: str | None) -> Iterator[None]:
    """Work done outside the request on someone's behalf (a background task) is recorded with the address
    of the request that asked for it."""
    marker = _client_address.set(address)
    try:
        yield
    finally:
        _client_address.reset(marker)


def record(actor: Any, action: str, target: Any = None, details: dict | None = None, *, label: str | None = None) -> AuditEntry:
    """Add an entry to the current transaction (the caller's service commits).

    `actor` is a User, None (system/command line) or a string label; `target` a model
    instance (its class name and id are stored) or a (type, id) tuple.
    """
    entry = AuditEntry(action=action, details=details or {})
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        entry.actor_id = actor.id
        entry.actor_label = actor.email
    elif isinstance(actor, str):
        entry.actor_label = actor
    else:
        entry.actor_label = label or "sistema"
    if target is not None:
        if isinstance(target, tuple):
            entry.target_type, entry.target_id = str(target[0]), str(target[1])
        else:
            entry.target_type = type(target).__name__
            entry.target_id = str(getattr(target, "id", "") or "")
    if _client_address.get() is not None:
        entry.ip = _client_address.get()[:64]
    elif has_request_context():
        entry.ip = (request.remote_addr or "")[:64]
    db.session.add(entry)
    return entry


def redact(new_details: dict[int, dict], *, actor: Any, target: Any, reason: str) -> AuditEntry | None:
    """The one permitted rewrite of the append-only log: the details of the given entries (id -> details, with
    the personal values already replaced by REDACTED) are overwritten in the caller's transaction; the entries
    themselves stay (when, who, what), and the redaction is itself recorded. A Core statement on the table, not
    an ORM flush, so the guards against changing entries still stop every other update."""
    if not new_details:
        return None
    table = AuditEntry.__table__
    for entry_id, details in sorted(new_details.items()):
        db.session.execute(update(table).where(table.c.id == entry_id).values(details=details))
    for entry in list(db.session.identity_map.values()):  # entries already loaded must not show the old values
        if isinstance(entry, AuditEntry) and entry.id in new_details:
            db.session.expire(entry)
    return record(actor, "audit.redact", target, {"entries": sorted(new_details), "reason": reason})


# --------------------------------------------------------------------------- how the audit page names entries

ACTION_LABELS: dict[str, str] = {
    "auth.login": "Inicio de sesión", "auth.logout": "Cierre de sesión",
    "auth.login_failed": "Intento de acceso fallido", "auth.login_refused_inactive": "Acceso rechazado: cuenta desactivada",
    "user.create": "Cuenta creada", "user.role_change": "Rol de cuenta cambiado", "user.activate": "Cuenta activada",
    "user.deactivate": "Cuenta desactivada", "user.password_change": "Contraseña cambiada",
    "audit.redact": "Datos suprimidos de la bitácora",
    "person.view": "Persona consultada", "person.create": "Persona registrada", "person.update": "Persona modificada",
    "person.note": "Nota agregada a una persona", "person.merge": "Personas fusionadas",
    "person.block": "Tratamiento de datos bloqueado", "person.anonymize": "Persona anonimizada",
    "person.opposition": "Oposición a recibir correos registrada",
    "contacts.import": "Personas importadas", "contacts.export": "Personas exportadas",
    "contacts.bulk_tag": "Etiqueta aplicada a varias personas", "contacts.bulk_status": "Estado cambiado a varias personas",
    "contacts.saved_filter_create": "Filtro de personas guardado", "contacts.saved_filter_delete": "Filtro de personas eliminado",
    "membership.signup": "Registro público confirmado", "membership.signup_requested": "Registro público solicitado",
    "membership.signup_ignored": "Registro público ignorado", "membership.confirm_email": "Correo confirmado",
    "membership.approve": "Membresía aprobada", "membership.reject": "Membresía rechazada",
    "arco.register": "Solicitud ARCO registrada", "arco.resolve": "Solicitud ARCO resuelta",
    "arco.access_export": "Datos entregados por derecho de acceso",
    "organization.view": "Organización consultada", "organization.create": "Organización registrada",
    "organization.update": "Organización modificada", "organization.classify": "Organización clasificada",
    "organization.merge": "Organizaciones fusionadas", "organization.archive": "Organización archivada",
    "organization.unarchive": "Organización reactivada",
    "organizations.import": "Organizaciones importadas", "organizations.export": "Organizaciones exportadas",
    "activity.create": "Actividad registrada", "activity.update": "Actividad modificada",
    "activity.attendance": "Asistencia registrada", "activity.attendance_remove": "Asistencia retirada",
    "activity.evidence_add": "Evidencia agregada", "activity.evidence_remove": "Evidencia retirada",
    "activity.evidence_download": "Evidencia descargada",
    "activities.import": "Actividades importadas", "activities.export": "Actividades exportadas",
    "request.create": "Gestión registrada", "request.update": "Gestión modificada", "request.attend": "Gestión atendida",
    "requests.import": "Gestiones importadas", "requests.export": "Gestiones exportadas",
    "agreement.create": "Convenio registrado", "agreement.update": "Convenio modificado",
    "agreement.transition": "Cambio de estado de convenio", "agreement.document_attach": "Documento de convenio adjuntado",
    "agreement.document_replace": "Documento de convenio reemplazado",
    "agreement.document_download": "Documento de convenio descargado",
    "agreements.import": "Convenios importados", "agreements.export": "Convenios exportados",
    "program.load": "Programa anual cargado", "program.schedule": "Calendario del programa modificado",
    "program.applies": "Aplicación de componente modificada",
    "program.participant_add": "Participante de programa de observación agregado",
    "program.participant_update": "Participante de programa de observación modificado",
    "reference_figures.load": "Cifras de referencia cargadas",
    "surveys.create": "Encuesta creada", "surveys.edit": "Encuesta modificada", "surveys.duplicate": "Encuesta duplicada",
    "surveys.open": "Encuesta abierta", "surveys.close": "Encuesta cerrada",
    "surveys.import_form": "Formulario de encuesta importado", "surveys.import_responses": "Respuestas importadas",
    "surveys.export": "Respuestas exportadas", "surveys.view_responses": "Respuestas consultadas",
    "surveys.code_create": "Código de comentarios creado", "surveys.code_rename": "Código de comentarios modificado",
    "surveys.code_delete": "Código de comentarios eliminado", "surveys.code_assign": "Códigos asignados a comentarios",
    "surveys.code_unassign": "Códigos retirados de comentarios", "surveys.coding_save": "Codificación de comentarios guardada",
    "surveys.view_upload": "Archivo de respuesta consultado", "surveys.upload_download": "Archivo de respuesta descargado",
    "surveys.exclude_responses": "Respuestas excluidas", "surveys.include_responses": "Respuestas incluidas de nuevo",
    "surveys.invite": "Invitaciones enviadas", "surveys.invite_links": "Enlaces personales generados",
    "surveys.remind": "Recordatorios enviados", "surveys.question_add": "Pregunta agregada",
    "surveys.question_edit": "Pregunta modificada", "surveys.question_delete": "Pregunta eliminada",
    "surveys.question_move": "Pregunta movida", "surveys.question_logic": "Condición o restricción de pregunta modificada",
    "indicators.export": "Indicadores exportados", "export.download": "Exportación descargada",
    "retention.apply": "Plazos de conservación aplicados", "retention.dry_run": "Plazos de conservación revisados (sin cambios)",
    "backup.create": "Respaldo creado", "backup.restore": "Respaldo restaurado", "backup.scheduled": "Respaldo programado",
    "mailings.create": "Envío de difusión preparado", "mailings.send": "Envío de difusión realizado",
    "mailings.report_view": "Informe de entrega consultado", "mailings.bounces": "Avisos de rebote leídos",
    "api_token.create": "Clave de acceso a la API creada", "api_token.revoke": "Clave de acceso a la API revocada",
    "api.read": "Datos consultados por la API",
}
_AREA_LABELS = {
    "auth": "Acceso", "user": "Cuentas", "audit": "Bitácora", "person": "Personas", "contacts": "Personas",
    "membership": "Redes", "arco": "Derechos ARCO", "organization": "Organizaciones", "organizations": "Organizaciones",
    "activity": "Actividades", "activities": "Actividades", "request": "Gestiones", "requests": "Gestiones",
    "agreement": "Convenios", "agreements": "Convenios", "program": "Programa", "reference_figures": "Programa",
    "surveys": "Encuestas", "indicators": "Indicadores", "export": "Exportaciones", "retention": "Conservación",
    "backup": "Respaldos", "mailings": "Difusión", "api_token": "Acceso a la API", "api": "Acceso a la API",
}


def action_label(code: str) -> str:
    """An action code in Spanish ("person.view" -> "Persona consultada"); an unknown code by its area."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    area = _AREA_LABELS.get(code.split(".", 1)[0])
    return f"{area}: otra operación" if area else "Otra operación"
