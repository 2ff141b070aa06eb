import re

from sqlalchemy import select

from crm.auth import services
from crm.auth.models import User
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, make_user


def actions():
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code in (302, 303)
    assert "/acceso" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="es"' in page
    assert "Iniciar sesión" in page


def test_login_and_logout_are_audited(client):
    user = make_user(role="staff")
    response = login(client, user)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/salir").status_code == 302
    assert client.get("/").status_code == 302
    assert actions() == ["auth.login", "auth.logout"]


def test_bad_password_is_refused_and_audited(client):
    user = make_user(role="staff")
    response = login(client, user, password="una contraseña equivocada")
    assert response.status_code == 401
    assert "Correo o contraseña incorrectos" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert actions() == ["auth.login_failed"]


def test_unknown_email_gives_the_same_message(client):
    response = client.post("/acceso", data={"email": "nadie@iecm.mx", "password": PASSWORD})
    assert response.status_code == 401
    assert "Correo o contraseña incorrectos" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client):
    user = make_user(role="staff", active=False)
    response = login(client, user)
    assert response.status_code == 403
    assert "desactivada" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_open_session(client, app):
    user = make_user(role="staff")
    admin = make_user(role="admin")
    login(client, user)
    assert client.get("/").status_code == 200
    services.set_active(user, False, actor=admin)
    assert client.get("/").status_code == 302


def test_role_change_applies_and_is_audited(client):
    admin = make_user(role="admin")
    user = make_user(role="viewer")
    login(client, admin)
    response = client.post(f"/administracion/usuarios/{user.id}/rol", data={"role": "coordinator"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == "coordinator"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.role_change")).one()
    assert entry.details == {"from": "viewer", "to": "coordinator"}
    assert entry.actor_id == admin.id


def test_last_admin_cannot_lose_the_role(app):
    admin = make_user(role="admin")
    try:
        services.change_role(admin, "staff", actor=admin)
    except services.AuthError as exc:
        assert "última" in str(exc)
    else:
        raise AssertionError("the last admin lost its role")
    assert db.session.get(User, admin.id).role == "admin"


def test_admin_creates_user_from_the_page(client):
    login(client, make_user(role="admin"))
    response = client.post("/administracion/usuarios", data={"email": "Nueva@IECM.mx", "name": "Nueva", "role": "staff",
                                                             "password": "corta"})
    assert response.status_code == 422
    assert "al menos 12 caracteres" in response.get_data(as_text=True)
    response = client.post("/administracion/usuarios", data={"email": "Nueva@IECM.mx", "name": "Nueva", "role": "staff",
                                                             "password": "tres palabras largas juntas"})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "nueva@iecm.mx")).role == "staff"
    assert "user.create" in actions()


def test_passwords_are_hashed_with_scrypt(app):
    user = make_user()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_password_rules():
    assert services.password_problems("corta") != []
    assert services.password_problems("x" * 300) != []
    assert services.password_problems("password1234") != []
    assert services.password_problems("aaaaaaaaaaaaaaaa") != []
    assert services.password_problems("rosa.tellez.2025", "rosa.tellez@example.org") != []
    assert services.password_problems("una frase de paso larga con espacios " * 3) == []
    assert services.password_problems("ñandú cóndor jaguar quetzal") == []


def test_login_is_rate_limited_with_a_spanish_message(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_LOGIN_LIMIT="5 per hour") as app:
        client = app.test_client()
        user = make_user()
        codes = [login(client, user, password="equivocada equivocada").status_code for _ in range(6)]
        assert codes[:5] == [401] * 5
        assert codes[5] == 429
        assert "Demasiados intentos" in login(client, user).get_data(as_text=True)


def test_failed_logins_are_limited_per_account_across_addresses(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_LOGIN_LIMIT="100 per hour", CRM_LOGIN_ACCOUNT_LIMIT="3 per hour") as app:
        user, other = make_user(), make_user()
        codes = []
        for number in range(4):  # each attempt from another address: the per-address limit never bites
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number + 1}"
            codes.append(login(client, user, password="equivocada equivocada").status_code)
        assert codes == [401, 401, 401, 429]
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert login(client, user).status_code == 429  # held back for the window, even with the password
        assert login(client, other).status_code == 302  # other accounts are not affected


def test_successful_logins_do_not_count_against_the_account(app_with):
    with app_with(RATELIMIT_ENABLED=True, CRM_LOGIN_LIMIT="100 per hour", CRM_LOGIN_ACCOUNT_LIMIT="2 per hour") as app:
        user = make_user()
        for _ in range(4):
            client = app.test_client()
            assert login(client, user).status_code == 302


def test_csrf_rejects_a_post_without_token(app_with):
    with app_with(WTF_CSRF_ENABLED=True) as app:
        user = make_user()
        client = app.test_client()
        response = client.post("/acceso", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "caducó" in response.get_data(as_text=True)
        page = client.get("/acceso").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/acceso", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302


def test_security_headers(client):
    response = client.get("/acceso")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client):
    user = make_user()
    response = client.post("/acceso?next=https://malicioso.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
