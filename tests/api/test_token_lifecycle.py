"""A token does not outlive the account's credentials: deactivating the account or changing its password
revokes its tokens (a reactivated account creates new ones), and a bare token never reaches the logs."""

from __future__ import annotations

from crm.auth import services, tokens
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.operations.logs import mask
from tests.api.conftest import bearer
from tests.factories import make_user


def test_deactivating_an_account_revokes_its_tokens_for_good(client, token_for):
    admin = make_user(role="admin")
    user, secret = token_for("coordinator")
    assert client.get("/api/v1/indicators?year=2025", headers=bearer(secret)).status_code == 200
    services.set_active(user, False, actor=admin)
    services.set_active(user, True, actor=admin)
    assert client.get("/api/v1/indicators?year=2025", headers=bearer(secret)).status_code == 401
    assert all(t.revoked_at is not None for t in tokens.tokens_of(user))


def test_a_new_password_revokes_the_tokens_made_with_the_old_one(client, token_for):
    user, secret = token_for("coordinator")
    services.set_password(user, "Otra-clave-larga-2026!", actor=user)
    assert client.get("/api/v1/indicators?year=2025", headers=bearer(secret)).status_code == 401


def test_changes_without_tokens_leave_no_revocation_entry(app):
    admin, user = make_user(role="admin"), make_user(role="staff")
    services.set_active(user, False, actor=admin)
    assert db.session.query(AuditEntry).filter_by(action="api_token.revoke").count() == 0


def test_a_bare_token_is_masked_in_the_logs():
    secret = "vnc_" + "Ab3_-" * 9
    assert secret[4:] not in mask(f"GET /api/v1/people/{secret} 404") and "vnc_[token]" in mask(secret)
