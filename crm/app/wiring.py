"""What the composition root wires: every blueprint, every command group, and the handlers through which a
lower package reaches what a higher one owns without importing it (docs/architecture.md)."""

from __future__ import annotations

from flask import Flask


def connect_domains() -> None:
    """Connect the higher packages' handlers to the lower packages' extension points. Called by create_app;
    each registration is idempotent (keyed by name), so creating several apps in one process is safe."""
    # contacts: person references (merge, erase, access export, person page) from events and surveys
    # events: survey links on activity and observation-program pages
    # imports: the kinds of web import (contacts, activities, requests, survey responses)


def register_blueprints(app: Flask) -> None:
    from crm.app.views.home import bp as main_bp
    from crm.app.views.imports import bp as imports_bp
    from crm.auth.views.account import bp as auth_bp
    from crm.auth.views.admin import bp as admin_bp
    from crm.contacts.views.people import bp as contacts_bp
    from crm.contacts.views.signup import bp as signup_bp
    from crm.events.views import bp as events_bp
    from crm.indicators.views import bp as indicators_bp
    from crm.program.views import bp as program_bp
    from surveys.manage.views import bp as surveys_bp
    from surveys.respond.views import bp as public_bp
    from surveys.respond.views import privacy_bp

    for blueprint in (auth_bp, main_bp, admin_bp, program_bp, contacts_bp, events_bp, surveys_bp, public_bp,
                      privacy_bp, indicators_bp, signup_bp, imports_bp):
        app.register_blueprint(blueprint)


def register_cli(app: Flask) -> None:
    from crm.app.demo import demo_cli
    from crm.auth.cli import users_cli
    from crm.contacts.cli import contacts_cli
    from crm.events.cli import activities_cli, requests_cli
    from crm.indicators.cli import indicators_cli
    from crm.program.cli import program_cli
    from surveys.manage.cli import surveys_cli

    for group in (users_cli, program_cli, demo_cli, contacts_cli, activities_cli, requests_cli, surveys_cli,
                  indicators_cli):
        app.cli.add_command(group)
