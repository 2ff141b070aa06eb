"""The segment `filtro:NOMBRE`: a saved filter of the people list is exactly the people the list shows for its
parameters, then the rule of who may be e-mailed applies as for every segment (CLI, pages); an unknown name is
a Spanish error naming the segment forms; the migration that adds the table goes up and down."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.contacts.saved_filters import services as saved_filters
from crm.contacts.search import people_query
from crm.core.extensions import db
from crm.mailings.models import Mailing
from crm.mailings.segments import parse_segment, segment_label, segment_people, segment_reach
from tests.factories import make_person
from tests.mailings.conftest import consented, oppose

CRITERIA = {"q": "garcia", "red": "rvc", "pais": "MX"}


def people_of_the_list() -> dict:
    """García people in and out of the filter (network, country, text), with and without consent."""
    return {
        "ana": consented("Ana", first_surname="García", networks=("rvc",), country="MX"),
        "bruno": make_person("Bruno", first_surname="Garcia", networks=("rvc",), country="MX"),  # no consent
        "carla": consented("Carla", first_surname="García", networks=("observacion",), country="MX"),
        "diego": consented("Diego", first_surname="García", networks=("rvc",), country="US"),
        "elena": consented("Elena", first_surname="Pérez", networks=("rvc",), country="MX"),
        "fer": consented("Fernanda", first_surname="García", networks=("rvc",), country="MX", status="blocked"),
    }


def run(app, *args):
    return app.test_cli_runner().invoke(args=["mailings", *args])


def body(tmp_path) -> str:
    path = tmp_path / "cuerpo.md"
    path.write_text("Hola, {nombre}:\n\nNoticias de la red.\n", encoding="utf-8")
    return str(path)


def test_the_segment_is_the_people_the_list_shows_then_consent_applies(client, login_as):
    people = people_of_the_list()
    login_as("staff")
    page = client.get("/contactos", query_string=CRITERIA).get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'href="/contactos/(\d+)"', page)}
    assert shown == {people["ana"].id, people["bruno"].id, people["fer"].id}
    assert client.post("/contactos/filtros", data={"name": "García RVC", **CRITERIA}).status_code == 302
    segment = parse_segment("filtro:garcía rvc")  # the name compared without accents or case
    assert segment.code == "filtro:García RVC" and segment_label(segment.code) == "Filtro guardado «García RVC»"
    saved = saved_filters.find_filter("García RVC")
    assert {p.id for p in segment_people(segment)} == shown == \
        {p.id for p in db.session.scalars(people_query(saved_filters.people_filter(saved)))}
    reach = segment_reach(segment)
    assert [p.id for p, _ in reach.recipients] == [people["ana"].id]
    assert reach.skipped == {"no_consent": 1, "blocked": 1}


def test_the_compose_page_lists_saved_filters_and_shows_the_skipped_before_sending(mail_app, smtp, client, login_as):
    people_of_the_list()
    saved_filters.save_filter("García RVC", CRITERIA)
    login_as("staff")
    assert 'value="filtro:García RVC"' in client.get("/difusion/nuevo").get_data(as_text=True)
    page = client.post("/difusion/nuevo", data={"segment": "filtro:García RVC", "subject": "Boletín",
                                                "body": "Hola, {nombre}.", "subject_en": "", "body_en": "",
                                                "action": "", "preview": "1"}).get_data(as_text=True)
    assert "1 persona recibirá el correo" in page and "Sin consentimiento registrado: 1" in page
    assert "Hola, Ana." in page and smtp.messages == []


def test_cli_send_to_a_saved_filter_reaches_only_who_may_be_emailed(mail_app, smtp, tmp_path):
    people = people_of_the_list()
    saved_filters.save_filter("García RVC", CRITERIA)
    result = run(mail_app, "send", "filtro:García RVC", "--subject", "Boletín", "--body", body(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "sent 1, skipped 2"
    assert smtp.to() == [people["ana"].primary_email.address]  # Bruno (no consent) and Fernanda get nothing
    assert db.session.scalar(select(Mailing)).segment == "filtro:García RVC"
    oppose(people["ana"])
    again = run(mail_app, "send", "filtro:garcia rvc", "--subject", "Otro", "--body", body(tmp_path))
    assert again.output.strip().splitlines()[-1] == "sent 0, skipped 3" and len(smtp.messages) == 1


def test_an_unknown_filter_is_a_spanish_error_naming_the_segment_forms(mail_app, smtp, tmp_path):
    consented("Ana", networks=("rvc",))
    result = run(mail_app, "send", "filtro:nadie", "--subject", "Boletín", "--body", body(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip() == ("error: no hay ningún filtro guardado «nadie»: use red:rvc, red:observacion, "
                                     "tag:NOMBRE, filtro:NOMBRE (un filtro guardado de la lista de personas) o todos")
    assert smtp.messages == [] and db.session.scalar(select(Mailing)) is None
    assert "filtro:NOMBRE" in run(mail_app, "send", "grupo:x", "--subject", "A", "--body", body(tmp_path)).output


def test_the_migration_adds_the_table_and_takes_it_away(tmp_path_factory, tmp_path):
    from tests.operations.backup_support import database_factory, execute, flask, output, scalar, table_names

    factory = database_factory(tmp_path_factory)
    databases = next(factory)
    try:
        url = databases.empty("saved_filters")
        assert flask(url, tmp_path, "db", "upgrade").returncode == 0
        assert "saved_people_filter" in table_names(url)
        execute(url, "INSERT INTO saved_people_filter (name, name_key, params, created_at) "
                     "VALUES ('Jóvenes', 'jovenes', '{\"red\": \"rvc\"}', CURRENT_TIMESTAMP)")
        assert scalar(url, "SELECT count(*) FROM saved_people_filter") == 1
        down = flask(url, tmp_path, "db", "downgrade", "f9a1b3c5d7e9")
        assert down.returncode == 0, output(down)
        assert "saved_people_filter" not in table_names(url)
        up = flask(url, tmp_path, "db", "upgrade")
        assert up.returncode == 0, output(up)
        assert scalar(url, "SELECT count(*) FROM saved_people_filter") == 0
        check = flask(url, tmp_path, "db", "check")
        assert check.returncode == 0, output(check)
    finally:
        next(factory, None)


@pytest.mark.e2e
def test_in_a_browser_staff_saves_the_list_filter_and_mails_it(live_server, page, axe_check, csp_violations, smtp):
    from tests.e2e.conftest import _expect, describe_violations, log_in

    expect = _expect()
    with live_server.app.app_context():
        people_of_the_list()
        db.session.remove()
    log_in(page, live_server.create_user("staff"))
    page.goto("/contactos?q=garcia&red=rvc&pais=MX")
    page.get_by_label("Guardar los filtros actuales con el nombre").fill("García RVC")
    page.get_by_role("button", name="Guardar este filtro").click()
    expect(page.get_by_text("Filtro «García RVC» guardado")).to_be_visible()
    assert not (problems := axe_check(page)), describe_violations(problems)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table scrolls inside its box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="Enviar un correo a «García RVC»").click()
    expect(page.get_by_label("Destinatarios")).to_have_value("filtro:García RVC")
    page.get_by_label("Asunto", exact=True).fill("Boletín")
    page.get_by_label("Mensaje", exact=True).fill("Hola, {nombre}: **noticias**.")
    page.get_by_role("button", name="Ver destinatarios y vista previa").click()
    expect(page.get_by_text("1 persona recibirá el correo")).to_be_visible()
    expect(page.locator("section[aria-labelledby=vista] strong", has_text="noticias")).to_be_visible()  # the HTML preview
    assert not (problems := axe_check(page)), describe_violations(problems)
    assert csp_violations(page) == []
