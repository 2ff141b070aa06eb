from sqlalchemy import func, select

from crm.app.demo import load_demo
from crm.core.extensions import db


def table_counts():
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name != "audit_entry"}


def test_demo_load_is_idempotent_and_lively(app):
    load_demo()
    first = table_counts()
    assert first["person"] >= 50 and first["organization"] >= 12 and first["response"] >= 50
    assert first["activity"] > 20 and first["partner_request"] > 10 and first["program_participant"] > 5
    load_demo()
    assert table_counts() == first


def test_demo_cli(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "personas" in result.output
