"""API tokens: a bearer token per staff account for the read API (crm.api), acting with the account's role.

A token is `vnc_` and 43 URL-safe characters from `secrets.token_urlsafe(32)` (32 random bytes, 256 bits). It is
shown once, when created, and stored only as its SHA-256: a fast hash is right here, unlike for passwords,
because the secret is random and long, so nobody can guess it from the hash by trying likely values (the
reason passwords need a slow hash such as scrypt); and it lets every API request find its token with one
indexed lookup. The first PREFIX_LENGTH characters are kept in the clear so that a person can tell their
tokens apart on the account page.

Services: `create_token`, `revoke_token` (one), `revoke_tokens` (every token of an account) and
`verify_token` (the API's check). Each owns its transaction and records what it did in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import utcnow

SCHEME = "vnc_"
PREFIX_LENGTH = 12  # "vnc_" and 8 characters of the secret: enough to tell tokens apart, useless to guess one
DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours (checked before hashing)
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often per token


class TokenError(DomainError):
    pass


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("length(token_hash) = 64", name="hash_sha256_hex"),
        CheckConstraint("prefix <> ''", name="prefix_not_empty"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        CheckConstraint("revoked_at IS NULL OR revoked_at >= created_at", name="revoked_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(PREFIX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def is_valid(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… of user {self.user_id}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _account(email: str) -> User:
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    if user is None:
        raise TokenError(f"No hay ninguna cuenta con el correo «{address}».")
    return user


def create_token(user: User | str, *, days: int = DEFAULT_DAYS, actor=None) -> tuple[ApiToken, str]:
    """A new token for `user` (an account or its e-mail address), valid `days` days: (the stored row, the token).
    The token itself is returned only here; the database keeps its hash."""
    if isinstance(user, str):
        user = _account(user)
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"La vigencia debe ser de 1 a {MAX_DAYS} días.")
    if not user.active:
        raise TokenError("La cuenta está desactivada; no puede recibir claves de acceso a la API.")
    secret = SCHEME + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(user_id=user.id, token_hash=hash_token(secret), prefix=secret[:PREFIX_LENGTH],
                     created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.create", user, {"token": token.prefix, "days": days})
    db.session.commit()
    return token, secret


def revoke_token(token: ApiToken, *, actor=None) -> ApiToken:
    """Revokes one token (already revoked: unchanged)."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "api_token.revoke", token.user, {"token": token.prefix})
        db.session.commit()
    return token


def revoke_tokens(user: User | str, *, actor=None) -> int:
    """Revokes every token of the account that is not yet revoked; returns how many."""
    if isinstance(user, str):
        user = _account(user)
    now = utcnow()
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                      ApiToken.revoked_at.is_(None))).all()
    if not tokens:
        return 0
    for token in tokens:
        token.revoked_at = now
    audit.record(actor, "api_token.revoke", user, {"tokens": [t.prefix for t in tokens]})
    db.session.commit()
    return len(tokens)


def tokens_of(user: User) -> list[ApiToken]:
    """The account's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def verify_token(secret: str) -> ApiToken | None:
    """The valid token with this secret, with its active account; None for an unknown, expired or revoked one.
    Records when it was last used (at most every TOUCH_EVERY, so that reads do not each write)."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.startswith(SCHEME):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = utcnow()
    if token is None or not token.is_valid(now) or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.commit()
    return token
