import io
import re

from sqlalchemy import func, select

from crm.contacts.models import Person
from crm.core.audit import AuditEntry
from crm.core.extensions import db

HEADER = "nombre,primer_apellido,correo,telefono,pais_residencia\n"
BAD = HEADER + "Ana,Ruiz,ana.ruiz@,,MX\nLuis,Mora,luis@example.org,555,MX\n"
GOOD = HEADER + "Ana,Ruiz,ana.ruiz@example.org,,MX\nLuis,Mora,luis@example.org,(312) 555-2368,US\n"


def upload(client, kind, text, name="lista.csv"):
    data = {"file": (io.BytesIO(("\ufeff" + text).encode("utf-8")), name)}
    response = client.post(f"/importar/{kind}", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return client.get(response.headers["Location"])


def test_a_bad_file_shows_every_problem_and_writes_nothing_then_a_good_one_imports(client, login_as):
    login_as("staff")
    page = upload(client, "contactos", BAD).get_data(as_text=True)
    assert "No se guardó nada" in page
    assert "fila 2: correo" in page and "fila 3: telefono" in page
    report = re.search(r'href="(/importar/contactos/revisar/[^"]+/problemas\.csv)"', page).group(1)
    csv_text = client.get(report).get_data(as_text=True)
    assert csv_text.startswith("\ufefffila,columna,problema") and "\r\n2,correo," in csv_text
    assert db.session.scalar(select(func.count(Person.id))) == 0

    page = upload(client, "contactos", GOOD).get_data(as_text=True)
    assert "2 personas nuevas y 0 actualizadas" in page
    assert db.session.scalar(select(func.count(Person.id))) == 0  # preview writes nothing
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/importar/contactos/confirmar", data={"token": token, "nombre": "lista.csv"},
                           follow_redirects=True)
    assert "Importación terminada" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Person.id))) == 2
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "contacts.import"))


def test_a_file_that_is_not_a_table_says_so(client, login_as):
    login_as("staff")
    response = client.post("/importar/contactos", data={"file": (io.BytesIO(b"hola"), "lista.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Use un archivo .csv o .xlsx" in response.get_data(as_text=True)
    page = upload(client, "contactos", "\x00\x01", name="x.csv").get_data(as_text=True)
    assert "No se guardó nada" in page


def test_another_users_upload_cannot_be_reached(client, login_as, app):
    login_as("staff")
    page = upload(client, "contactos", GOOD).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/salir")
    login_as("admin")
    assert client.get(f"/importar/contactos/revisar/{token}").status_code == 404
    assert client.post("/importar/contactos/confirmar", data={"token": token}).status_code == 404


def test_coordinator_cannot_import(client, login_as):
    login_as("coordinator")
    assert client.get("/importar/contactos").status_code == 403
