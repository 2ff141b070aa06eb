"""The API's routes: importing this package adds them to `bp`, which crm.app.wiring registers."""

from crm.api.views import indicators, openapi, people, surveys  # noqa: F401  (routes)
from crm.api.views.blueprint import bp

__all__ = ["bp"]
