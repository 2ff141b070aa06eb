"""Fixtures of the security suite: a populated app (tests/security/world.py) and its admin's client."""

from __future__ import annotations

import pytest

from tests.security.world import admin_client, build_world


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("crm.contacts.views.signup.MIN_SECONDS", 0)  # the sign-up's anti-bot timer
    return build_world()


@pytest.fixture
def admin(app, world):
    return admin_client(app, world)
