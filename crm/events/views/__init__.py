"""The events blueprint: activities and their evidence, requests (gestiones), observation programs."""

from crm.events.views import activities, attendance, evidence, programs, requests  # noqa: F401  (their routes are on `bp`)
from crm.events.views.blueprint import bp

__all__ = ["bp"]
