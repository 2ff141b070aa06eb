"""The contacts export: the import's columns with stored values; formulas neutralised; round trip."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from crm.contacts.catalogs import COLUMNS
from crm.contacts.exporter import export_contacts
from crm.contacts.imports.pipeline import import_contacts_file
from crm.contacts.models import Affiliation, Consent, Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import TableError
from tests.contacts.conftest import person_row
from tests.factories import make_organization, make_person


def read_csv(path) -> list[dict]:
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def snapshot() -> list[tuple]:
    db.session.expire_all()
    people = db.session.scalars(select(Person).order_by(Person.id)).all()
    return [(p.given_name, p.first_surname, p.second_surname, p.name_key, p.sex, p.country, p.state, p.city,
             p.alcaldia, p.language, [(e.address, e.is_primary) for e in p.emails],
             [(ph.e164, ph.is_primary) for ph in p.phones], sorted(m.network.code for m in p.memberships),
             [(a.organization.name, a.organization.acronym, a.position) for a in p.affiliations],
             [c.accepted_at for c in p.consents]) for p in people]


def test_export_writes_stored_values(app, run_import, tmp_path):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    run_import([
        person_row(segundo_apellido="Aguilar", sexo="F", telefono="(312) 555-2368", pais_residencia="Estados Unidos",
                   estado="Illinois", ciudad="Chicago", red="observacion; rvc", idioma="es",
                   consentimiento="2025-03-03", organizacion="Sciences Po", cargo="Investigadora"),
        person_row(nombre="Óscar", primer_apellido="Nava", correo="Oscar.Nava@Outlook.com", sexo="H",
                   telefono="55 2233 4455", pais_residencia="México", alcaldia="gam"),
    ])
    rosa = db.session.scalar(select(Person).where(Person.given_name == "Rosa"))
    db.session.add(Affiliation(person_id=rosa.id, organization_id=ine.id, position="Vocal",
                               created_at=datetime(2000, 1, 1)))  # older: not the one exported
    db.session.commit()
    path = tmp_path / "salida.csv"

    assert export_contacts(path) == 2

    rows = read_csv(path)
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0] == {
        "nombre": "Rosa", "primer_apellido": "Téllez", "segundo_apellido": "Aguilar", "sexo": "mujer",
        "correo": "rosa.tellez@gmail.com", "telefono": "+13125552368", "pais_residencia": "US", "estado": "Illinois",
        "ciudad": "Chicago", "alcaldia": "", "red": "rvc;observacion", "organizacion": "Sciences Po",
        "cargo": "Investigadora", "idioma": "es", "consentimiento": "2025-03-03",
    }
    assert rows[1]["correo"] == "Oscar.Nava@Outlook.com" and rows[1]["sexo"] == "hombre"
    assert rows[1]["telefono"] == "+525522334455" and rows[1]["alcaldia"] == "Gustavo A. Madero"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contacts.export")).one()
    assert entry.details == {"rows": 2, "file": "salida.csv"}


def test_export_shows_organization_with_its_acronym(app, run_import, tmp_path):
    make_organization("Instituto Nacional Electoral", acronym="INE")
    run_import([person_row(organizacion="ine", cargo="Vocal")])
    export_contacts(tmp_path / "s.csv")
    row = read_csv(tmp_path / "s.csv")[0]
    assert (row["organizacion"], row["cargo"]) == ("Instituto Nacional Electoral (INE)", "Vocal")


def test_export_leaves_out_blocked_and_anonymized_people(app, tmp_path):
    make_person("Ana", email="ana@example.org")
    make_person("Eva", email="eva@example.org", status="blocked")
    make_person("Anónima", email=None, status="anonymized")
    assert export_contacts(tmp_path / "s.csv") == 1
    assert [r["nombre"] for r in read_csv(tmp_path / "s.csv")] == ["Ana"]


def test_export_xlsx_has_no_formula_cells(app, tmp_path):
    make_person("=HYPERLINK(\"http://x\")", "+Suma", email="ana@example.org", city="@SUM(A1)", phone="+525522334455")
    path = tmp_path / "s.xlsx"
    export_contacts(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(COLUMNS)
    row = dict(zip(COLUMNS, values[1], strict=True))
    assert row["nombre"] == "'=HYPERLINK(\"http://x\")" and row["ciudad"] == "'@SUM(A1)"
    assert row["telefono"] == "+525522334455"  # a validated E.164 number is written as it is
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formula_neutralisation_round_trip(app, run_import, tmp_path, suffix):
    """Export then import back: nothing changes, the second export is identical."""
    make_organization("=Org peligrosa", acronym="@ORG")
    run_import([
        person_row(nombre="=1+1", primer_apellido="-Resta", segundo_apellido="''=ya citado", ciudad="+ciudad",
                   estado="@estado", telefono="+52 55 2233 4455", red="rvc", organizacion="@org",
                   cargo="-cargo", consentimiento="2025-01-15"),
        person_row(nombre="Luis", primer_apellido="'comilla", correo="=luis@example.org", ciudad="'+x"),
        person_row(nombre="Ana", primer_apellido="Ruiz", correo="", telefono="+33 1 45 49 50 50",
                   pais_residencia="FR", organizacion="Organización «nueva»"),
    ])
    before = snapshot()
    first = tmp_path / f"uno{suffix}"
    export_contacts(first)

    result = import_contacts_file(first)

    assert (result.created, result.updated) == (0, 3)
    assert snapshot() == before
    second = tmp_path / f"dos{suffix}"
    export_contacts(second)
    if suffix == ".csv":
        assert second.read_bytes() == first.read_bytes()
        rows = read_csv(first)
        assert rows[0]["nombre"] == "'=1+1" and rows[0]["segundo_apellido"] == "''=ya citado"
        assert rows[0]["telefono"] == "+525522334455" and rows[1]["correo"] == "'=luis@example.org"
        assert rows[1]["primer_apellido"] == "'comilla"
    else:
        assert [list(r) for r in openpyxl.load_workbook(second).worksheets[0].iter_rows(values_only=True)] == \
            [list(r) for r in openpyxl.load_workbook(first).worksheets[0].iter_rows(values_only=True)]


def test_consent_date_is_the_latest_in_local_time(app, tmp_path):
    person = make_person(email="ana@example.org")
    db.session.add_all([Consent(person_id=person.id, accepted_at=datetime(2025, 1, 10, 12), channel="web"),
                        Consent(person_id=person.id, accepted_at=datetime(2025, 4, 1, 5, 30), channel="web")])
    db.session.commit()
    export_contacts(tmp_path / "s.csv")
    # 2025-04-01T05:30Z is 2025-03-31 in Mexico City
    assert read_csv(tmp_path / "s.csv")[0]["consentimiento"] == "2025-03-31"


def test_export_to_an_unknown_format_is_refused(app, tmp_path):
    with pytest.raises(TableError):
        export_contacts(tmp_path / "s.pdf")
    with pytest.raises(TableError):
        export_contacts(tmp_path / "no-existe" / "s.csv")
