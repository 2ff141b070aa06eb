"""Configuration read from the environment (see ../shared/CONTRACTS.md).

No secrets live in code: SECRET_KEY comes from the environment or is generated
once and kept in the instance folder (see crm.app.create_app).
"""

from __future__ import annotations

import os
from datetime import timedelta


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "si", "sí"}


class Config:
    # Database: None means "a SQLite file in the instance folder" (resolved in create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY = os.environ.get("SECRET_KEY") or None

    CRM_TIMEZONE = os.environ.get("CRM_TIMEZONE") or "America/Mexico_City"
    CRM_BASE_URL = (os.environ.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "vinculacion@localhost"
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 20)  # seconds to wait for the SMTP server
    # mailings (crm.mailings.delivery): messages per minute, retries of a temporary (4xx) refusal, first wait
    MAIL_RATE_PER_MINUTE = float(os.environ.get("MAIL_RATE_PER_MINUTE") or 60)
    MAIL_RETRY_ATTEMPTS = int(os.environ.get("MAIL_RETRY_ATTEMPTS") or 3)
    MAIL_RETRY_BACKOFF = float(os.environ.get("MAIL_RETRY_BACKOFF") or 5)

    # Sessions and cookies (OWASP ASVS L2).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", default=False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("CRM_IDLE_MINUTES") or 30))
    SESSION_REFRESH_EACH_REQUEST = True

    # CSRF: tokens do not expire with the clock (a survey left open for hours
    # still submits); they are tied to the session instead.
    WTF_CSRF_TIME_LIMIT = None

    # How long a SQLite writer waits for another one to finish before giving up. Keep it under the web
    # server's worker timeout (gunicorn: 30 s by default), so that a request that waits too long ends with an
    # error page instead of its worker being killed.
    CRM_SQLITE_BUSY_SECONDS = float(os.environ.get("CRM_SQLITE_BUSY_SECONDS") or 20)

    # Uploads.
    MAX_CONTENT_LENGTH = int(os.environ.get("CRM_MAX_UPLOAD_MB") or 20) * 1024 * 1024
    # Files answering image/audio/video/file questions (surveys/uploads): kept in CRM_UPLOAD_DIR (empty: the
    # instance folder's survey_files/), each at most CRM_UPLOAD_MAX_MB. Back this folder up with the database.
    CRM_UPLOAD_DIR = os.environ.get("CRM_UPLOAD_DIR") or ""
    CRM_UPLOAD_MAX_MB = int(os.environ.get("CRM_UPLOAD_MAX_MB") or 10)
    # Documents staff attach (crm/core/documents.py: signed agreements, activity evidence): kept in
    # CRM_DOCUMENT_DIR (empty: the instance folder's documents/), each at most CRM_DOCUMENT_MAX_MB. Back it up too.
    CRM_DOCUMENT_DIR = os.environ.get("CRM_DOCUMENT_DIR") or ""
    CRM_DOCUMENT_MAX_MB = int(os.environ.get("CRM_DOCUMENT_MAX_MB") or 20)

    # Background tasks (Huey, crm/core/tasks.py): long imports run outside the request.
    # CRM_TASKS_URL: empty -> a SQLite file in the instance folder (tasks.db); "sqlite:////path/file.db";
    # "redis://host:6379/0" when several machines share the queue (needs `pip install redis`);
    # "memory://" only with CRM_TASKS_IN_PROCESS (the queue lives in the web process).
    CRM_TASKS_URL = os.environ.get("CRM_TASKS_URL") or ""
    # Run the tasks inside the request that enqueues them (tests): no consumer needed.
    CRM_TASKS_IMMEDIATE = _bool("CRM_TASKS_IMMEDIATE", default=False)
    # Start a consumer thread inside the web process at its first request (`make run`, one-machine demos);
    # production runs `flask --app wsgi tasks worker` (or `huey_consumer wsgi.huey`) as its own process.
    CRM_TASKS_IN_PROCESS = _bool("CRM_TASKS_IN_PROCESS", default=False)
    # Staff downloads (people, survey responses) of more rows than this run as a background export (crm/exports).
    CRM_EXPORT_INLINE_ROWS = int(os.environ.get("CRM_EXPORT_INLINE_ROWS") or 5000)

    # Rate limits.
    # Empty: a SQLite file in the instance folder (limits.db) that every worker of this machine shares
    # (crm/core/ratelimit.py); redis://... when several machines serve; memory:// counts per process.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", default=True)
    RATELIMIT_HEADERS_ENABLED = False
    # A moving window: no counter resets at the turn of a minute (a burst cannot straddle two windows).
    RATELIMIT_STRATEGY = os.environ.get("RATELIMIT_STRATEGY") or "moving-window"
    CRM_LOGIN_LIMIT = os.environ.get("CRM_LOGIN_LIMIT") or "5 per minute;30 per hour"
    # Failed log-ins per account from any address; only wrong passwords count, so the account's owner is
    # held back only while someone is guessing, and for at most the window.
    CRM_LOGIN_ACCOUNT_LIMIT = os.environ.get("CRM_LOGIN_ACCOUNT_LIMIT") or "10 per 15 minutes"
    # Respondent pages: failed token look-ups per address, and the same form posted again and again.
    CRM_PUBLIC_MISS_LIMIT = os.environ.get("CRM_PUBLIC_MISS_LIMIT") or "20 per minute"  # per browser
    # ... and per address, all browsers together (one NAT on election day: hundreds of people)
    CRM_PUBLIC_MISS_ADDRESS_LIMIT = os.environ.get("CRM_PUBLIC_MISS_ADDRESS_LIMIT") or "300 per minute"
    CRM_PUBLIC_REPEAT_LIMIT = os.environ.get("CRM_PUBLIC_REPEAT_LIMIT") or "10 per minute"
    # The read API (/api/v1, docs/api.md): requests per token, and refused tokens per address
    CRM_API_LIMIT = os.environ.get("CRM_API_LIMIT") or "120 per minute;3000 per hour"
    CRM_API_FAILURE_LIMIT = os.environ.get("CRM_API_FAILURE_LIMIT") or "30 per minute"
    # The public transparency page (docs/transparency.md): how often its data stamp is re-read, and the most
    # seconds a cached page or CSV is served whatever the stamp
    CRM_TRANSPARENCY_STAMP_SECONDS = float(os.environ.get("CRM_TRANSPARENCY_STAMP_SECONDS") or 30)
    CRM_TRANSPARENCY_MAX_AGE = float(os.environ.get("CRM_TRANSPARENCY_MAX_AGE") or 600)
    # Open-link bursts listed on a survey's page for review (surveys/responses/bursts.py): this many responses
    # from one address within this many seconds (the per-survey open-link limits are survey settings)
    CRM_BURST_RESPONSES = int(os.environ.get("CRM_BURST_RESPONSES") or 20)
    CRM_BURST_SECONDS = int(os.environ.get("CRM_BURST_SECONDS") or 60)
    # Number of reverse proxies in front of the app (X-Forwarded-For/-Proto trusted from that many hops).
    CRM_PROXIES = int(os.environ.get("CRM_PROXIES") or 0)

    # Operations (crm/operations): logs, error reporting, health.
    CRM_LOG_FORMAT = os.environ.get("CRM_LOG_FORMAT") or "text"  # "json": one JSON object per line
    CRM_LOG_LEVEL = os.environ.get("CRM_LOG_LEVEL") or "INFO"
    CRM_SENTRY_DSN = os.environ.get("CRM_SENTRY_DSN") or ""  # empty: no error reporting (the default)
    CRM_SENTRY_ENVIRONMENT = os.environ.get("CRM_SENTRY_ENVIRONMENT") or "production"
    # /salud: the task consumer is "stale" when its last heartbeat is older than this
    CRM_HEARTBEAT_STALE_SECONDS = int(os.environ.get("CRM_HEARTBEAT_STALE_SECONDS") or 180)
    CRM_HEALTH_CACHE_SECONDS = float(os.environ.get("CRM_HEALTH_CACHE_SECONDS") or 2)
    # Backups (crm/operations/backup): the daily one at CRM_BACKUP_HOUR local time (CRM_TIMEZONE; set it empty
    # to turn it off), written to CRM_BACKUP_DIR (empty: instance/backups), keeping the last CRM_BACKUP_KEEP.
    CRM_BACKUP_DIR = os.environ.get("CRM_BACKUP_DIR") or ""
    CRM_BACKUP_HOUR = os.environ.get("CRM_BACKUP_HOUR", "3")
    CRM_BACKUP_KEEP = int(os.environ.get("CRM_BACKUP_KEEP") or 14)

    # Retention (crm/operations/retention.py), in months; empty or 0 keeps that kind for good. The defaults are
    # the periods the privacy notice states (crm/contacts/privacy/privacy_notice.yaml, facts conservacion_*).
    CRM_RETAIN_AUDIT_MONTHS = os.environ.get("CRM_RETAIN_AUDIT_MONTHS", "60")
    CRM_RETAIN_RESPONSES_MONTHS = os.environ.get("CRM_RETAIN_RESPONSES_MONTHS", "36")
    CRM_RETAIN_INVITATIONS_MONTHS = os.environ.get("CRM_RETAIN_INVITATIONS_MONTHS", "24")
    CRM_RETAIN_CONSENTS_MONTHS = os.environ.get("CRM_RETAIN_CONSENTS_MONTHS", "60")
    CRM_RETAIN_FORMER_MEMBERS_MONTHS = os.environ.get("CRM_RETAIN_FORMER_MEMBERS_MONTHS", "24")
    # the keyed hashes of address and browser kept with open-link responses (limits, burst review)
    CRM_RETAIN_RESPONSE_KEYS_MONTHS = os.environ.get("CRM_RETAIN_RESPONSE_KEYS_MONTHS", "2")
    # people who signed up on the public form and never confirmed their address
    CRM_RETAIN_UNCONFIRMED_MONTHS = os.environ.get("CRM_RETAIN_UNCONFIRMED_MONTHS", "3")
    # in days: answers a personal link saved to continue later and never sent (surveys.respond.drafts)
    CRM_RETAIN_DRAFTS_DAYS = os.environ.get("CRM_RETAIN_DRAFTS_DAYS", "30")
    CRM_RETENTION_HOUR = os.environ.get("CRM_RETENTION_HOUR", "4")  # local hour of the daily run; empty: off

    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Legal texts live in data (crm/contacts privacy notices), not in code; these
    # are the configurable facts around them.
    CRM_ARCO_DEADLINE_BUSINESS_DAYS = int(os.environ.get("CRM_ARCO_DEADLINE_BUSINESS_DAYS") or 20)
    CRM_CHECK_DATABASE_AT_START = True
    TESTING = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"  # per test app; tests through gunicorn get the shared file
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 (tests only)
    CRM_CHECK_DATABASE_AT_START = False
    SERVER_NAME = None
    CRM_TASKS_IMMEDIATE = True  # tasks run inside the request (Huey's immediate mode, in-memory storage)
    CRM_TASKS_IN_PROCESS = False
