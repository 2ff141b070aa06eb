"""WSGI entry point: gunicorn wsgi:app, flask --app wsgi; Huey's own consumer: huey_consumer wsgi.huey."""

from crm.app import create_app
from crm.core.tasks import huey  # noqa: F401  (the queue; building the app below registers every task)

app = create_app()
