"""The office's year in the demo data (called by crm.app.demo.load_demo, idempotent like it): the relation
history of the demo organizations and a few still unclassified, agreements in every state with their
milestones under AI1.6, AI1.7 and AI2.3 (two of them ending within the dashboard's 90 days of today), and the
evidence of some activities (links, and small generated PDFs stored through crm.core.documents).

Agreements and evidence go through their services (crm.events.agreements.services, crm.events.evidence), so
the demo obeys the same rules as the pages; each is looked up first (by folio, by activity and title) and
skipped when present. Dates are fixed in the demo's program year (2025), except the validity end of the
agreements meant for the "ending within 90 days" list, which counts from the day the demo is loaded.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from crm.contacts.models import Organization, OrganizationRelation
from crm.core.extensions import db
from crm.core.text import fold
from crm.core.timeutil import local_today
from crm.events import evidence
from crm.events.agreements import services as agreements
from crm.events.agreements.models import Agreement
from crm.events.models import Activity, ActivityEvidence

ACTOR = "demo"
AREA = "Unidad Técnica de Vinculación con Organismos Externos"

# organization name -> its relation periods (alta, baja); the others are related since `default_since`
RELATIONS = {
    "Fundación para la Democracia Digital": [(date(2019, 4, 1), date(2024, 9, 30))],
    "Consulado General de México en Los Ángeles": [(date(2017, 2, 1), date(2021, 1, 31)), (date(2024, 3, 1), None)],
    "Casa de México en España": [(date(2020, 6, 15), date(2025, 8, 31))],
}

# organizations created in passing (a contact row, an activity file) that nobody has classified yet
UNCLASSIFIED = [
    ("Colectivo de Mexicanas y Mexicanos en Houston", "US", date(2025, 3, 18)),
    ("Asociación Vecinal Voces de Iztapalapa", "MX", date(2025, 6, 9)),
    ("Comité Ciudadano Santa Cruz Atoyac", "MX", date(2025, 9, 22), date(2025, 11, 30)),
]


def default_since(index: int) -> date:
    """The relation's start of the index-th demo organization (spread over 2019 to 2023)."""
    return date(2019, 1, 15) + timedelta(days=61 * index)


def relation_periods(name: str, index: int) -> list[OrganizationRelation]:
    periods = RELATIONS.get(name, [(default_since(index), None)])
    return [OrganizationRelation(began_on=began, ended_on=ended) for began, ended in periods]


def unclassified_organizations() -> None:
    for name, country, began, *ended in UNCLASSIFIED:
        if db.session.scalar(select(Organization.id).where(Organization.name_key == fold(name))):
            continue
        org = Organization(name=name, name_key=fold(name), type="sin_clasificar", scope=None, country=country)
        org.relations.append(OrganizationRelation(began_on=began, ended_on=ended[0] if ended else None))
        db.session.add(org)


# --------------------------------------------------------------------------- agreements

