"""The contacts blueprints: `bp`, the staff pages (routes in `people`, `organizations` and `privacy`), and `signup_bp`, the
public network sign-up."""

from crm.contacts.views import organizations, people, privacy  # noqa: F401  (their routes are on `bp`)
from crm.contacts.views.blueprint import bp
from crm.contacts.views.signup import bp as signup_bp

__all__ = ["bp", "signup_bp"]
