"""Accounts: creation, password rules, authentication, administration."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from crm.auth.models import User
from crm.auth.roles import Role
from crm.auth.tokens import revoke_tokens
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import utcnow

MIN_PASSWORD = 12
MAX_PASSWORD = 256


class AuthError(DomainError):
    pass


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def password_problems(password: str, email: str = "") -> list[str]:
    """Spanish messages for every rule the password breaks (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres; puede usar una frase.")
    if len(password) > MAX_PASSWORD:
        problems.append(f"La contraseña no puede tener más de {MAX_PASSWORD} caracteres.")
    folded = password.casefold()
    local = email.split("@")[0].casefold() if email else ""
    if folded in _common_passwords() or len(set(folded)) < 4:
        problems.append("La contraseña es demasiado común o repetitiva; elija otra.")
    elif local and len(local) >= 4 and local in folded:
        problems.append("La contraseña no debe contener su dirección de correo.")
    return problems


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AuthError(f"La dirección de correo «{email.strip()}» no es válida.") from None


def create_user(email: str, role: str, password: str, *, name: str = "", actor=None) -> User:
    address = normalize_email(email)
    if role not in {r.value for r in Role}:
        raise AuthError(f"El rol «{role}» no existe; use admin, staff, coordinator o viewer.")
    if db.session.scalar(select(User.id).where(User.email == address)):
        raise AuthError(f"Ya existe una cuenta con el correo {address}.")
    problems = password_problems(password, address)
    if problems:
        raise AuthError(" ".join(problems))
    user = User(email=address, role=role, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, {"email": address, "role": role})
    db.session.commit()
    return user


@cache
def _dummy_hash() -> str:
    """A hash of the same kind as the accounts' (werkzeug's scrypt), checked for unknown addresses."""
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """The user when the credentials are right and the account active; audited either way.

    An unknown address costs one hash verification too (against a dummy), so the answer's time does not tell
    which addresses have an account."""
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
    if user is None or not user.check_password(password or ""):
        audit.record(None, "auth.login_failed", ("User", user.id if user else ""), {"email": address[:254]})
        db.session.commit()
        return None
    if not user.active:
        audit.record(user, "auth.login_refused_inactive", user)
        db.session.commit()
        raise AuthError("La cuenta está desactivada. Consulte a la administración.")
    user.last_login_at = utcnow()
    audit.record(user, "auth.login", user)
    db.session.commit()
    return user


def record_logout(user: User) -> None:
    """Ends every session of the account on the server: a cookie saved before the log-out no longer loads the
    user (the loader compares the session version)."""
    user.session_version += 1
    audit.record(user, "auth.logout", user)
    db.session.commit()


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


def change_role(user: User, role: str, *, actor) -> User:
    if role not in {r.value for r in Role}:
        raise AuthError(f"El rol «{role}» no existe.")
    if user.role == "admin" and role != "admin" and user.active and _active_admins() <= 1:
        raise AuthError("No se puede quitar el rol de administración a la última cuenta administradora activa.")
    old = user.role
    user.role = role
    user.session_version += 1  # sessions restart with the new role
    audit.record(actor, "user.role_change", user, {"from": old, "to": role})
    db.session.commit()
    return user


def set_active(user: User, active: bool, *, actor) -> User:
    if not active and user.role == "admin" and user.active and _active_admins() <= 1:
        raise AuthError("No se puede desactivar la última cuenta administradora activa.")
    if actor is not None and getattr(actor, "id", None) == user.id and not active:
        raise AuthError("No puede desactivar su propia cuenta.")
    if not active:  # its API tokens end with it: a reactivated account creates new ones
        revoke_tokens(user, actor=actor)
    user.active = active
    user.session_version += 1
    audit.record(actor, "user.activate" if active else "user.deactivate", user)
    db.session.commit()
    return user


def set_password(user: User, password: str, *, actor) -> User:
    problems = password_problems(password, user.email)
    if problems:
        raise AuthError(" ".join(problems))
    user.set_password(password)
    revoke_tokens(user, actor=actor)  # a token made with the old password does not outlive it
    audit.record(actor, "user.password_change", user)
    db.session.commit()
    return user
