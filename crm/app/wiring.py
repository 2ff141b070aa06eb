"""What the composition root wires: every blueprint, every command group, and the handlers through which a
lower package reaches what a higher one owns without importing it (docs/architecture.md)."""

from __future__ import annotations

from flask import Flask


def connect_domains() -> None:
    """Connect the higher packages' handlers to the lower packages' extension points. Called by create_app;
    each registration is idempotent (keyed by name), so creating several apps in one process is safe."""
    from crm.contacts import references
    from crm.events import person_refs as event_refs
    from surveys import person_refs as survey_refs
    from surveys.uploads import person_refs as upload_refs

    # person references (merge, erase, access export, person page), in the order of the access export's keys;
    # the files a person sent before the surveys' own, which unlinks their responses
    references.register(event_refs.ATTENDANCE)
    references.register(event_refs.OBSERVATION_PROGRAMS)
    references.register(upload_refs.SURVEY_FILES)
    references.register(survey_refs.SURVEYS)
    from crm.mailings import person_refs as mailing_refs

    references.register(mailing_refs.MAILINGS)  # the mailings a person received (crm.mailings)

    from crm.events import links as event_links
    from surveys import event_links as survey_event_links

    event_links.register("surveys", survey_event_links.SOURCE)  # survey links on the event pages

    from crm.contacts.imports import kind as contacts_import
    from crm.events.imports import kind as events_imports
    from surveys.responses import import_kind as responses_import

    contacts_import.register()  # the kinds of web import: contacts,
    from crm.contacts.organizations import kind as organizations_import

    organizations_import.register()  # organizations,
    events_imports.register()  # activities and requests,
    responses_import.register()  # survey responses
    from crm.events.agreements import kind as agreements_import

    agreements_import.register()  # agreements (convenios)

    from crm.contacts import exporter as contacts_export
    from crm.events import reports as events_reports
    from surveys.responses import export as responses_export

    contacts_export.register()  # the kinds of background export: a filtered list of people,
    events_reports.register()  # the filtered activities and requests,
    responses_export.register()  # a survey's responses

    from crm.app.views import home
    from crm.contacts.organizations.references import register_organization_reference
    from crm.events import organizations as event_orgs
    from crm.events.agreements import organizations as agreement_orgs
    from crm.events.agreements import services as agreements

    # a merge of two organizations moves the activities, requests and participants that name the absorbed one,
    register_organization_reference("events", merge=event_orgs.merge_organization, count=event_orgs.count_links)
    # and the agreements that name it
    register_organization_reference("agreements", merge=agreement_orgs.merge_organization,
                                    count=agreement_orgs.count_links)
    home.register_block("agreements_ending", permission="view_agreements",
                        template="events/agreements/_home_ending.html", context=agreements.ending_soon)

    from crm.contacts.catalogs import match_alcaldia
    from crm.contacts.services import resolve_country
    from crm.program.reference.kinds import register_key_type

    # the program's reference figures name alcaldías and countries as contacts stores them
    register_key_type("alcaldia", match_alcaldia)
    register_key_type("pais", resolve_country)


def register_blueprints(app: Flask) -> None:
    # the survey view modules add their routes to the blueprints of surveys.blueprints (registered below)
    import surveys.analysis.views  # noqa: F401
    import surveys.builder.views  # noqa: F401
    import surveys.coding.views  # noqa: F401
    import surveys.invitations.views  # noqa: F401
    import surveys.manage.views  # noqa: F401
    import surveys.respond.views  # noqa: F401
    import surveys.uploads.views  # noqa: F401
    from crm.api.views import bp as api_bp
    from crm.app.views.home import bp as main_bp
    from crm.auth.views.account import bp as auth_bp
    from crm.auth.views.admin import bp as admin_bp
    from crm.contacts.views import bp as contacts_bp
    from crm.contacts.views import signup_bp
    from crm.events.agreements.views import bp as agreements_bp
    from crm.events.views import bp as events_bp
    from crm.exports.views import bp as exports_bp
    from crm.imports.views import bp as imports_bp
    from crm.indicators.coverage.views import bp as coverage_bp
    from crm.indicators.transparency.views import bp as transparency_bp
    from crm.indicators.views import bp as indicators_bp
    from crm.mailings.views import bp as mailings_bp
    from crm.operations.views.backups import bp as backups_bp
    from crm.operations.views.health import bp as health_bp
    from crm.program.views import bp as program_bp
    from surveys.blueprints import privacy_bp, public_bp, surveys_bp

    for blueprint in (auth_bp, main_bp, admin_bp, program_bp, contacts_bp, events_bp, surveys_bp, public_bp,
                      privacy_bp, indicators_bp, signup_bp, imports_bp, health_bp,
                      backups_bp, exports_bp, agreements_bp, coverage_bp, mailings_bp, transparency_bp,
                      api_bp):
        app.register_blueprint(blueprint)


def register_cli(app: Flask) -> None:
    from crm.app.demo import demo_cli
    from crm.auth.cli import tokens_cli, users_cli
    from crm.contacts.imports.cli import contacts_cli
    from crm.contacts.organizations.cli import organizations_cli
    from crm.events.agreements.cli import agreements_cli
    from crm.events.imports.cli import activities_cli, requests_cli
    from crm.indicators.cli import indicators_cli
    from crm.mailings.cli import mailings_cli
    from crm.operations.backup.cli import backup_cli
    from crm.operations.retention_cli import retention_cli
    from crm.program.cli import program_cli
    from surveys.manage.cli import surveys_cli

    for group in (users_cli, program_cli, demo_cli, contacts_cli, activities_cli, requests_cli, surveys_cli,
                  indicators_cli, backup_cli, retention_cli, agreements_cli, organizations_cli, mailings_cli,
                  tokens_cli):
        app.cli.add_command(group)
