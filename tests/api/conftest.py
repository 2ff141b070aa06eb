"""Helpers of the API tests: a token for an account of a given role, and its Authorization header."""

from __future__ import annotations

import pytest

from tests.factories import make_user


@pytest.fixture
def token_for(app):
    """token_for(role="admin", **user) -> (user, token): a new account of that role with a valid API token."""
    from crm.auth import tokens

    def _make(role: str = "admin", days: int = 90, **kwargs):
        user = make_user(role=role, **kwargs)
        _row, secret = tokens.create_token(user, days=days)
        return user, secret

    return _make


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
