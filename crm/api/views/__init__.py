"""The API's routes: `bp` (crm.app.wiring registers it) carries them all; the view modules load on first use
(crm/api/views/blueprint.py says why)."""

from crm.api.views.blueprint import bp

__all__ = ["bp"]
