"""Migration c9e1a3b5d7f9 keeps what existing organizations meant: the English codes become the institute's,
every organization gets one relation period from its creation's local date, and the downgrade goes back."""

from __future__ import annotations

from sqlalchemy import text

from config import TestConfig
from crm.app import create_app
from crm.core.extensions import db
from crm.operations.migrations import downgrade, upgrade

BEFORE, THIS = "b8d0f2a4c6e8", "c9e1a3b5d7f9"


def test_existing_codes_are_recoded_and_related_since_creation(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for i, (kind, scope) in enumerate([("government", "national"), ("academic", "local"),
                                               ("civil_society", "international"), ("private", "national"),
                                               ("international", "international"), ("electoral", "local")]):
                conn.execute(text("INSERT INTO organization (name, name_key, type, scope, country, website, archived, "
                                  "created_at) VALUES (:n, :n, :t, :s, 'MX', '', 0, '2024-03-01 03:00:00')"),
                             {"n": f"org{i}", "t": kind, "s": scope})
        upgrade(revision=THIS)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT type, scope FROM organization ORDER BY id")).all()
            relations = conn.execute(text("SELECT DISTINCT began_on, ended_on FROM organization_relation")).all()
        assert [tuple(r) for r in rows] == [("gubernamental", "nacional"), ("academica", "local"),
                                            ("sociedad_civil", "internacional"), ("privada", "nacional"),
                                            ("internacional", "internacional"), ("electoral", "local")]
        assert [tuple(r) for r in relations] == [("2024-02-29", None)]  # 03:00 UTC is the evening before in CDMX
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT type, scope FROM organization ORDER BY id")).all()
        assert [tuple(r) for r in back][:2] == [("government", "national"), ("academic", "local")]
        db.engine.dispose()