# (folio, title, counterparts by acronym or name, type, steps, validity end). Steps: (state, date, line code);
# the first is the negotiation's start. A validity end given as an int is that many days after today.
AGREEMENTS = [
    ("IECM/CONV/001/2025", "Convenio general de colaboración con el Instituto Nacional Electoral", ["INE"],
     "convenio_general", [("en_negociacion", date(2025, 1, 13), ""), ("en_dictamen", date(2025, 2, 3), ""),
                          ("dictaminado", date(2025, 2, 20), "AI1.7"), ("firmado", date(2025, 3, 14), "AI1.6")],
     date(2027, 12, 31)),
    ("IECM/PT/002/2025", "Programa de trabajo con el IEEM sobre el voto desde el extranjero", ["IEEM"],
     "programa_trabajo", [("en_negociacion", date(2025, 2, 10), ""), ("en_dictamen", date(2025, 3, 3), ""),
                          ("dictaminado", date(2025, 3, 24), "AI1.7"), ("firmado", date(2025, 4, 22), "AI1.6")],
     38),
    ("IECM/CONV/003/2025", "Convenio específico de servicio social y prácticas profesionales con la UdeG",
     ["UdeG"], "convenio_especifico",
     [("en_negociacion", date(2025, 3, 5), ""), ("en_dictamen", date(2025, 3, 31), ""),
      ("dictaminado", date(2025, 4, 10), "AI1.7"), ("firmado", date(2025, 5, 19), "AI1.6")], 74),
    ("IECM/INT/004/2025", "Acuerdo de colaboración con IDEA Internacional sobre el voto desde el extranjero",
     ["IDEA Internacional"], "acuerdo_colaboracion",
     [("en_negociacion", date(2025, 2, 17), ""), ("en_dictamen", date(2025, 4, 1), ""),
      ("dictaminado", date(2025, 4, 28), "AI1.7"), ("firmado", date(2025, 6, 9), "AI2.3")], date(2028, 6, 8)),
    ("IECM/INT/005/2025", "Carta de intención con la OEA para misiones de observación electoral", ["OEA"],
     "carta_intencion", [("en_negociacion", date(2025, 4, 7), ""), ("en_dictamen", date(2025, 5, 12), ""),
                         ("dictaminado", date(2025, 6, 2), "AI1.7"), ("firmado", date(2025, 7, 15), "AI2.3"),
                         ("concluido", date(2025, 12, 15), "")], date(2025, 12, 15)),
    ("IECM/CONV/006/2025", "Convenio de colaboración académica con la UNAM", ["UNAM"], "convenio_especifico",
     [("en_negociacion", date(2025, 6, 2), ""), ("en_dictamen", date(2025, 9, 8), "")], None),
    ("IECM/PT/007/2025", "Programa de trabajo con El Colegio de México sobre participación ciudadana", ["COLMEX"],
     "programa_trabajo", [("en_negociacion", date(2025, 10, 6), "")], None),
    ("IECM/CONV/008/2025", "Convenio con el Observatorio Ciudadano para la difusión de la consulta",
     ["Observatorio Ciudadano de la Ciudad de México"], "convenio_especifico",
     [("en_negociacion", date(2025, 5, 5), ""), ("en_dictamen", date(2025, 6, 16), ""),
      ("dictaminado", date(2025, 7, 7), "AI1.7")], None),
    ("IECM/INT/009/2025", "Proyecto de cooperación técnica con el PNUD", ["PNUD"], "acuerdo_colaboracion",
     [("en_negociacion", date(2025, 3, 17), ""), ("en_dictamen", date(2025, 5, 26), ""),
      ("cancelado", date(2025, 8, 11), "")], None),
    ("IECM/CONV/010/2025", "Convenio de apoyo y colaboración con el TECDMX y el INE", ["TECDMX", "INE"],
     "convenio_general", [("en_negociacion", date(2025, 1, 6), ""), ("en_dictamen", date(2025, 1, 20), ""),
                          ("dictaminado", date(2025, 2, 3), "AI1.7"), ("firmado", date(2025, 2, 24), "AI1.6"),
                          ("concluido", date(2025, 12, 1), "")], date(2025, 11, 30)),
    ("IECM/CONV/011/2025", "Convenio de difusión con el Canal del Congreso de la Ciudad de México",
     ["Canal del Congreso de la Ciudad de México"], "convenio_especifico",
     [("en_negociacion", date(2025, 7, 1), ""), ("en_dictamen", date(2025, 8, 4), ""),
      ("dictaminado", date(2025, 8, 25), "AI1.7"), ("firmado", date(2025, 9, 29), "AI1.6")], date(2027, 9, 30)),
]
SIGNED_DOCUMENTS = ("IECM/CONV/001/2025", "IECM/INT/004/2025")  # these carry a (generated) signed PDF


def _counterpart(text: str) -> Organization:
    key = fold(text)
    org = db.session.scalar(select(Organization).where(Organization.name_key == key))
    return org or db.session.scalars(select(Organization).where(Organization.acronym_key == key)
                                     .order_by(Organization.id)).first()


