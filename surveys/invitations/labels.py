"""The Spanish labels of invitations' stored codes on staff pages (crm.core.display's `etiqueta` filter):
statuses and channels, registered at import; and `source_labels`, the text of each invitation's `source` tag,
naming the network, activity or observation program it came from."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts.catalogs import NETWORKS
from crm.core.display import register_labels
from crm.core.extensions import db
from crm.events.models import Activity, ObservationProgram
from surveys.invitations.lists import STATUSES

CHANNELS = {"email": "Correo electrónico", "whatsapp": "Archivo de enlaces (WhatsApp u otro medio)",
            "link": "Enlace personal"}
NO_SOURCE = "Sin origen registrado"


def source_labels(sources) -> dict[str, str]:
    """Invitation `source` tags ("red:rvc", "actividad:12", "programa:pp2025", "contactos", ...) -> Spanish text,
    naming the network, activity or program (one query per kind)."""
    sources = set(sources)
    activity_ids = {int(s.split(":", 1)[1]) for s in sources
                    if s.startswith("actividad:") and s.split(":", 1)[1].isdigit()}
    program_codes = {s.split(":", 1)[1] for s in sources if s.startswith("programa:")}
    activities = dict(db.session.execute(select(Activity.id, Activity.title).where(Activity.id.in_(activity_ids))
                                         ).all()) if activity_ids else {}
    programs = dict(db.session.execute(select(ObservationProgram.code, ObservationProgram.name)
                                       .where(ObservationProgram.code.in_(program_codes))).all()) if program_codes else {}
    shown = {}
    for source in sources:
        kind, _, value = (source or "").partition(":")
        if not source:
            shown[source] = NO_SOURCE
        elif kind == "red":
            shown[source] = NETWORKS.get(value, f"Red {value}")
        elif kind == "actividad":
            title = activities.get(int(value)) if value.isdigit() else None
            shown[source] = f"Asistentes a «{title}»" if title else "Asistentes a una actividad"
        elif kind == "programa":
            shown[source] = f"Participantes de «{programs.get(value, value)}»"
        elif source == "contactos":
            shown[source] = "Lista filtrada de contactos"
        else:
            shown[source] = source[:1].upper() + source[1:]
    return shown


register_labels("estado_invitacion", STATUSES)
register_labels("medio_invitacion", CHANNELS)
