"""The relations module in a real browser: people, imports, duplicates, public sign-up, accessibility.

Each test starts from an empty database (the `live_server` fixture) and creates what it needs
directly in it; everything else happens through the pages, with CSRF on, as staff would do it.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 390
GOOD_CSV = (
    "nombre,primer_apellido,segundo_apellido,sexo,correo,telefono,pais_residencia,ciudad,red\n"
    "Lucía,Ramírez,Soto,mujer,lucia.ramirez@example.org,+1 312 555 2368,Estados Unidos,Chicago,rvc\n"
    "Tomás,Güemes,,hombre,tomas.guemes@example.org,,España,Madrid,rvc\n"
)
BAD_CSV = (
    "nombre,primer_apellido,segundo_apellido,sexo,correo,telefono,pais_residencia,ciudad,red\n"
    "Lucía,Ramírez,Soto,mujer,lucia.ramirez@example.org,+1 312 555 2368,Estados Unidos,Chicago,rvc\n"
    ",Güemes,,quizá,tomas.guemes-sin-arroba,,España,Madrid,rvc\n"
)


def assert_accessible(page, axe_check, screenshot, name: str) -> None:
    """Screenshot, then no serious/critical axe violation; on a phone, no sideways scrolling either."""
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    if page.viewport_size["width"] <= PHONE_WIDTH:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways on a phone ({width}px wide)"


def upload_csv(page, content: str, filename: str) -> None:
    page.goto("/importar/contactos")
    page.get_by_label("Archivo CSV o XLSX").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": content.encode("utf-8")})
    page.get_by_role("button", name="Revisar archivo").click()


def show_job_running(live_server, url: str, owner_id: int, phase: str, step: str) -> str:
    """Put the import job of this page in a running phase (as a worker would) and return its address
    without automatic refresh, so the page holds still for the accessibility check."""
    from crm.imports.jobs import Job

    token = re.search(r"/revisar/([^/?]+)", url).group(1)
    with live_server.app.app_context():
        job = Job(owner_id, token)
        state = job.load()
        state.update(phase=phase, step=step, done=1200, total=4000, rows=4000)
        job.save(state)
    return url.split("?", 1)[0] + "?auto=0"


def count_people(live_server) -> int:
    from sqlalchemy import func, select

    from crm.contacts.models import Person
    from crm.core.extensions import db

    with live_server.app.app_context():
        total = db.session.scalar(select(func.count(Person.id)))
        db.session.remove()
    return total


def make_duplicates(live_server) -> tuple[int, int]:
    """Two records of one person sharing a phone, each with its own e-mail and city."""
    from crm.core.extensions import db
    from tests.factories import make_person

    with live_server.app.app_context():
        first = make_person("Martha", "Zavala", email="martha.zavala@example.org", phone="+13125552368",
                            country="US", city="Chicago")
        second = make_person("Marta", "Zavala", email="mzavala@example.com", phone="+13125552368",
                             country="US", city="Evanston")
        ids = first.id, second.id
        db.session.remove()
    return ids


# ---------------------------------------------------------------------------------------------
# 1. create a person and find them without accents


def test_staff_registers_a_person_and_finds_them_without_accents(live_server, page, screenshot, csp_violations):
    expect = _expect()
    log_in(page, live_server.create_user(role="staff"))

    page.goto("/contactos")
    page.get_by_role("link", name="Registrar persona").click()
    expect(page.get_by_role("heading", name="Registrar persona", level=1)).to_be_visible()
    page.get_by_label("Nombre(s)").fill("Óscar")
    page.get_by_label("Primer apellido").fill("Núñez")
    page.get_by_label("Segundo apellido").fill("Peña")
    page.get_by_label("Sexo").select_option(label="Hombre")
    page.get_by_label("Correo electrónico").fill("oscar.nunez@example.org")
    page.get_by_label("Teléfono").fill("+1 312 555 2368")
    page.get_by_label("País de residencia").select_option("US")
    page.get_by_label("Estado o provincia").fill("Illinois")
    page.get_by_label("Ciudad", exact=True).fill("Chicago")
    page.get_by_label("Alcaldía de origen").select_option("Iztapalapa")
    page.get_by_role("button", name="Guardar").click()

    expect(page.get_by_text("Persona registrada.")).to_be_visible()
    expect(page.get_by_role("heading", name="Óscar Núñez Peña", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/contactos/\d+$"))
    record_url = page.url

    page.goto("/contactos")
    page.get_by_label("Buscar por nombre, correo o teléfono").fill("oscar nunez")
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(r"[?&]q=oscar\+nunez"))
    expect(page.get_by_role("status").filter(has_text="persona")).to_have_text("1 persona")
    result = page.get_by_role("link", name="Óscar Núñez Peña")
    expect(result).to_be_visible()
    expect(page.get_by_role("cell", name="oscar.nunez@example.org")).to_be_visible()
    screenshot(page, "people-search-without-accents")

    result.click()
    expect(page).to_have_url(record_url)
    expect(page.get_by_role("heading", name="Óscar Núñez Peña", level=1)).to_be_visible()
    contact = page.get_by_role("region", name="Medios de contacto")
    expect(contact).to_contain_text("oscar.nunez@example.org")
    expect(contact).to_contain_text("+1 312-555-2368")  # as people write it (|telefono)
    identity = page.get_by_role("region", name="Identidad y residencia")
    expect(identity).to_contain_text("Illinois, Chicago")
    expect(identity).to_contain_text("Iztapalapa")

    page.goto("/contactos?q=zzz+nadie")
    expect(page.get_by_text("No se encontraron personas con esos criterios.")).to_be_visible()
    assert csp_violations(page) == []


# ---------------------------------------------------------------------------------------------
# 2. import: a file with problems writes nothing; a good file is previewed, confirmed and listed


def test_import_with_problems_writes_nothing_then_a_good_file_is_imported(live_server, page, screenshot,
                                                                          csp_violations):
    expect = _expect()
    log_in(page, live_server.create_user(role="staff"))

    page.goto("/contactos")
    page.get_by_role("link", name="Importar").click()
    expect(page.get_by_role("heading", name="Importar personas", level=1)).to_be_visible()

    upload_csv(page, BAD_CSV, "personas-con-errores.csv")
    expect(page).to_have_url(re.compile(r"/importar/contactos/revisar/"))
    expect(page.get_by_role("heading", name="Revisión de «personas-con-errores.csv»")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("No se guardó nada.")
    problems = page.get_by_role("table", name=re.compile("Problemas por fila"))
    expect(problems.get_by_role("cell", name=re.compile(r"^fila 3: nombre \("))).to_be_visible()
    expect(problems.get_by_role("cell", name=re.compile(r"^fila 3: correo \("))).to_be_visible()
    expect(problems.get_by_role("cell", name=re.compile(r"^fila 3: sexo \("))).to_be_visible()
    texts = problems.locator("tbody td").all_inner_texts()
    assert all(text.startswith("fila 3: ") for text in texts), texts  # row 2 is fine: no problem reported
    assert not any("row" in text or "required" in text.lower() or "invalid" in text.lower() for text in texts), texts
    expect(page.get_by_role("button", name="Confirmar importación")).to_have_count(0)
    screenshot(page, "import-preview-with-problems")
    assert count_people(live_server) == 0

    page.get_by_role("link", name="Subir otro archivo").click()
    upload_csv(page, GOOD_CSV, "personas.csv")
    expect(page.get_by_role("status").filter(has_text="no tiene problemas")).to_contain_text(
        "2 personas nuevas y 0 actualizadas")
    expect(page.get_by_role("table", name="Primeras filas del archivo")).to_contain_text("lucia.ramirez@example.org")
    assert count_people(live_server) == 0  # the preview is a dry run
    screenshot(page, "import-preview-ok")

    page.get_by_role("button", name="Confirmar importación").click()
    expect(page).to_have_url(re.compile(r"/importar/contactos/revisar/"))  # the job's page shows the result
    expect(page.get_by_role("status")).to_contain_text("Importación terminada: 2 personas nuevas y 0 actualizadas.")
    assert count_people(live_server) == 2
    page.get_by_role("link", name="Ver la lista de personas").click()
    expect(page).to_have_url(re.compile(r"/contactos$"))
    expect(page.get_by_role("link", name="Lucía Ramírez Soto")).to_be_visible()
    expect(page.get_by_role("link", name="Tomás Güemes")).to_be_visible()
    expect(page.get_by_role("cell", name="+1 312-555-2368")).to_be_visible()
    assert count_people(live_server) == 2

    page.get_by_role("link", name="Tomás Güemes").click()
    expect(page.get_by_role("region", name="Redes y organizaciones")).to_contain_text("Red Voto Chilango")
    expect(page.get_by_role("region", name="Identidad y residencia")).to_contain_text("Madrid")
    assert csp_violations(page) == []


# ---------------------------------------------------------------------------------------------
# 3. duplicates and merging


def test_merging_two_duplicates_keeps_both_emails_and_the_chosen_value(live_server, page, screenshot,
                                                                       csp_violations):
    expect = _expect()
    first_id, second_id = make_duplicates(live_server)
    log_in(page, live_server.create_user(role="staff"))

    page.goto("/contactos")
    page.get_by_role("link", name="Posibles duplicados").click()
    expect(page.get_by_role("heading", name="Posibles duplicados", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Martha Zavala").filter(has_text="Marta Zavala")
    expect(row).to_have_count(1)
    screenshot(page, "duplicates")
    row.get_by_role("link", name="Comparar y fusionar").click()

    expect(page.get_by_role("heading", name="Fusionar registros", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/contactos/fusionar/{min(first_id, second_id)}/{max(first_id, second_id)}$"))
    survivor = page.get_by_role("radio", name=re.compile(r"Martha Zavala"))
    expect(survivor).to_be_checked()
    # each value's radio is named by its field and record, then the value (a screen reader hears all three)
    chicago = page.get_by_role("radio", name=re.compile(r"^Ciudad del núm\. \d+: Chicago$"))
    evanston = page.get_by_role("radio", name=re.compile(r"^Ciudad del núm\. \d+: Evanston$"))
    expect(chicago).to_be_checked()
    evanston.check()  # the city of the second record
    expect(chicago).not_to_be_checked()
    page.get_by_role("radio", name=re.compile(r"^Nombre\(s\) del núm\. \d+: Marta$")).check()  # and its given name
    screenshot(page, "merge")
    page.get_by_role("button", name="Fusionar").click()

    expect(page.get_by_text("Registros fusionados.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/contactos/{first_id}$"))
    expect(page.get_by_role("heading", name="Marta Zavala", level=1)).to_be_visible()
    contact = page.get_by_role("region", name="Medios de contacto")
    expect(contact).to_contain_text("martha.zavala@example.org")
    expect(contact).to_contain_text("mzavala@example.com")
    expect(page.get_by_role("region", name="Identidad y residencia")).to_contain_text("Evanston")
    expect(page.get_by_role("region", name="Identidad y residencia")).not_to_contain_text("Chicago")
    screenshot(page, "merged-person")

    assert page.goto(f"/contactos/{second_id}").status == 404
    page.goto("/contactos/duplicados")
    expect(page.get_by_text("No se encontraron posibles duplicados.")).to_be_visible()
    assert count_people(live_server) == 1
    assert csp_violations(page) == []


# ---------------------------------------------------------------------------------------------
# 4. public sign-up from a phone, in English


def test_signing_up_from_a_phone_in_english(live_server, phone_page, axe_check, screenshot, csp_violations):
    from crm.core.extensions import db
    from tests.factories import make_network

    expect = _expect()
    page = phone_page
    with live_server.app.app_context():
        make_network("rvc")
        db.session.remove()

    page.goto("/unirse/rvc?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Join the Red Voto Chilango", level=1)).to_be_visible()
    page.get_by_label("Given name(s)").fill("Ana Sofía")
    page.get_by_label("First surname").fill("Ibarra")
    page.get_by_label("E-mail address").fill("ana.ibarra@example.org")
    page.get_by_label("Phone (optional, with country code)").fill("+1 312 555 2368")
    page.get_by_label("Country of residence").select_option("US")
    page.get_by_label("City (optional)").fill("Chicago")
    page.get_by_label("Borough (alcaldía) of origin in Mexico City").select_option("Coyoacán")
    expect(page.get_by_label("Language for our messages")).to_have_value("en")
    expect(page.get_by_role("region", name="Privacy notice (short form)")).to_be_visible()
    page.get_by_label("I have read the privacy notice").check()
    assert_accessible(page, axe_check, screenshot, "signup-en-phone-filled")

    page.wait_for_timeout(3_300)  # the form refuses submissions faster than 3 s, as a bot would send them
    page.get_by_role("button", name="Send application").click()

    expect(page).to_have_url(re.compile(r"/unirse/rvc/enviado\?lang=en$"))
    expect(page.get_by_role("heading", name="Check your e-mail", level=1)).to_be_visible()
    expect(page.get_by_text("We sent you a link to confirm your address.")).to_be_visible()
    assert_accessible(page, axe_check, screenshot, "signup-sent-en-phone")
    assert csp_violations(page) == []

    from sqlalchemy import select

    from crm.contacts.models import Membership, PersonEmail

    with live_server.app.app_context():
        email = db.session.scalar(select(PersonEmail).where(PersonEmail.address_key == "ana.ibarra@example.org"))
        assert email is not None
        memberships = db.session.scalars(select(Membership).where(Membership.person_id == email.person_id)).all()
        assert [m.status for m in memberships] == ["applicant"]
        assert email.person.language == "en" and email.person.origin_alcaldia == "Coyoacán"
        db.session.remove()


def test_a_sign_up_sent_too_fast_is_refused_and_nothing_is_stored(live_server, phone_page, screenshot):
    from crm.core.extensions import db
    from tests.factories import make_network

    expect = _expect()
    page = phone_page
    with live_server.app.app_context():
        make_network("rvc")
        db.session.remove()

    page.goto("/unirse/rvc?lang=en")
    page.get_by_label("Given name(s)").fill("Bot")
    page.get_by_label("First surname").fill("Rápido")
    page.get_by_label("E-mail address").fill("bot@example.org")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send application").click()

    expect(page.get_by_role("alert")).to_contain_text("Please check your details and send the form again.")
    expect(page.get_by_label("E-mail address")).to_have_value("bot@example.org")
    screenshot(page, "signup-too-fast-phone")
    assert count_people(live_server) == 0


# ---------------------------------------------------------------------------------------------
# 5. accessibility sweep


def _seed_for_sweep(live_server) -> dict:
    from crm.contacts.privacy import rights
    from crm.core.extensions import db
    from crm.core.text import fold
    from crm.core.timeutil import local_today
    from crm.events.models import PartnerRequest
    from tests.factories import make_activity, make_organization, make_person

    first_id, second_id = make_duplicates(live_server)
    today = local_today()
    with live_server.app.app_context():
        person = make_person("Óscar", "Núñez", email="oscar.nunez@example.org", phone="+525512345678",
                             networks=("rvc",), alcaldia="Coyoacán", city="Ciudad de México")
        make_person("Lucía", "Ramírez", email="lucia.ramirez@example.org", networks=("rvc",), country="US",
                    origin_alcaldia="Tlalpan")
        make_activity("AI2.2", on=today, title="Conversatorio sobre voto desde el extranjero")
        ine = make_organization("Instituto Nacional Electoral", acronym="INE")
        subject = "Difusión del voto de personas residentes en el extranjero"
        db.session.add(PartnerRequest(received_on=today, requester_id=ine.id, subject=subject,
                                      subject_key=fold(subject)))
        db.session.commit()
        rights.register_request(person, "access", today, "Copia de sus datos", actor=None)
        ids = {"person": person.id, "first": first_id, "second": second_id}
        db.session.remove()
    return ids


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_relations_pages_have_no_serious_accessibility_problem(live_server, viewport, request, axe_check, screenshot,
                                                               csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    ids = _seed_for_sweep(live_server)
    staff = live_server.create_user(role="staff")
    log_in(page, staff)

    def check(path: str, name: str, heading: str):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"{name}-{label}")

    check("/contactos", "people", "Contactos")
    check("/contactos?q=oscar+nunez", "people-search", "Contactos")
    check(f"/contactos/{ids['person']}", "person", "Óscar Núñez")
    check("/contactos/nueva", "person-form", "Registrar persona")
    page.get_by_label("Correo electrónico").fill("no es un correo")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("alert")).to_contain_text("Nombre(s): Este campo es obligatorio.")
    expect(page.get_by_label("Nombre(s)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, axe_check, screenshot, f"person-form-errors-{label}")

    check("/importar/contactos", "import-upload", "Importar personas")
    page.get_by_role("button", name="Revisar archivo").click()
    expect(page.get_by_role("alert")).to_contain_text("Elija un archivo.")
    assert_accessible(page, axe_check, screenshot, f"import-upload-errors-{label}")
    upload_csv(page, BAD_CSV, "personas-con-errores.csv")
    expect(page.get_by_role("alert")).to_contain_text("No se guardó nada.")
    assert_accessible(page, axe_check, screenshot, f"import-preview-problems-{label}")
    upload_csv(page, GOOD_CSV, "personas.csv")
    expect(page.get_by_role("button", name="Confirmar importación")).to_be_visible()
    assert_accessible(page, axe_check, screenshot, f"import-preview-ok-{label}")
    # the progress page, as it looks while a worker validates or writes a long file
    for phase, step in (("validando", "revision"), ("escribiendo", "escritura")):
        job_page = show_job_running(live_server, page.url, staff.id, phase, step)
        page.goto(job_page)
        expect(page.get_by_role("status")).to_contain_text("1,200 de 4,000 (30 %)")
        expect(page.get_by_role("progressbar", name=re.compile("Avance de la"))).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"import-progress-{phase}-{label}")

    check("/contactos/duplicados", "duplicates", "Posibles duplicados")
    check(f"/contactos/fusionar/{ids['first']}/{ids['second']}", "merge", "Fusionar registros")
    check("/privacidad/solicitudes", "arco", "Solicitudes de derechos ARCO")
    check("/actividades", "activities", "Actividades realizadas")
    expect(page.get_by_role("link", name="Conversatorio sobre voto desde el extranjero")).to_be_visible()
    check("/gestiones", "requests", "Gestiones recibidas")
    expect(page.get_by_role("cell", name="Difusión del voto de personas residentes en el extranjero",
                                exact=True)).to_be_visible()
    check("/redes/rvc", "network", "Red Voto Chilango")
    check("/unirse/rvc?lang=es", "signup-es", "Únase a la Red Voto Chilango")
    check("/unirse/rvc?lang=en", "signup-en", "Join the Red Voto Chilango")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("alert")).to_contain_text("Given name(s): This field is required.")
    assert_accessible(page, axe_check, screenshot, f"signup-en-errors-{label}")
    assert csp_violations(page) == []
