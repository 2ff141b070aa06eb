"""Fixed catalogs: alcaldías, sexes, organization types and scopes, networks, membership statuses; the Spanish
labels of the contacts' stored codes for the staff pages (crm.core.display's `etiqueta` filter)."""

from __future__ import annotations

from crm.core.display import register_labels
from crm.core.text import fold_compact

# The columns of the contacts file, in order: what `contacts import` reads and `contacts export` writes.
COLUMNS = ("nombre", "primer_apellido", "segundo_apellido", "sexo", "correo", "telefono", "pais_residencia",
           "estado", "ciudad", "alcaldia", "red", "organizacion", "cargo", "idioma", "consentimiento")

ALCALDIAS = (
    "Álvaro Obregón", "Azcapotzalco", "Benito Juárez", "Coyoacán", "Cuajimalpa de Morelos", "Cuauhtémoc",
    "Gustavo A. Madero", "Iztacalco", "Iztapalapa", "La Magdalena Contreras", "Miguel Hidalgo", "Milpa Alta",
    "Tláhuac", "Tlalpan", "Venustiano Carranza", "Xochimilco",
)
_ALCALDIA_KEYS = {fold_compact(a): a for a in ALCALDIAS}
_ALCALDIA_KEYS.update({
    fold_compact("Cuajimalpa"): "Cuajimalpa de Morelos",
    fold_compact("Magdalena Contreras"): "La Magdalena Contreras",
    fold_compact("GAM"): "Gustavo A. Madero",
    fold_compact("Gustavo A Madero"): "Gustavo A. Madero",
    fold_compact("Gustavo Adolfo Madero"): "Gustavo A. Madero",
})


def match_alcaldia(text: str) -> str | None:
    return _ALCALDIA_KEYS.get(fold_compact(text))


SEXES = {"mujer": "Mujer", "hombre": "Hombre", "no_binario": "No binario", "prefiero_no_decir": "Prefiero no decir"}
_SEX_KEYS = {
    **dict.fromkeys(["mujer", "m", "f", "femenino", "female", "woman"], "mujer"),
    **dict.fromkeys(["hombre", "h", "masculino", "male", "man"], "hombre"),
    **dict.fromkeys(["nobinario", "nb", "nonbinary"], "no_binario"),
    **dict.fromkeys(["prefieronodecir", "nd", "prefernottosay"], "prefiero_no_decir"),
}


def match_sex(text: str) -> str | None:
    return _SEX_KEYS.get(fold_compact(text))


ORG_TYPES = {  # the codes of crm.contacts.models.ORGANIZATION_TYPES, in the program's order
    "gubernamental": "Institución gubernamental",
    "academica": "Institución académica",
    "electoral": "Organismo electoral",
    "internacional": "Organismo internacional",
    "sociedad_civil": "Organización de la sociedad civil",
    "privada": "Institución privada",
    "medios": "Medio de comunicación",
    "area_interna": "Área interna del Instituto",
    "sin_clasificar": "Sin clasificar",
}
ORG_SCOPES = {"local": "Local", "nacional": "Nacional", "internacional": "Internacional"}

NETWORKS = {"rvc": "Red Voto Chilango", "observacion": "Red de Observación"}
_NETWORK_KEYS = {
    "rvc": "rvc", "redvotochilango": "rvc", "votochilango": "rvc",
    "observacion": "observacion", "reddeobservacion": "observacion", "redobservacion": "observacion",
}


def match_network(text: str) -> str | None:
    return _NETWORK_KEYS.get(fold_compact(text))


MEMBERSHIP_STATUSES = {"applicant": "Solicitante", "active": "Activa", "inactive": "Inactiva", "withdrawn": "Baja"}

PERSON_STATUSES = {"active": "Activa", "blocked": "Bloqueada", "anonymized": "Anonimizada"}
CONSENT_CHANNELS = {"import": "importación de archivo", "web": "formulario web", "paper": "formato en papel",
                    "survey": "encuesta", "staff": "registro del personal"}
OPPOSITION_CHANNELS = {"email": "correo electrónico", "whatsapp": "WhatsApp", "phone": "teléfono"}
LANGUAGES = {"es": "Español", "en": "Inglés", "fr": "Francés", "pt": "Portugués", "de": "Alemán", "it": "Italiano",
             "nah": "Náhuatl"}

register_labels("sexo", SEXES)
register_labels("estatus_membresia", MEMBERSHIP_STATUSES)
register_labels("red", NETWORKS)
register_labels("tipo_organizacion", ORG_TYPES)
register_labels("ambito_organizacion", ORG_SCOPES)
register_labels("estado_persona", PERSON_STATUSES)
register_labels("canal_consentimiento", CONSENT_CHANNELS)
register_labels("canal_oposicion", OPPOSITION_CHANNELS)
register_labels("idioma", LANGUAGES)
