"""The import's write step (crm.contacts.imports.write, crm.contacts.sql): tuples straight to the driver, one
transaction.

Rows go to SQLite as multi-row INSERT statements and to PostgreSQL through COPY, without SQLAlchemy's
per-row processing: what is stored must still be what the ORM stores and reads back (datetimes,
booleans, defaults), every e-mail/phone/membership must land on its own person whatever the batch
sizes, progress is reported, and a failure in the middle of the writing leaves nothing behind.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from crm.contacts import sql
from crm.contacts.imports import write as import_write
from crm.contacts.models import (
    Affiliation,
    Consent,
    Membership,
    Organization,
    Person,
    PersonEmail,
    PersonPhone,
)
from crm.core.extensions import db
from crm.core.timeutil import local_midnight_utc, utcnow
from tests.contacts.conftest import person_row
from tests.factories import make_person

MODELS = (Person, PersonEmail, PersonPhone, Membership, Organization, Affiliation, Consent)


def counts() -> dict[str, int]:
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def phone(n: int) -> str:
    return f"{2000 + n % 8000:04d}{n % 10000:04d}"  # the 8 digits after 55 (Mexico City)


def numbered_rows(count: int) -> list[dict]:
    return [person_row(nombre=f"Persona{n}", primer_apellido=f"Apellido{n}", correo=f"p{n}@example.org",
                       telefono=f"55 {phone(n)[:4]} {phone(n)[4:]}", red=("rvc", "observacion", "rvc;observacion")[n % 3],
                       organizacion=f"Organización {n % 4}", cargo=f"Cargo {n}",
                       consentimiento=f"2024-01-{n % 28 + 1:02d}") for n in range(count)]


def test_small_batches_keep_every_row_with_its_person(app, run_import, monkeypatch):
    """Statements of 3 rows and batches of 7: the leftovers and the batch edges land on the right people."""
    monkeypatch.setattr(sql, "ROWS_PER_STATEMENT", 3)
    monkeypatch.setattr(sql, "WRITE_CHUNK", 7)
    result = run_import(numbered_rows(23))
    assert (result.created, result.updated) == (23, 0)
    assert counts() == {"person": 23, "person_email": 23, "person_phone": 23, "membership": 23 + 23 // 3,
                        "organization": 4, "affiliation": 23, "consent": 23}
    db.session.expire_all()
    people = db.session.scalars(select(Person).order_by(Person.id)).all()
    assert [p.given_name for p in people] == [f"Persona{n}" for n in range(23)]
    assert [p.id - people[0].id for p in people] == list(range(23))
    for n, person in enumerate(people):
        assert [e.address for e in person.emails] == [f"p{n}@example.org"]
        assert [(p.e164, p.is_primary, p.whatsapp) for p in person.phones] == [(f"+5255{phone(n)}", True, False)]
        assert sorted(m.network.code for m in person.memberships) == sorted(
            ("rvc", "observacion", "observacion;rvc")[n % 3].split(";"))
        assert [(a.organization.name, a.position) for a in person.affiliations] == [(f"Organización {n % 4}",
                                                                                      f"Cargo {n}")]
        assert [c.accepted_at for c in person.consents] == [local_midnight_utc(date(2024, 1, n % 28 + 1))]
        assert person.name_key == f"persona{n} apellido{n}"


def test_stored_values_are_what_the_orm_stores(app, run_import):
    before = utcnow()
    run_import([person_row(telefono="55 2233 4455", red="rvc", organizacion="INE", consentimiento="2024-05-06")])
    after = utcnow()
    db.session.expire_all()
    person = db.session.scalar(select(Person))
    assert isinstance(person.created_at, datetime) and before <= person.created_at <= after
    assert person.updated_at == person.created_at and person.status == "active"
    assert person.memberships[0].joined_at == person.created_at and person.memberships[0].status == "active"
    assert person.memberships[0].source == "import" and person.memberships[0].confirm_token is None
    assert person.affiliations[0].created_at == person.created_at
    assert person.emails[0].is_primary is True and person.phones[0].whatsapp is False
    org = db.session.scalar(select(Organization))
    assert (org.type, org.scope, org.country, org.archived) == ("sin_clasificar", None, "MX", False)
    # comparisons in SQL see the same values (on SQLite: the same text format as the ORM writes)
    assert db.session.scalar(select(func.count()).select_from(Person).where(
        Person.created_at >= before - timedelta(seconds=1), Person.created_at <= after)) == 1
    assert db.session.scalar(select(func.count()).select_from(Consent).where(
        Consent.accepted_at == local_midnight_utc(date(2024, 5, 6)))) == 1
    if db.engine.dialect.name == "sqlite":
        make_person(email="orm@example.org")
        stamps = db.session.execute(text("SELECT created_at FROM person ORDER BY id")).scalars().all()
        pattern = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}")
        assert len(stamps) == 2 and all(pattern.fullmatch(s) for s in stamps), stamps
        assert db.session.execute(text("SELECT typeof(is_primary), is_primary FROM person_email "
                                       "ORDER BY id")).all() == [("integer", 1), ("integer", 1)]


def test_updates_are_written_like_new_rows(app, run_import):
    person = make_person(given_name="Rosa", first_surname="Téllez", email="rosa.tellez@gmail.com")
    stored_at = person.updated_at
    run_import([person_row(nombre="Rosaura", telefono="55 2233 4455", ciudad="Toluca")])
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert (person.given_name, person.city, person.name_key) == ("Rosaura", "Toluca", "rosaura tellez")
    assert isinstance(person.updated_at, datetime) and person.updated_at >= stored_at
    assert [p.e164 for p in person.phones] == ["+525522334455"]


def test_progress_while_reading_and_while_writing(app, contacts_file, monkeypatch):
    from crm.contacts.imports.pipeline import import_contacts_file

    monkeypatch.setattr(sql, "WRITE_CHUNK", 4)
    path = contacts_file(numbered_rows(10))
    read, written = [], []
    result = import_contacts_file(path, progress=read.append, write_progress=lambda *a: written.append(a))
    assert result.created == 10 and sum(read) == 10
    total = written[0][1]
    assert written[0] == (0, total) and written[-1] == (total, total) and len(written) > 3
    assert all(t == total for _, t in written) and [d for d, _ in written] == sorted(d for d, _ in written)
    assert total == sum(counts().values()) - 4  # every row written but the 4 organizations

    calls = []
    import_contacts_file(contacts_file(numbered_rows(3)), dry_run=True, write_progress=lambda *a: calls.append(a))
    assert calls == []


def test_progress_callback_with_one_argument_still_works(app, contacts_file):
    """Callers that only know `progress(n)` (the CLI's progress bar) see the same calls as before."""
    from crm.contacts.imports.pipeline import import_contacts_file

    read = []
    assert import_contacts_file(contacts_file(numbered_rows(2500)), progress=read.append).created == 2500
    assert read == [1000, 1000, 500]


def test_a_failure_in_the_middle_of_the_writing_writes_nothing(app, run_import, monkeypatch):
    insert = import_write.insert_tuples

    def failing(model, columns, rows, progress=None):
        if model is Consent:  # the last table: people, e-mails, phones... are already in the transaction
            raise RuntimeError("disk full")
        return insert(model, columns, rows, progress)

    monkeypatch.setattr(import_write, "insert_tuples", failing)
    with pytest.raises(RuntimeError):
        run_import(numbered_rows(30))
    assert set(counts().values()) == {0}
    monkeypatch.setattr(import_write, "insert_tuples", insert)
    assert run_import(numbered_rows(30)).created == 30
    assert counts()["consent"] == 30
