"""The contacts import: CONTRACTS.md, "Contacts file" and the general import rules."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.contacts.imports.pipeline import import_contacts_file
from crm.contacts.models import (
    Affiliation,
    Consent,
    Membership,
    Network,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
    PrivacyNotice,
)
from crm.contacts.organizations.names import split_organization
from crm.contacts.phones import normalize_phone
from crm.contacts.services import resolve_country
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.contacts.conftest import person_row
from tests.factories import make_organization, make_person


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def person_by_email(address: str) -> Person:
    db.session.expire_all()
    return db.session.scalar(select(Person).join(PersonEmail).where(PersonEmail.address_key == address.lower()))


# --- reading files ------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_or_without_bom_creates_people(app, contacts_file, bom):
    path = contacts_file([
        person_row(segundo_apellido="Aguilar", sexo="F", telefono="55 2233 4455", ciudad="CDMX"),
        person_row(nombre="Óscar", primer_apellido="Nava", correo="Oscar.Nava@Outlook.com", sexo="hombre"),
    ], bom=bom)
    result = import_contacts_file(path)
    assert (result.created, result.updated) == (2, 0)
    rosa = person_by_email("rosa.tellez@gmail.com")
    assert (rosa.given_name, rosa.first_surname, rosa.second_surname) == ("Rosa", "Téllez", "Aguilar")
    assert rosa.name_key == "rosa tellez aguilar"
    assert rosa.sex == "mujer" and rosa.country == "MX" and rosa.language == "es" and rosa.city == "CDMX"
    assert [p.e164 for p in rosa.phones] == ["+525522334455"] and rosa.phones[0].is_primary
    oscar = person_by_email("oscar.nava@outlook.com")
    assert oscar.emails[0].address == "Oscar.Nava@Outlook.com"  # the stored address keeps its spelling
    assert oscar.emails[0].address_key == "oscar.nava@outlook.com" and oscar.emails[0].is_primary


def test_xlsx_first_sheet_with_typed_cells(app, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["correo", "nombre", "primer_apellido", "telefono", "pais_residencia", "consentimiento", "red"])
    sheet.append(["claire@sciencespo.fr", "Claire", "Dubois", "+33 1 45 49 50 50", "Francia",
                  datetime(2025, 3, 3, 10, 30), "Red de Observación"])
    sheet.append(["ana@example.org", "Ana", "Ruiz", 5522334455, "méxico", "2025-01-31", "rvc; observacion"])
    workbook.create_sheet("otra").append(["esto", "no", "se", "lee"])
    path = tmp_path / "contactos.xlsx"
    workbook.save(path)

    result = import_contacts_file(path)

    assert (result.created, result.updated) == (2, 0)
    claire = person_by_email("claire@sciencespo.fr")
    assert claire.country == "FR" and claire.phones[0].e164 == "+33145495050"
    assert [c.accepted_at.date() for c in claire.consents] == [date(2025, 3, 3)]
    ana = person_by_email("ana@example.org")
    assert ana.phones[0].e164 == "+525522334455"
    assert sorted(m.network.code for m in ana.memberships) == ["observacion", "rvc"]


def test_unreadable_file_is_a_table_error(app, tmp_path):
    from crm.core.tabular import TableError

    path = tmp_path / "contactos.csv"
    path.write_bytes("nombre,primer_apellido,correo\nJosé,Pérez,j@example.org\n".encode("latin-1"))
    with pytest.raises(TableError, match="UTF-8"):
        import_contacts_file(path)
    with pytest.raises(TableError):
        import_contacts_file(tmp_path / "no-existe.csv")


def test_row_numbers_are_spreadsheet_rows(app, tmp_path):
    path = tmp_path / "contactos.csv"
    path.write_text('nombre,primer_apellido,correo,ciudad\n'
                    'Rosa,Téllez,rosa@example.org,"Ciudad\nde México"\n'
                    ',,,\n'
                    'Luis,Mora,luis@,\n', encoding="utf-8")
    from crm.core.errors import ImportProblems

    with pytest.raises(ImportProblems) as info:
        import_contacts_file(path)
    # the quoted line break does not add a row; the blank row still counts as a spreadsheet row
    assert [str(line).split(":")[0] for line in info.value.problems] == ["row 4"]


# --- columns ------------------------------------------------------------------------------------


def test_unknown_and_missing_columns(app, import_problems):
    problems = import_problems([{"nombre": "Rosa", "correo": "r@example.org", "apodo": "Ro", "Ciudad": "x"}],
                               header=["nombre", "correo", "apodo", "Ciudad"])
    assert "row 1: primer_apellido: falta la columna obligatoria" in problems
    assert any(p.startswith("row 1: apodo: columna desconocida") for p in problems)
    assert any(p.startswith("row 1: Ciudad: columna desconocida; ¿quiso decir «ciudad»?") for p in problems)
    assert count(Person) == 0


def test_column_order_is_free(app, run_import):
    result = run_import([person_row(sexo="mujer")], header=["sexo", "correo", "primer_apellido", "nombre"])
    assert result.created == 1 and person_by_email("rosa.tellez@gmail.com").sex == "mujer"


def test_a_file_needs_correo_or_telefono(app, import_problems):
    assert import_problems([{"nombre": "Rosa", "primer_apellido": "Téllez"}], header=["nombre", "primer_apellido"]) \
        == ["row 1: correo: falta la columna: el archivo necesita correo o telefono (o ambas)"]
    problems = import_problems([person_row(correo=""), person_row(correo="b@example.org")],
                               header=["nombre", "primer_apellido", "correo", "telefono"])
    assert problems == ["row 2: correo: se requiere correo o telefono"]


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "code"), [
    ("MX", "MX"), ("mex", "MX"), ("México", "MX"), ("mexico", "MX"), ("Estados Unidos", "US"),
    ("United States", "US"), ("EUA", "US"), ("EE. UU.", "US"), ("USA", "US"), ("Estados Unidos de América", "US"),
    ("España", "ES"), ("spain", "ES"), ("Reino Unido", "GB"), ("United Kingdom", "GB"), ("UK", "GB"),
    ("Gran Bretaña", "GB"), ("Alemania", "DE"), ("DEU", "DE"), ("Países Bajos", "NL"), ("Perú", "PE"),
    ("  brasil ", "BR"), ("Japón", "JP"),
])
def test_country_names_in_spanish_and_english(written, code):
    assert resolve_country(written) == code


def test_country_is_stored_as_alpha2(app, run_import):
    run_import([person_row(pais_residencia="Estados Unidos"),
                person_row(correo="b@example.org", pais_residencia="United Kingdom")])
    assert person_by_email("rosa.tellez@gmail.com").country == "US"
    assert person_by_email("b@example.org").country == "GB"


def test_phone_without_country_code_is_read_in_the_residence_country(app, run_import):
    run_import([
        person_row(telefono="(312) 555-2368", pais_residencia="Estados Unidos"),
        person_row(correo="b@example.org", telefono="020 7946 0018", pais_residencia="Reino Unido"),
        person_row(correo="c@example.org", telefono="+33 1 45 49 50 50", pais_residencia="MX"),
        person_row(correo="d@example.org", telefono="55-2233-4455"),  # default MX
        person_row(correo="e@example.org", telefono="+52 1 55 2233 4456"),  # the old mobile prefix
    ])
    assert person_by_email("rosa.tellez@gmail.com").phones[0].e164 == "+13125552368"
    assert person_by_email("b@example.org").phones[0].e164 == "+442079460018"
    assert person_by_email("c@example.org").phones[0].e164 == "+33145495050"
    assert person_by_email("d@example.org").phones[0].e164 == "+525522334455"
    assert person_by_email("e@example.org").phones[0].e164 == "+525522334456"


def test_invalid_phone_for_its_country(app, import_problems):
    problems = import_problems([
        person_row(telefono="55 2233 4455", pais_residencia="US"),
        person_row(correo="b@example.org", telefono="12345"),
        person_row(correo="c@example.org", telefono="+1 555 0100"),
    ])
    assert problems[0].startswith("row 2: telefono: «55 2233 4455» no es un número válido en Estados Unidos (US)")
    assert problems[1].startswith("row 3: telefono: «12345» no es un número válido en México (MX)")
    assert problems[2] == "row 4: telefono: «+1 555 0100» no es un número de teléfono válido"
    assert normalize_phone("55 1234 567", "MX") is None  # plausible length is not enough


def test_invalid_country_hides_the_phone_that_depends_on_it(app, import_problems):
    problems = import_problems([
        person_row(telefono="55 2233 4455", pais_residencia="Narnia"),
        person_row(correo="b@example.org", telefono="+1 555", pais_residencia="Narnia"),
    ])
    assert problems[0].startswith("row 2: pais_residencia: país no reconocido «Narnia»")
    assert len([p for p in problems if p.startswith("row 2:")]) == 1
    assert [p.split(":")[1].strip() for p in problems if p.startswith("row 3:")] == ["telefono", "pais_residencia"]


@pytest.mark.parametrize(("written", "code"), [
    ("M", "mujer"), ("f", "mujer"), ("Femenino", "mujer"), ("female", "mujer"), ("H", "hombre"), ("male", "hombre"),
    ("no binario", "no_binario"), ("NB", "no_binario"), ("Non-Binary", "no_binario"), ("ND", "prefiero_no_decir"),
    ("Prefiero no decir", "prefiero_no_decir"), ("prefer not to say", "prefiero_no_decir"), ("MUJER", "mujer"),
])
def test_sexo_spellings(app, run_import, written, code):
    run_import([person_row(sexo=written)])
    assert person_by_email("rosa.tellez@gmail.com").sex == code


def test_bad_values_are_reported_by_row_and_column(app, import_problems):
    problems = import_problems([
        person_row(sexo="otro"),
        person_row(correo="b@example.org", alcaldia="Toluca"),
        person_row(correo="c@example.org", alcaldia="gustavo a madero", red="rvc;club"),
        person_row(correo="no-es-correo", idioma="español", consentimiento="03/03/2025"),
        person_row(correo="e@example.org", nombre="", primer_apellido="x" * 151),
    ])
    assert problems == [
        "row 2: sexo: valor no reconocido «otro»: use mujer, hombre, no_binario o prefiero_no_decir",
        "row 3: alcaldia: alcaldía no reconocida «Toluca»: debe ser una de las 16 alcaldías de la Ciudad de México",
        "row 4: red: red no reconocida «club»: use rvc (Red Voto Chilango) u observacion (Red de Observación), "
        "separadas por ;",
        "row 5: correo: dirección no válida «no-es-correo»: falta la arroba (@)",
        "row 5: idioma: idioma no reconocido «español»: use un código ISO 639-1 (es, en, fr...)",
        "row 5: consentimiento: fecha no válida «03/03/2025»: use AAAA-MM-DD",
        "row 6: nombre: es obligatorio",
        "row 6: primer_apellido: es demasiado largo (151 caracteres; máximo 150)",
    ]


def test_alcaldia_is_stored_with_its_official_name(app, run_import):
    run_import([person_row(alcaldia="ALVARO OBREGON"), person_row(correo="b@example.org", alcaldia="gam")])
    assert person_by_email("rosa.tellez@gmail.com").alcaldia == "Álvaro Obregón"
    assert person_by_email("b@example.org").alcaldia == "Gustavo A. Madero"


def test_duplicate_correo_rows_are_both_reported(app, import_problems):
    problems = import_problems([
        person_row(correo="Rosa@Example.org"),
        person_row(correo="luis@example.org", nombre="Luis"),
        person_row(correo="rosa@example.ORG", nombre="Rosa María"),
    ])
    assert problems == ["row 2: correo: el correo «Rosa@Example.org» se repite en la fila 4",
                        "row 4: correo: el correo «rosa@example.ORG» se repite en la fila 2"]
    assert count(Person) == 0


def test_duplicate_phone_rows_without_correo_are_both_reported(app, import_problems):
    problems = import_problems([
        person_row(correo="", telefono="55 2233 4455"),
        person_row(correo="", telefono="+52 55 2233 4455"),
        person_row(correo="a@example.org", telefono="5522334455"),  # has a correo: not a repeat
    ])
    assert [p.split(":")[:2] for p in problems] == [["row 2", " telefono"], ["row 3", " telefono"]]


def test_any_bad_row_writes_nothing(app, import_problems):
    make_organization("Instituto Nacional Electoral", acronym="INE")
    before = (count(Person), count(Organization), count(Network), count(AuditEntry))
    import_problems([
        person_row(red="rvc", organizacion="Organización Nueva", consentimiento="2025-01-02"),
        person_row(correo="b@example.org", organizacion="INE", cargo="Vocal"),
        person_row(correo="c@example.org", sexo="?"),
    ])
    assert (count(Person), count(Organization), count(Network), count(AuditEntry)) == before
    assert count(PersonEmail) == count(Affiliation) == count(Consent) == count(Membership) == 0


def test_dry_run_counts_and_writes_nothing(app, run_import):
    make_person(email="rosa.tellez@gmail.com")
    result = run_import([person_row(red="rvc"), person_row(correo="b@example.org")], dry_run=True)
    assert (result.created, result.updated, result.dry_run) == (1, 1, True)
    assert count(Person) == 1 and count(Membership) == 0 and count(AuditEntry) == 0


# --- updates ------------------------------------------------------------------------------------


def test_update_keeps_values_of_empty_cells_and_adds_networks(app, run_import):
    person = make_person("Rosa", "Téllez", email="Rosa.Tellez@gmail.com", phone="+525522334455", networks=("observacion",),
                         second_surname="Aguilar", sex="mujer", city="Chicago", country="US", state="Illinois")
    result = run_import([{"nombre": "Rosa María", "primer_apellido": "Téllez", "segundo_apellido": "",
                          "correo": "ROSA.TELLEZ@GMAIL.COM", "sexo": "", "ciudad": "", "estado": "IL",
                          "red": "rvc", "idioma": "EN"}])
    assert (result.created, result.updated) == (0, 1)
    person = db.session.get(Person, person.id)
    db.session.refresh(person)
    assert (person.given_name, person.second_surname, person.sex, person.city, person.state, person.country) == \
        ("Rosa María", "Aguilar", "mujer", "Chicago", "IL", "US")
    assert person.name_key == "rosa maria tellez aguilar"
    assert person.language == "en"
    assert [e.address for e in person.emails] == ["Rosa.Tellez@gmail.com"]  # keeps its spelling
    assert sorted(m.network.code for m in person.memberships) == ["observacion", "rvc"]
    added = next(m for m in person.memberships if m.network.code == "rvc")
    assert (added.status, added.source) == ("active", "import")
    assert count(Person) == 1


def test_networks_are_created_when_missing(app, run_import):
    assert count(Network) == 0
    run_import([person_row(red="Red Voto Chilango;Red de Observación")])
    assert {n.code: n.name for n in db.session.scalars(select(Network))} == \
        {"rvc": "Red Voto Chilango", "observacion": "Red de Observación"}


def test_new_phone_becomes_primary_and_old_one_is_kept(app, run_import):
    person = make_person(email="rosa.tellez@gmail.com", phone="+525522334455")
    run_import([person_row(telefono="55 9988 7766")])
    db.session.expire_all()
    phones = {p.e164: p.is_primary for p in db.session.get(Person, person.id).phones}
    assert phones == {"+525522334455": False, "+525599887766": True}


def test_phone_only_row_updates_the_one_person_with_that_phone(app, run_import):
    person = make_person("Luis", "Mora", email=None, phone="+525522334455")
    other = make_person("Ana", "Ruiz", email=None, phone="+525511112222")
    make_person("Eva", "Soto", email=None, phone="+525511112222")
    result = run_import([person_row(nombre="Luis", primer_apellido="Mora", correo="", telefono="55 2233 4455",
                                    ciudad="Puebla"),
                         person_row(nombre="Ana", primer_apellido="Ruiz", correo="", telefono="5511112222")])
    assert (result.created, result.updated) == (1, 1)  # two people share the second phone: a new person
    db.session.expire_all()
    assert db.session.get(Person, person.id).city == "Puebla"
    assert db.session.get(Person, other.id).city == ""


def test_phone_in_update_row_without_country_is_read_in_the_stored_country(app, run_import):
    chicago = make_person("Rosa", "Téllez", email=None, phone="+13125552368", country="US")
    madrid = make_person("Eva", "Soto", email="eva@example.org", country="ES")
    result = run_import([
        person_row(nombre="Rosa", primer_apellido="Téllez", correo="", telefono="(312) 555-2368"),
        person_row(nombre="Eva", primer_apellido="Soto", correo="eva@example.org", telefono="612 345 678"),
    ])
    assert (result.created, result.updated) == (0, 2)
    db.session.expire_all()
    assert db.session.get(Person, chicago.id).country == "US"
    assert [p.e164 for p in db.session.get(Person, madrid.id).phones] == ["+34612345678"]


def test_cargo_alone_applies_to_the_most_recent_affiliation(app, run_import, import_problems):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    iecm = make_organization("Instituto Electoral de la Ciudad de México", acronym="IECM")
    person = make_person(email="rosa.tellez@gmail.com")
    db.session.add_all([Affiliation(person_id=person.id, organization_id=ine.id, position="Vocal",
                                    created_at=datetime(2020, 1, 1)),
                        Affiliation(person_id=person.id, organization_id=iecm.id, position="Asesora",
                                    created_at=datetime(2024, 1, 1))])
    db.session.commit()

    run_import([person_row(cargo="Consejera")])

    positions = {a.organization.acronym: a.position
                 for a in db.session.scalars(select(Affiliation).where(Affiliation.person_id == person.id))}
    assert positions == {"INE": "Vocal", "IECM": "Consejera"}
    problems = import_problems([person_row(correo="nuevo@example.org", cargo="Directora")])
    assert problems == ["row 2: cargo: la persona no tiene una organización a la cual aplicar el cargo: "
                        "indique también organizacion"]


def test_affiliation_is_added_when_new(app, run_import):
    person = make_person(email="rosa.tellez@gmail.com")
    run_import([person_row(organizacion="INE", cargo="Vocal")])
    run_import([person_row(organizacion="ine", cargo="vocal")])  # the same pair: nothing new
    run_import([person_row(organizacion="INE")])  # the organization alone, already there
    run_import([person_row(organizacion="INE", cargo="Consejera")])
    pairs = db.session.execute(select(Organization.acronym, Organization.name, Affiliation.position)
                               .join(Affiliation).where(Affiliation.person_id == person.id)
                               .order_by(Affiliation.id)).all()
    assert [tuple(p) for p in pairs] == [(None, "INE", "Vocal"), (None, "INE", "Consejera")]
    assert count(Organization) == 1


def test_organizations_match_by_name_or_acronym(app, run_import):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    run_import([
        person_row(correo="a@example.org", organizacion="INE"),
        person_row(correo="b@example.org", organizacion="instituto nacional electoral"),
        person_row(correo="c@example.org", organizacion="Instituto Nacional Electoral (INE)"),
        person_row(correo="d@example.org", organizacion="  INSTITUTO NACIONAL ELECTORAL  "),
        person_row(correo="e@example.org", organizacion="Instituto Electoral de la Ciudad de México (IECM)"),
        person_row(correo="f@example.org", organizacion="iecm", cargo="Consejera"),
        person_row(correo="g@example.org", organizacion="Instituto Electoral de la Ciudad de Mexico"),
    ])
    orgs = {o.name: o for o in db.session.scalars(select(Organization))}
    assert set(orgs) == {"Instituto Nacional Electoral", "Instituto Electoral de la Ciudad de México"}
    iecm = orgs["Instituto Electoral de la Ciudad de México"]
    assert (iecm.acronym, iecm.acronym_key, iecm.name_key) == ("IECM", "iecm", "instituto electoral de la ciudad de mexico")
    by_org = dict(db.session.execute(select(Organization.acronym, func.count()).join(Affiliation)
                                     .group_by(Organization.acronym)).all())
    assert by_org == {"INE": 4, "IECM": 3}
    assert ine.id == orgs["Instituto Nacional Electoral"].id


def test_acronym_shared_by_two_organizations_is_ambiguous(app, import_problems):
    make_organization("Instituto Nacional Electoral", acronym="INE")
    make_organization("Instituto Nacional de Estadística", acronym="INE")
    problems = import_problems([person_row(organizacion="INE")])
    assert len(problems) == 1 and problems[0].startswith("row 2: organizacion: «INE»: la sigla corresponde a varias")


def test_split_organization():
    assert split_organization("Instituto Nacional Electoral (INE)") == ("Instituto Nacional Electoral", "INE")
    assert split_organization("Universidad (campus sur)") == ("Universidad (campus sur)", None)
    assert split_organization("Sciences Po") == ("Sciences Po", None)


# --- consent and audit --------------------------------------------------------------------------


def test_consent_records_the_latest_notice_version_once(app, run_import):
    db.session.add_all([PrivacyNotice(version="2024-01", short_text="a", full_text="a",
                                      published_at=datetime(2024, 1, 1)),
                        PrivacyNotice(version="2025-02", short_text="b", full_text="b",
                                      published_at=datetime(2025, 2, 1))])
    db.session.commit()
    run_import([person_row(consentimiento="2025-03-03")])
    run_import([person_row(consentimiento="2025-03-03")])
    consents = db.session.scalars(select(Consent)).all()
    assert [(c.channel, c.notice_version) for c in consents] == [("import", "2025-02")]


def test_consent_in_the_future_is_refused(app, import_problems):
    problems = import_problems([person_row(consentimiento="2999-01-01")])
    assert problems == ["row 2: consentimiento: la fecha 2999-01-01 es posterior a hoy"]


def test_import_is_audited(app, run_import, contacts_file):
    run_import([person_row(), person_row(correo="b@example.org")])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contacts.import")).one()
    assert entry.details["created"] == 2 and entry.details["updated"] == 0
    assert entry.details["file"].endswith(".csv")


def test_blocked_person_is_not_updated(app, import_problems):
    make_person(email="rosa.tellez@gmail.com", status="blocked")
    problems = import_problems([person_row(ciudad="Toluca")])
    assert problems == ["row 2: correo: la persona está bloqueada (derechos ARCO) y no se puede actualizar "
                        "desde un archivo"]


def test_large_updates_read_the_stored_data_in_one_scan(app, run_import, monkeypatch):
    """Large files take the bulk paths (scan instead of IN, COPY updates on PostgreSQL), with the same result."""
    from crm.contacts import sql
    from crm.contacts.imports import plan

    monkeypatch.setattr(plan, "FULL_SCAN_FROM", 1)
    monkeypatch.setattr(sql, "COPY_UPDATE_FROM", 1)  # PostgreSQL: the COPY + UPDATE ... FROM path
    org = make_organization("Instituto Nacional Electoral", acronym="INE")
    person = make_person(email="rosa.tellez@gmail.com", phone="+525522334455", networks=("rvc",))
    make_person(email="otra@example.org", phone="+525599887766")
    db.session.add(Affiliation(person_id=person.id, organization_id=org.id, position="Vocal"))
    db.session.commit()
    result = run_import([person_row(cargo="Consejera", red="rvc;observacion", telefono="55 2233 4455"),
                         person_row(nombre="Luis", correo="", telefono="55 9988 7766", ciudad="Puebla")])
    assert (result.created, result.updated) == (0, 2)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert [a.position for a in person.affiliations] == ["Consejera"]
    assert sorted(m.network.code for m in person.memberships) == ["observacion", "rvc"]
    assert count(PersonPhone) == 2


def test_phone_added_to_person_is_not_duplicated(app, run_import):
    make_person(email="rosa.tellez@gmail.com", phone="+525522334455")
    run_import([person_row(telefono="55 2233 4455")])
    assert count(PersonPhone) == 1


def test_header_problems(app, tmp_path, run_import):
    from crm.core.errors import ImportProblems

    path = tmp_path / "c.csv"
    path.write_text("nombre,,primer_apellido,correo,correo,\nRosa,x,Téllez,a@example.org,a@example.org,\n",
                    encoding="utf-8")
    with pytest.raises(ImportProblems) as info:
        import_contacts_file(path)
    assert [str(p) for p in info.value.problems] == ["row 1: (columna 2): hay datos en una columna sin nombre",
                                                     "row 1: correo: la columna está repetida"]
    path.write_text("nombre,,primer_apellido,correo\nRosa,,Téllez,a@example.org\n", encoding="utf-8")
    assert import_contacts_file(path).created == 1  # an empty unnamed column is harmless
