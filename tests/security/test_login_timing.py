"""Finding 8: a wrong password costs the same work whether the account exists or not (no enumeration by
timing). Counted, not timed: every log-in attempt runs exactly one password-hash computation."""

from __future__ import annotations

import pytest
import werkzeug.security

from tests.factories import make_user


@pytest.fixture
def hash_calls(monkeypatch):
    """How many password hashes werkzeug computes (check_password_hash and generate_password_hash both go
    through werkzeug.security._hash_internal)."""
    calls = []
    real = werkzeug.security._hash_internal

    def spy(method, salt, password):
        calls.append(method.split(":")[0])
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", spy)
    return calls


def attempt(client, email: str) -> int:
    return client.post("/acceso", data={"email": email, "password": "una contraseña equivocada"}).status_code


def test_unknown_and_known_accounts_cost_one_hash_each(client, hash_calls):
    user = make_user(role="staff")
    attempt(client, "alguien-mas@iecm.mx")  # the first unknown address may prepare the dummy hash once
    hash_calls.clear()

    assert attempt(client, user.email) == 401
    known = list(hash_calls)
    hash_calls.clear()
    assert attempt(client, "nadie@iecm.mx") == 401
    unknown = list(hash_calls)

    assert known == ["scrypt"]
    assert unknown == known  # the same kind and number of hash computations


def test_the_right_password_still_logs_in(client, hash_calls):
    user = make_user(role="staff")
    response = client.post("/acceso", data={"email": user.email, "password": "Una frase de paso larga 42"})
    assert response.status_code == 302
