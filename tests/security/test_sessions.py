"""Finding 4: a session ends on the server. A session cookie saved before the log-out, a password change or
a role change no longer opens staff pages (the account's session version is bumped and compared)."""

from __future__ import annotations

from crm.auth import services
from crm.core.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, make_user

STAFF_PAGE = "/contactos"


def saved_cookie(app, client) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def opens_staff_page(app, cookie_value: str) -> bool:
    """A fresh browser replaying the saved cookie."""
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
    response = replay.get(STAFF_PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 303) and "/acceso" in response.headers["Location"]
    return False


def test_a_cookie_saved_before_log_out_no_longer_opens_staff_pages(app, client):
    user = make_user(role="staff")
    assert login(client, user).status_code == 302
    cookie = saved_cookie(app, client)
    assert opens_staff_page(app, cookie)  # the replay itself works while the session lives
    assert client.post("/salir").status_code == 302
    assert not opens_staff_page(app, cookie)
    # logging in again gives a working session
    assert login(client, user).status_code == 302
    assert client.get(STAFF_PAGE).status_code == 200


def test_log_out_ends_the_other_sessions_of_the_account_too(app, client):
    user = make_user(role="staff")
    other_device = app.test_client()
    assert login(other_device, user).status_code == 302
    assert login(client, user).status_code == 302
    client.post("/salir")
    assert other_device.get(STAFF_PAGE).status_code in (302, 303)


def test_a_password_change_ends_earlier_sessions_but_keeps_the_current_one(app, client):
    user = make_user(role="staff")
    assert login(client, user).status_code == 302
    cookie = saved_cookie(app, client)
    response = client.post("/cuenta/contrasena", data={"current": PASSWORD, "password": "Otra frase de paso larga 77"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    assert client.get(STAFF_PAGE).status_code == 200
    assert not opens_staff_page(app, cookie)


def test_a_role_change_ends_the_sessions_of_that_account(app, client):
    admin = make_user(role="admin")
    user = make_user(role="staff")
    assert login(client, user).status_code == 302
    cookie = saved_cookie(app, client)
    services.change_role(db.session.get(type(user), user.id), "viewer", actor=admin)
    assert not opens_staff_page(app, cookie)
