from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.factories import make_organization, make_person

NEW_PERSON = {"given_name": "Óscar", "first_surname": "Núñez", "second_surname": "Ávila", "sex": "hombre",
              "email": "Oscar.Nunez@Example.org", "phone": "(312) 555-2368", "country": "US", "state": "Illinois",
              "city": "Chicago", "alcaldia": "", "origin_alcaldia": "Coyoacán", "language": "es"}


def test_staff_registers_a_person_with_phone_read_in_the_residence_country(client, login_as):
    login_as("staff")
    response = client.post("/contactos/nueva", data=NEW_PERSON)
    assert response.status_code == 302
    person = db.session.scalar(select(Person))
    assert person.full_name == "Óscar Núñez Ávila"
    assert person.primary_phone.e164 == "+13125552368"
    assert person.primary_email.address == "Oscar.Nunez@Example.org"
    assert person.primary_email.address_key == "oscar.nunez@example.org"
    assert person.origin_alcaldia == "Coyoacán"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.create")).target_id == str(person.id)


def test_a_bad_phone_keeps_the_form_and_says_why(client, login_as):
    login_as("staff")
    response = client.post("/contactos/nueva", data={**NEW_PERSON, "phone": "555"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "no es un número de teléfono válido" in page or "no es un número de teléfono reconocible" in page
    assert 'value="Óscar"' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_alcaldia_only_for_residents_of_mexico(client, login_as):
    login_as("staff")
    response = client.post("/contactos/nueva", data={**NEW_PERSON, "alcaldia": "Tlalpan"})
    assert response.status_code == 422
    assert "La alcaldía solo aplica" in response.get_data(as_text=True)


def test_a_taken_email_is_refused(client, login_as):
    make_person(email="oscar.nunez@example.org")
    login_as("staff")
    response = client.post("/contactos/nueva", data=NEW_PERSON)
    assert response.status_code == 422
    assert "ya pertenece a otra persona" in response.get_data(as_text=True)


def test_search_without_accents_by_email_and_by_phone_in_any_writing(client, login_as):
    make_person("Óscar", "Núñez", email="oscar@example.org", phone="+13125552368")
    make_person("Rosa", "Téllez", email="rosa@example.org")
    login_as("coordinator")
    for query in ("oscar nunez", "NUÑEZ", "oscar@example", "(312) 555-2368", "312 555 2368"):
        page = client.get("/contactos", query_string={"q": query}).get_data(as_text=True)
        assert "Óscar Núñez" in page, query
        assert "Rosa Téllez" not in page, query


def test_viewing_a_person_is_audited(client, login_as):
    person = make_person()
    user = login_as("coordinator")
    assert client.get(f"/contactos/{person.id}").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.view"))
    assert entry.actor_id == user.id and entry.target_id == str(person.id)


def test_edit_and_note(client, login_as):
    person = make_person("Rosa", "Téllez", email="rosa@example.org")
    login_as("staff")
    data = {**NEW_PERSON, "given_name": "Rosa María", "first_surname": "Téllez", "email": "rosa@example.org",
            "phone": "", "country": "MX", "state": "", "city": "", "alcaldia": "Tlalpan", "origin_alcaldia": ""}
    assert client.post(f"/contactos/{person.id}/editar", data=data).status_code == 302
    db.session.refresh(person)
    assert person.given_name == "Rosa María" and person.alcaldia == "Tlalpan"
    assert client.post(f"/contactos/{person.id}/notas", data={"body": "<script>alert(1)</script>"}).status_code == 302
    page = client.get(f"/contactos/{person.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_viewer_cannot_see_personal_data(client, login_as):
    person = make_person()
    login_as("viewer")
    assert client.get("/contactos").status_code == 403
    assert client.get(f"/contactos/{person.id}").status_code == 403


def test_coordinator_cannot_edit(client, login_as):
    person = make_person()
    login_as("coordinator")
    assert client.post(f"/contactos/{person.id}/editar", data=NEW_PERSON).status_code == 403


def test_network_page_counts_by_country_and_sex(client, login_as):
    make_person("Rosa", "Uno", networks=("rvc",), country="US", sex="mujer")
    make_person("Ana", "Dos", networks=("rvc",), country="US", sex="mujer")
    make_person("Luis", "Tres", networks=("rvc",), country="CA", sex="hombre")
    make_person("Otra", "Red", networks=("observacion",), country="MX")
    login_as("coordinator")
    page = client.get("/redes/rvc").get_data(as_text=True)
    assert "Estados Unidos" in page and "Canadá" in page
    assert "Otra Red" not in page
    assert "3 personas" in page


def test_organizations_list_and_create(client, login_as):
    make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    login_as("staff")
    assert "Instituto Nacional Electoral" in client.get("/organizaciones", query_string={"q": "ine"}).get_data(as_text=True)
    response = client.post("/organizaciones/nueva", data={"name": "Universidad de Guadalajara", "acronym": "UdeG",
                                                          "type": "academica", "scope": "nacional", "country": "MX"})
    assert response.status_code == 302
    response = client.post("/organizaciones/nueva", data={"name": "universidad de guadalajara", "acronym": "",
                                                          "type": "academica", "scope": "nacional", "country": "MX"})
    assert response.status_code == 422
    assert "Ya existe la organización" in response.get_data(as_text=True)


def test_bulk_tag_and_status_apply_to_the_whole_filtered_list_except_blocked(client, login_as):
    from crm.contacts.models import Membership, Tag

    a = make_person("Rosa", "Uno", networks=("rvc",), country="US")
    b = make_person("Ana", "Dos", networks=("rvc",), country="US")
    c = make_person("Luis", "Tres", networks=("rvc",), country="CA")
    blocked = make_person("Eva", "Cuatro", networks=("rvc",), country="US", status="blocked")
    login_as("staff")
    response = client.post("/contactos/acciones", data={"pais": "US", "accion": "etiqueta",
                                                        "etiqueta_nueva": "Chicago 2025", "volver": "/contactos?pais=US"})
    assert response.status_code == 302 and response.headers["Location"] == "/contactos?pais=US"
    tag = db.session.scalar(select(Tag))
    tagged = {p.id for p in db.session.scalars(select(Person).where(Person.tags.contains(tag)))}
    assert tagged == {a.id, b.id}
    client.post("/contactos/acciones", data={"etiqueta": "chicago 2025", "accion": "estatus", "red_accion": "rvc",
                                             "estatus_nuevo": "inactive"})
    statuses = dict(db.session.execute(select(Membership.person_id, Membership.status)).all())
    assert statuses[a.id] == statuses[b.id] == "inactive"
    assert statuses[c.id] == statuses[blocked.id] == "active"


def test_bulk_actions_need_edit_permission(client, login_as):
    login_as("coordinator")
    assert client.post("/contactos/acciones", data={"accion": "etiqueta", "etiqueta_nueva": "x"}).status_code == 403


def test_export_of_a_filtered_list_is_formula_safe_and_audited(client, login_as):
    make_person("=Rosa", "Uno", email="rosa@example.org", networks=("rvc",), country="US")
    make_person("Ana", "Dos", email="ana@example.org", networks=("observacion",), country="MX")
    login_as("coordinator")
    body = client.get("/contactos/exportar.csv", query_string={"red": "rvc"}).get_data(as_text=True)
    lines = body.strip().splitlines()
    assert lines[0].startswith("\ufeffnombre,primer_apellido")
    assert len(lines) == 2 and lines[1].startswith("'=Rosa,Uno") and "rosa@example.org" in lines[1]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contacts.export"))
    assert entry.details["rows"] == 1 and entry.details["filters"] == {"red": "rvc"}


def test_staff_cannot_export_personal_data(client, login_as):
    login_as("staff")
    assert client.get("/contactos/exportar.csv").status_code == 403


def test_archived_organizations_leave_the_list_and_come_back(client, login_as):
    org = make_organization("Casa de México en España", type="sociedad_civil", scope="internacional", country="ES")
    login_as("staff")
    client.post(f"/organizaciones/{org.id}/archivo")
    assert "Casa de México en España" not in client.get("/organizaciones").get_data(as_text=True)
    assert "Archivada" in client.get(f"/organizaciones/{org.id}").get_data(as_text=True)
    client.post(f"/organizaciones/{org.id}/archivo")
    assert "Casa de México en España" in client.get("/organizaciones").get_data(as_text=True)


def test_the_person_page_shows_labels_and_short_dates_not_codes(client, login_as):
    import re
    from datetime import datetime

    from crm.contacts.models import ChannelPreference, Consent

    login_as("staff")
    person = make_person("Itzel", "Xolalpa", language="en", phone="+13125552368", networks=("rvc",))
    person.consents.append(Consent(notice_version="2025-01", channel="import", accepted_at=datetime(2025, 3, 12, 18)))
    person.channel_preferences.append(ChannelPreference(channel="email", opted_out=True))
    db.session.commit()
    page = re.sub(r"[ \t\n]+", " ", client.get(f"/contactos/{person.id}").get_data(as_text=True))
    assert "Inglés" in page and ">en<" not in page
    assert "aceptado el 12\u00a0mar\u00a02025 (por importación de archivo)" in page and "(import)" not in page
    assert "Se opone a recibir comunicaciones por: correo electrónico" in page
    assert "2025-03-12" not in page
    assert "+1 312-555-2368" in page  # the stored E.164 number as people write it
    listing = client.get("/contactos").get_data(as_text=True)
    assert "1 persona<" in listing and "1 personas" not in listing


def test_the_duplicates_and_merge_pages_name_countries_sexes_and_languages(client, login_as):
    login_as("staff")
    first = make_person("Rosa", "Téllez", phone="+525512345678", country="US", sex="mujer", language="en")
    second = make_person("Rosa", "Tellez", phone="+525512345678", country="US", sex="mujer", language="en")
    duplicates = client.get("/contactos/duplicados").get_data(as_text=True)
    assert "(Estados Unidos)" in duplicates and "(US)" not in duplicates
    merge = client.get(f"/contactos/fusionar/{first.id}/{second.id}").get_data(as_text=True)
    assert "Estados Unidos" in merge and "Mujer" in merge and "Inglés" in merge
    assert ">US<" not in merge and ">mujer<" not in merge and ">en<" not in merge


def test_the_arco_page_shows_short_dates_and_counts_business_days(client, login_as):
    import re
    from datetime import date

    from crm.contacts.privacy import rights

    user = login_as("staff")
    person = make_person("Rosa", "Téllez")
    late = rights.register_request(person, "access", date(2025, 1, 6), actor=user)
    closed = rights.register_request(None, "cancellation", date(2025, 2, 3), actor=user)
    rights.resolve_request(closed, "resolved", actor=user, on=date(2025, 2, 10))
    page = re.sub(r"[ \t\n]+", " ", client.get("/privacidad/solicitudes").get_data(as_text=True))
    assert "6\u00a0ene\u00a02025" in page and "2025-01-06" not in page
    assert "Cerrada el <span class=\"date\">10\u00a0feb\u00a02025</span>" in page
    days = rights.business_days_left(late)
    assert days < 0 and f"vencida hace {-days} días hábiles" in page