def _valid_until(value, today: date) -> date | None:
    return today + timedelta(days=value) if isinstance(value, int) else value


def load_agreements() -> None:
    today = local_today()
    for folio, title, names, kind, steps, valid_until in AGREEMENTS:
        if db.session.scalar(select(Agreement.id).where(Agreement.folio_key == fold(folio))):
            continue
        data = agreements.AgreementData(folio=folio, title=title, counterparts=[_counterpart(n) for n in names],
                                        type=kind, responsible_area=AREA, valid_until=_valid_until(valid_until, today))
        first, *later = steps
        agreement = agreements.create_agreement(data, actor=ACTOR, on=first[1])
        for state, day, line in later:
            agreements.transition(agreement, state, day, actor=ACTOR, line_code=line)
        if folio in SIGNED_DOCUMENTS:
            pdf = demo_pdf(["Documento firmado (demostración)", folio, title,
                            f"Firmado el {agreement.signed_on.isoformat()}"])
            agreements.attach_document(agreement, io.BytesIO(pdf), f"{fold(folio).replace('/', '-')}.pdf",
                                       actor=ACTOR)


# --------------------------------------------------------------------------- activity evidence

# (activity title, evidence title, link; None: a generated PDF report)
EVIDENCE = [
    ("Seminario internacional de justicia electoral 1", "Relatoría del seminario", None),
    ("Seminario internacional de justicia electoral 1", "Transmisión del seminario",
     "https://www.example.org/iecm/seminario-justicia-electoral-2025"),
    ("Conversatorio con la academia 1", "Informe de la actividad realizada", None),
    ("Conversatorio con la academia 2", "Nota publicada en el sitio del Instituto",
     "https://www.example.org/iecm/noticias/conversatorio-academia-2"),
    ("Boletín internacional 1", "Boletín publicado", "https://www.example.org/iecm/boletin-internacional/1"),
    ("Boletín internacional 2", "Boletín publicado", "https://www.example.org/iecm/boletin-internacional/2"),
    ("Reunión con la Red Voto Chilango 1", "Grabación de la reunión", "https://www.example.org/iecm/rvc/reunion-1"),
    ("Curso para personas observadoras 1", "Materiales del curso", "https://www.example.org/iecm/observacion/curso-1"),
]


def load_evidence() -> None:
    for activity_title, title, url in EVIDENCE:
        activity = db.session.scalar(select(Activity).where(Activity.title_key == fold(activity_title)))
        if activity is None or db.session.scalar(select(ActivityEvidence.id).where(
                ActivityEvidence.activity_id == activity.id, ActivityEvidence.title == title)):
            continue
        if url:
            evidence.add_link(activity, title=title, url=url, actor=ACTOR)
        else:
            pdf = demo_pdf([title, activity.title, f"Fecha: {activity.date.isoformat()}",
                            "Documento de demostración."])
            evidence.add_file(activity, title=title, stream=io.BytesIO(pdf), actor=ACTOR)


# --------------------------------------------------------------------------- a small PDF


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def demo_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, WinAnsi) with `lines` of text: enough for the demo's attached documents."""
    content = b"BT /F1 14 Tf 72 720 Td 18 TL " + b" ".join(b"(" + _pdf_text(line) + b") Tj T*" for line in lines) \
        + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode())
    return out.getvalue()


def load_reference_figures(year: int = 2025) -> None:
    """The program's built-in reference figures (lista nominal per alcaldía, credentials abroad per country), so
    the coverage page has something to compare the networks with; once (a load replaces a year's figures)."""
    from crm.program.reference import services as reference
    from crm.program.reference.models import ReferenceFigure

    if db.session.scalar(select(ReferenceFigure.id).where(ReferenceFigure.year == year).limit(1)) is None:
        table, problems = reference.read_file(None, year)
        reference.load_figures(table, year, actor="demo", shape_problems=problems)
