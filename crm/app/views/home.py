"""The home page: what a staff member needs to see first."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from crm.contacts.models import Membership, Network, Organization, Person
from crm.core.extensions import db
from crm.events.models import Activity, PartnerRequest
from surveys.models import Response, Survey

bp = Blueprint("main", __name__)


@dataclass(frozen=True)
class HomeBlock:
    """A block another package adds to the home page: shown to accounts with `permission`, rendered from
    `template` with `block` = what `context()` returns."""

    permission: str
    template: str
    context: Callable[[], object]


_blocks: dict[str, HomeBlock] = {}


def register_block(name: str, *, permission: str, template: str, context: Callable[[], object]) -> None:
    """Add a block below the figures (crm.app.wiring registers them; the same name again replaces it)."""
    _blocks[name] = HomeBlock(permission, template, context)


@bp.get("/")
@login_required
def home():
    def count(query):
        return db.session.scalar(query) or 0

    figures = {
        "people": count(select(func.count(Person.id)).where(Person.status != "anonymized")),
        "organizations": count(select(func.count(Organization.id)).where(Organization.archived.is_(False))),
        "activities": count(select(func.count(Activity.id))),
        "pending_requests": count(select(func.count(PartnerRequest.id)).where(PartnerRequest.attended_on.is_(None))),
        "open_surveys": count(select(func.count(Survey.id)).where(Survey.state == "open")),
        "responses": count(select(func.count(Response.id))),
    }
    networks = db.session.execute(
        select(Network.name, func.count(Membership.id))
        .join(Membership, Membership.network_id == Network.id, isouter=True)
        .group_by(Network.id, Network.name).order_by(Network.name)
    ).all()
    blocks = [(block.template, block.context()) for block in _blocks.values() if current_user.can(block.permission)]
    return render_template("home.html", figures=figures, networks=networks, blocks=blocks)
