"""The mailings blueprint: the personal unsubscribe link (public) and the staff pages under /difusion."""

from crm.mailings.views import public, staff  # noqa: F401  (their routes are on `bp`)
from crm.mailings.views.blueprint import bp

__all__ = ["bp"]
