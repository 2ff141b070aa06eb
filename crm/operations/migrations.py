"""The schema's migrations (Alembic through Flask-Migrate), loaded on first use.

Alembic and Flask-Migrate take about 11 MB in a process, and only `flask db ...`, a restore, the health
check and the tests need them: a web worker, the task consumer or an import job never should carry them
(docs/quality.md, peak memory of imports and exports). So `init_app` only records where the migrations are
and registers a `db` command group that sets up Flask-Migrate when one of its commands is asked for;
`ready(app)` does that set-up for code that runs Alembic itself (restore, tests, benchmarks). It sits in
crm.operations beside the restore and the health check that use it; crm.app calls `init_app`.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

DIRECTORY = str(Path(__file__).resolve().parent.parent.parent / "migrations")
_KEY = "vinculo.migrations"


def init_app(app: Flask, directory: str = DIRECTORY) -> None:
    app.extensions[_KEY] = directory
    app.cli.add_command(_Commands("db", help="Migraciones del esquema (Flask-Migrate; `db upgrade`)."))


def directory(app: Flask) -> str:
    """The migrations folder of `app`."""
    return app.extensions[_KEY]


def ready(app: Flask | None = None):
    """Flask-Migrate set up on `app` (default: the current one); returns its app.extensions["migrate"]."""
    app = app or current_app._get_current_object()
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        from crm.core.extensions import db

        Migrate(app, db, directory=directory(app), render_as_batch=True, compare_type=True)
    return app.extensions["migrate"]


def upgrade(revision: str = "head") -> None:
    """Flask-Migrate's upgrade on the current app's database."""
    ready()
    from flask_migrate import upgrade as flask_upgrade

    flask_upgrade(revision=revision)


def downgrade(revision: str) -> None:
    """Flask-Migrate's downgrade on the current app's database."""
    ready()
    from flask_migrate import downgrade as flask_downgrade

    flask_downgrade(revision=revision)


class _Commands(click.Group):
    """Flask-Migrate's `db` group, imported with Alembic when a `db` command runs: the context click makes
    for it is the real group's (its options, its callback, its commands)."""

    def _group(self, ctx: click.Context | None) -> click.Group:
        from flask.cli import ScriptInfo

        info = ctx.find_object(ScriptInfo) if ctx is not None else None
        ready(info.load_app() if info is not None else None)
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._group(parent).make_context(info_name, args, parent=parent, **extra)
