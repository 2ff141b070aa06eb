"""`organizations import|export` (CONTRACTS.md, "Organizations file"): all or nothing, every problem by row,
matching by name or acronym, the relation's alta and baja, and an export that imports back unchanged."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.contacts.models import Organization
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.contacts_orgs.conftest import periods, registry
from tests.factories import make_organization


def count() -> int:
    return db.session.scalar(select(func.count(Organization.id)))


def test_a_file_that_breaks_every_rule_reports_each_row_and_writes_nothing(cli, orgs_file):
    make_organization("Instituto Electoral de Tamaulipas", acronym="IETAM", type="electoral")
    make_organization("Instituto Estatal Electoral de Chihuahua", acronym="IEE")
    make_organization("Instituto Electoral del Estado de Colima", acronym="IEE")
    path = orgs_file([
        {"nombre": "Universidad de Sonora", "tipo": "académica", "alta": "2022-01-10"},  # row 2: fine
        {"nombre": "", "tipo": "privada"},  # 3: no name
        {"nombre": "Parroquia de San Juan", "tipo": "iglesia"},  # 4: unknown type
        {"nombre": "Radio Educación", "tipo": "medios", "ambito": "regional"},  # 5: unknown scope
        {"nombre": "Casa de Cultura", "tipo": "privada", "pais": "Atlántida"},  # 6: unknown country
        {"nombre": "Observatorio A", "tipo": "sociedad civil", "sitio_web": "www.sin-esquema.org"},  # 7
        {"nombre": "Observatorio B", "tipo": "sociedad civil", "correo": "contacto@"},  # 8
        {"nombre": "Observatorio C", "tipo": "sociedad civil", "pais": "MX", "telefono": "55 12"},  # 9
        {"nombre": "Observatorio D", "tipo": "sociedad civil", "alta": "10/01/2022"},  # 10: date format
        {"nombre": "Observatorio E", "tipo": "sociedad civil", "alta": "2024-01-01", "baja": "2023-01-01"},  # 11
        {"nombre": "IEE", "tipo": "electoral"},  # 12: two recorded organizations share that acronym
        {"nombre": "Universidad Autónoma", "siglas": "UA", "tipo": "académica"},  # 13 and 14 match each other
        {"nombre": "U A", "tipo": "académica"},  # 14
        {"nombre": "Tamaulipas", "siglas": "IETAM", "tipo": "electoral", "baja": "2020-01-01"},  # 15: baja before alta
    ])
    code, lines = cli("organizations", "import", path)
    assert code == 1
    reported = {(int(line.split(":")[0].removeprefix("row ")), line.split(": ")[1]) for line in lines}
    assert reported == {(3, "nombre"), (4, "tipo"), (5, "ambito"), (6, "pais"), (7, "sitio_web"), (8, "correo"),
                        (9, "telefono"), (10, "alta"), (11, "baja"), (12, "nombre"), (13, "siglas"), (14, "nombre"),
                        (15, "baja")}, lines
    assert count() == 3  # nothing written


def test_dry_run_reports_the_counts_and_writes_nothing(cli, orgs_file):
    path = orgs_file([{"nombre": "Universidad de Sonora", "siglas": "UNISON", "tipo": "académica"}])
    assert cli("organizations", "import", path, "--dry-run") == (0, ["created 1, updated 0", "dry run: nothing written"])
    assert count() == 0


def test_rows_match_by_name_or_acronym_ignoring_case_accents_and_spaces(cli, orgs_file):
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")
    unam = make_organization("Universidad Nacional Autónoma de México", type="academica", scope="nacional")
    path = orgs_file([
        {"nombre": "instituto  nacional ELECTORAL", "tipo": "electoral", "ambito": "nacional"},
        {"nombre": "UNIVERSIDAD NACIONAL AUTONOMA DE MEXICO", "siglas": "UNAM", "tipo": "Académica"},
        {"nombre": "I N E", "tipo": "electoral", "correo": "contacto@ine.mx"},  # by acronym: does not rename
    ])
    code, lines = cli("organizations", "import", path)  # rows 2 and 4 name the same recorded organization
    assert (code, [line.split(":")[0] for line in lines]) == (1, ["row 2", "row 4"]), lines
    path = orgs_file([
        {"nombre": "UNIVERSIDAD NACIONAL AUTONOMA DE MEXICO", "siglas": "UNAM", "tipo": "Académica"},
        {"nombre": "I N E", "tipo": "electoral", "correo": "contacto@ine.mx", "ambito": "nacional"},
    ])
    assert cli("organizations", "import", path) == (0, ["created 0, updated 2"])
    orgs = registry()
    assert orgs["Instituto Nacional Electoral"].id == ine.id  # the acronym matched: the name is kept
    assert (orgs["Instituto Nacional Electoral"].type, orgs["Instituto Nacional Electoral"].email) == (
        "electoral", "contacto@ine.mx")
    assert orgs["UNIVERSIDAD NACIONAL AUTONOMA DE MEXICO"].id == unam.id  # a non-empty nombre replaces the name
    assert orgs["UNIVERSIDAD NACIONAL AUTONOMA DE MEXICO"].acronym == "UNAM"


def test_alta_defaults_to_the_import_date_and_a_later_alta_opens_a_new_period(cli, orgs_file):
    from crm.core.timeutil import local_today

    path = orgs_file([{"nombre": "Instituto Electoral de Tamaulipas", "tipo": "electoral"}])
    assert cli("organizations", "import", path)[0] == 0
    today = local_today().isoformat()
    assert periods(registry()["Instituto Electoral de Tamaulipas"]) == [(today, None)]
    steps = [({"alta": "2021-05-01"}, [("2021-05-01", None)]),  # the current period's alta is corrected
             ({"baja": "2023-06-30"}, [("2021-05-01", "2023-06-30")]),  # it ends
             ({"alta": "2024-02-01"}, [("2021-05-01", "2023-06-30"), ("2024-02-01", None)])]  # and resumes
    for cells, expected in steps:
        path = orgs_file([{"nombre": "Instituto Electoral de Tamaulipas", "siglas": "IETAM", "tipo": "electoral",
                           **cells}])
        assert cli("organizations", "import", path) == (0, ["created 0, updated 1"])
        assert periods(registry()["Instituto Electoral de Tamaulipas"]) == expected
    path = orgs_file([{"nombre": "IETAM", "tipo": "electoral", "alta": "2022-01-01"}])  # inside the ended period
    code, lines = cli("organizations", "import", path)
    assert code == 1 and lines == ["row 2: alta: el alta (2022-01-01) es anterior a la baja del periodo anterior "
                                   "(2023-06-30)"]


def test_a_phone_without_country_code_is_read_in_pais_or_the_stored_country(cli, orgs_file):
    make_organization("Consulado General de México en Chicago", country="US")
    path = orgs_file([{"nombre": "Consulado General de México en Chicago", "tipo": "gubernamental",
                       "telefono": "(312) 738-2383"},
                      {"nombre": "Casa de España", "tipo": "privada", "pais": "España", "telefono": "91 123 45 67"}])
    assert cli("organizations", "import", path) == (0, ["created 1, updated 1"])
    orgs = registry()
    assert orgs["Consulado General de México en Chicago"].phone == "+13127382383"
    assert (orgs["Casa de España"].phone, orgs["Casa de España"].country) == ("+34911234567", "ES")


def test_export_imports_back_unchanged_and_both_are_audited(cli, orgs_file, tmp_path):
    path = orgs_file([
        {"nombre": "Instituto Electoral de Tamaulipas", "siglas": "IETAM", "tipo": "electoral", "ambito": "local",
         "sitio_web": "https://www.ietam.org.mx", "correo": "=cmd@ietam.org.mx", "telefono": "+52 834 315 1200",
         "alta": "2021-05-01", "baja": "2024-12-31"},
        {"nombre": "-Medios Unidos", "tipo": "medios de comunicación", "pais": "US", "alta": "2020-01-01"},
        {"nombre": "Dirección de Vinculación", "tipo": "área interna", "alta": "2019-01-01"},
    ])
    assert cli("organizations", "import", path)[0] == 0
    for suffix in ("csv", "xlsx"):
        out = tmp_path / f"registro.{suffix}"
        assert cli("organizations", "export", out) == (0, ["exported 3"])
        before = {name: (o.acronym, o.type, o.scope, o.country, o.website, o.email, o.phone, periods(o))
                  for name, o in registry().items()}
        assert cli("organizations", "import", out) == (0, ["created 0, updated 3"])
        after = {name: (o.acronym, o.type, o.scope, o.country, o.website, o.email, o.phone, periods(o))
                 for name, o in registry().items()}
        assert after == before
    text = (tmp_path / "registro.csv").read_text(encoding="utf-8-sig")
    assert "'-Medios Unidos" in text and "+528343151200" in text and "'=cmd@" not in text.replace("'=cmd", "=x")
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("organizations.export") == 2 and actions.count("organizations.import") == 3


def test_a_file_that_cannot_be_read_is_one_clear_line(cli, tmp_path):
    bad = tmp_path / "organizaciones.csv"
    bad.write_bytes("nombre,tipo\nCaf\xe9,privada\n".encode("latin-1"))
    code, lines = cli("organizations", "import", bad)
    assert code == 1 and len(lines) == 1 and "UTF-8" in lines[0]


def test_organizations_named_in_other_files_are_unclassified_and_related_since_their_creation(app, cli, tmp_path):
    from crm.core.timeutil import local_today

    contacts = tmp_path / "contactos.csv"
    contacts.write_text("nombre,primer_apellido,correo,organizacion\nClaire,Dubois,claire@sciencespo.fr,Sciences Po\n",
                        encoding="utf-8")
    assert cli("contacts", "import", contacts)[0] == 0
    activities = tmp_path / "actividades.csv"
    activities.write_text("fecha,accion,titulo,organizaciones\n2025-02-14,AI2.2,Foro,Instituto Electoral de Jalisco\n",
                          encoding="utf-8")
    assert cli("program", "load")[0] == 0
    assert cli("activities", "import", activities)[0] == 0, cli("activities", "import", activities)
    orgs = registry()
    for name in ("Sciences Po", "Instituto Electoral de Jalisco"):  # before: government (or electoral), national
        assert (orgs[name].type, orgs[name].scope) == ("sin_clasificar", None)
        assert periods(orgs[name]) == [(local_today().isoformat(), None)]


def test_the_web_import_kind_runs_the_same_service(app):
    from crm.core.errors import ImportProblems
    from crm.core.tabular import read_csv_bytes
    from crm.imports.kinds import resolve_kind
    from tests.contacts_orgs.conftest import orgs_csv
    from tests.factories import make_user

    kind = resolve_kind("organizaciones")
    user = make_user(role="staff")
    good = read_csv_bytes(orgs_csv([{"nombre": "Universidad de Sonora", "tipo": "académica"}]))
    assert kind.run(good, user, True, "o.csv", None).summary == "1 organizaciones nuevas y 0 actualizadas"
    assert count() == 0  # the preview writes nothing
    bad = read_csv_bytes(orgs_csv([{"nombre": "Parroquia", "tipo": "iglesia"}]))
    try:
        kind.run(bad, user, False, "o.csv", None)
    except ImportProblems as exc:
        assert [(p.row, p.column) for p in exc.problems] == [(2, "tipo")]
    else:  # pragma: no cover
        raise AssertionError("a bad row was accepted")
    kind.run(good, user, False, "o.csv", None)
    assert count() == 1
