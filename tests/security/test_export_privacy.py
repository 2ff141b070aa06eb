"""Issue 12, finding 13: exports honour opposition.

- the staff download of people carries one opposition column per channel (`oposicion_correo`,
  `oposicion_whatsapp`, `oposicion_telefono`), `sí` where the person opposed it;
- the contacts import accepts those export-only columns and ignores them (opposition is recorded on the
  privacy page, never by a file), and its review says so in one line;
- `contacts export FILE` (CLI) keeps exactly the import's columns (CONTRACTS.md);
- the personal-links file of an invitation leaves out the e-mail and the phone of whoever opposed those
  channels, says so in the row's note, and leaves out people blocked by ARCO entirely.

Each test fails on the code before the fix: there were no opposition columns, the import rejected any
unknown column, and the links file listed every primary e-mail and phone.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
from sqlalchemy import select

from crm.contacts.catalogs import COLUMNS
from crm.contacts.exporter import export_contacts
from crm.contacts.models import ChannelPreference
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from surveys.invitations.lists import Selection, select_people
from surveys.invitations.sending import links_file
from tests.factories import make_person, make_survey
from tests.surveys_builder.helpers import oppose

OPPOSITION = ["oposicion_correo", "oposicion_whatsapp", "oposicion_telefono"]


def _csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _people(app):
    rosa = make_person("Rosa", "Uno", email="rosa@example.org", phone="+525512345678", networks=("rvc",))
    olga = make_person("Olga", "Dos", email="olga@example.org", phone="+525587654321", networks=("rvc",))
    oppose(olga, "email")
    oppose(olga, "phone")
    return rosa, olga


def test_staff_export_has_one_opposition_column_per_channel(app, client, login_as):
    rosa, olga = _people(app)
    login_as("coordinator")
    rows = _csv(client.get("/contactos/exportar.csv", query_string={"red": "rvc"}).data)
    assert list(rows[0]) == [*COLUMNS, *OPPOSITION]
    by_name = {r["nombre"]: r for r in rows}
    assert [by_name["Olga"][c] for c in OPPOSITION] == ["sí", "", "sí"]
    assert [by_name["Rosa"][c] for c in OPPOSITION] == ["", "", ""]
    data = client.get("/contactos/exportar.xlsx", query_string={"red": "rvc"}).data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [*COLUMNS, *OPPOSITION]
    olga_row = next(row for row in values if row[0] == "Olga")
    assert olga_row[-3:] == ["sí", None, "sí"]


def test_cli_export_keeps_exactly_the_import_columns(app, tmp_path):
    _people(app)
    path = tmp_path / "personas.csv"
    assert export_contacts(path) == 2
    assert list(_csv(path.read_bytes())[0]) == list(COLUMNS)


def test_import_accepts_the_export_only_columns_ignores_them_and_says_so(app, client, login_as):
    rosa, olga = _people(app)
    login_as("admin")
    exported = client.get("/contactos/exportar.csv", query_string={"red": "rvc"}).data
    # someone marks an opposition in the file: the import must not record it (read-only columns)
    rows = _csv(exported)
    rows[[r["nombre"] for r in rows].index("Rosa")]["oposicion_whatsapp"] = "sí"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    edited = out.getvalue().encode("utf-8")
    response = client.post("/importar/contactos", data={"file": (io.BytesIO(edited), "personas.csv"), "auto": "y"},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "columna desconocida" not in page
    assert "El archivo no tiene problemas" in page
    line = re.search(r"Se ignoraron las columnas ([^<]*)", page)
    assert line and all(name in line.group(1) for name in OPPOSITION)
    assert "página de privacidad" in line.group(1)
    preferences = db.session.execute(select(ChannelPreference.person_id, ChannelPreference.channel)).all()
    assert sorted(preferences) == sorted([(olga.id, "email"), (olga.id, "phone")])


def test_links_file_leaves_out_opposed_channels_and_blocked_people(app):
    survey = make_survey(state="open")
    rosa, olga = _people(app)
    whatsapp_only = make_person("Wendy", "Tres", email="wendy@example.org", phone="+525511112222", networks=("rvc",))
    oppose(whatsapp_only, "whatsapp")
    make_person("Bea", "Cuatro", email="bea@example.org", phone="+525533334444", networks=("rvc",), status="blocked")
    people, source, _ = select_people(Selection(source="red", network="rvc"))
    body, outcome = links_file(survey, people, source=source)
    text = body.decode("utf-8-sig")
    rows = {r["nombre"]: r for r in _csv(body)}
    assert "Bea" not in text and "bea@example.org" not in text and "+525533334444" not in text  # ARCO block
    assert "olga@example.org" not in text and "+525587654321" not in text
    olga_row = rows[olga.full_name]
    assert olga_row["correo"] == "" and olga_row["telefono"] == "" and olga_row["enlace"]
    assert "correos electrónicos" in olga_row["nota"] and "llamadas" in olga_row["nota"]
    rosa_row = rows[rosa.full_name]
    assert rosa_row["correo"] == "rosa@example.org" and rosa_row["telefono"] == "+525512345678"
    assert rosa_row["nota"] == ""
    wendy = rows[whatsapp_only.full_name]
    assert wendy["enlace"] == "" and "WhatsApp" in wendy["nota"] and wendy["correo"] == "wendy@example.org"
    assert outcome.withheld == {"email": 1, "phone": 1} and outcome.skipped["inactive"] == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.invite_links"))
    assert entry.details["withheld"] == {"email": 1, "phone": 1}


def test_invite_page_says_how_many_are_left_out_of_the_links_file(app, client, login_as):
    survey = make_survey(state="open")
    _people(app)
    db.session.commit()
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}/invitar",
                      query_string={"origen": "red", "red": "rvc"}).get_data(as_text=True)
    text = " ".join(page.split())
    assert "no se incluye el correo de las 1 personas que se oponen a recibir correos" in text
    assert "ni el teléfono de las 1 que se oponen a recibir llamadas" in text
