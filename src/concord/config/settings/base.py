"""Settings shared by every environment; values come from environment variables."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from concord.config.env import env_bool, env_int, env_list, env_str, load_dotenv
from concord.config.secret import secret_key_from_environment_or_data_dir

load_dotenv(str(Path.cwd() / ".env"))

DATA_DIR = Path(env_str("CONCORD_DATA_DIR", default=str(Path.cwd() / "data"))).resolve()

# CONCORD_SECRET_KEY, else a random key generated on first start and kept in
# the data directory (mode 0600); the old published development key is refused.
SECRET_KEY = secret_key_from_environment_or_data_dir(data_dir=DATA_DIR)
DEBUG = env_bool("CONCORD_DEBUG", default=False)
ALLOWED_HOSTS = env_list("CONCORD_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CONCORD_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "auditlog",
    "concord.common",
    "concord.calendars",
    "concord.accounts",
    "concord.customers",
    "concord.conversations",
    "concord.collaboration",
    "concord.problems",
    "concord.trends",
    "concord.sla",
    "concord.routing",
    "concord.webhooks",
    "concord.notifications",
    "concord.automations",
    "concord.surveys",
    "concord.metrics",
    "concord.reports",
    "concord.goals",
    "concord.channels.email",
    "concord.channels.phone",
    "concord.workspace",
    "concord.portal",
    "concord.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages show times in the signed-in user's zone (concord.accounts).
    "concord.accounts.middleware.UserTimeZoneMiddleware",
    # Configuration changes are logged with who made them (concord.audit).
    "concord.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Last, so it sees the sign-in views' failed attempts, and the page it
    # answers a lockout with still gets the security headers above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "concord.config.urls"
ASGI_APPLICATION = "concord.config.asgi.application"
WSGI_APPLICATION = "concord.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "concord.common.context_processors.csp_nonce",
            ],
        },
    },
]


# Content-Security-Policy on every page (django-csp): customer-written HTML is
# shown in the workspace and the admin, so no script runs but our own files and
# elements carrying this response's nonce (htmx's tag, the charts' SVG styles).
# The portal and survey pages send a stricter policy of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Images in messages may come from the web (sanitised <img> only).
        "img-src": [SELF, "data:", "https:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features no Concord page uses are switched off everywhere.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Web threads keep their connection between requests (see concord.config.asgi).
_CONN_MAX_AGE = env_int("CONCORD_DB_CONN_MAX_AGE", default=600, minimum=0)


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", default="")
    if url:
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=_CONN_MAX_AGE, conn_health_checks=True)
        )
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "concord.sqlite3"),
        "CONN_MAX_AGE": _CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": True,
        # WAL lets the web server read while the task worker writes; IMMEDIATE
        # transactions avoid "database is locked" upgrades from read to write.
        "OPTIONS": {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Sign-in throttling (django-axes) for the workspace, the portal's password
# sign-in and the admin: after CONCORD_LOGIN_FAILURE_LIMIT wrong passwords for
# one account, or from one client address, password sign-in is paused for
# CONCORD_LOGIN_COOLOFF_MINUTES (even the right password is refused meanwhile).
# Admins lift a pause by deleting the row under "Access attempts".
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("CONCORD_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("CONCORD_LOGIN_COOLOFF_MINUTES", default=15, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "concord.config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "concord.common.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "concord.config.lockout.attempted_login"
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks).
# Empty: the direct peer is the client, whatever headers it sends.
CONCORD_TRUSTED_PROXIES = env_list("CONCORD_TRUSTED_PROXIES", default=[])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("CONCORD_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "workspace:login"
LOGIN_REDIRECT_URL = "workspace:inbox"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Outgoing mail: portal sign-in links, and the email channel's replies. With no
# relay configured the console backend prints each email to the server's
# output, which is what a local trial needs; naming a relay host sends by SMTP.
EMAIL_HOST = env_str("CONCORD_EMAIL_HOST", default="")
EMAIL_PORT = env_int("CONCORD_EMAIL_PORT", default=587, minimum=1)
EMAIL_HOST_USER = env_str("CONCORD_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env_str("CONCORD_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("CONCORD_EMAIL_STARTTLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = env_int("CONCORD_EMAIL_TIMEOUT", default=30, minimum=1)
EMAIL_BACKEND = env_str(
    "CONCORD_EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("CONCORD_DEFAULT_FROM_EMAIL", default="support@concord.localhost")

# The email channel. The built-in SMTP listener (port 0 turns it off) accepts
# mail for the mailboxes' addresses; IMAP mailboxes are polled every N seconds.
CONCORD_SMTP_LISTEN_HOST = env_str("CONCORD_SMTP_LISTEN_HOST", default="127.0.0.1")
CONCORD_SMTP_LISTEN_PORT = env_int("CONCORD_SMTP_LISTEN_PORT", default=2525, minimum=0)
CONCORD_IMAP_POLL_SECONDS = env_int("CONCORD_IMAP_POLL_SECONDS", default=60, minimum=5)
CONCORD_EMAIL_MAX_MESSAGE_BYTES = env_int(
    "CONCORD_EMAIL_MAX_MESSAGE_BYTES", default=25 * 1024 * 1024, minimum=64 * 1024
)
CONCORD_EMAIL_MAX_ATTACHMENT_BYTES = env_int(
    "CONCORD_EMAIL_MAX_ATTACHMENT_BYTES", default=15 * 1024 * 1024, minimum=1024
)
# Automatic acknowledgements per sender address per hour: a loop with another
# machine (or a forged sender) gets a few, never a flood.
CONCORD_EMAIL_ACK_LIMIT_PER_HOUR = env_int("CONCORD_EMAIL_ACK_LIMIT_PER_HOUR", default=3, minimum=0)
# Seconds to wait before each retry of a temporarily refused email; after the
# last one the email is marked failed.
CONCORD_EMAIL_RETRY_DELAYS = [
    int(v) for v in env_list("CONCORD_EMAIL_RETRY_DELAYS", default=["60", "300", "1800", "7200"])
]

# Where people reach this installation: links in emails and notifications sent
# from background work, where there is no request to take the host from.
CONCORD_BASE_URL = env_str("CONCORD_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Background work. A task still marked running after this many seconds is taken
# to belong to a dead worker and is queued again (every task is idempotent).
CONCORD_TASK_LEASE_SECONDS = env_int("CONCORD_TASK_LEASE_SECONDS", default=600, minimum=5)

# Problems: an announcement's runner holds it this long per chunk; the resume
# job (every N seconds) carries on one whose runner died once the hold lapsed.
CONCORD_ANNOUNCE_LEASE_SECONDS = env_int("CONCORD_ANNOUNCE_LEASE_SECONDS", default=60, minimum=1)
CONCORD_ANNOUNCE_RESUME_SECONDS = env_int("CONCORD_ANNOUNCE_RESUME_SECONDS", default=15, minimum=1)

# SLA: how often the sweep looks for due warnings and breaches.
CONCORD_SLA_SWEEP_SECONDS = env_int("CONCORD_SLA_SWEEP_SECONDS", default=30, minimum=1)
# Trends: how often the spike sweep runs; a key spikes in the last hour at
# >= max(MIN_COUNT, FACTOR x its mean in the same hour of the past WEEKS weeks).
CONCORD_TRENDS_SWEEP_SECONDS = env_int("CONCORD_TRENDS_SWEEP_SECONDS", default=300, minimum=10)
CONCORD_TRENDS_MIN_COUNT = env_int("CONCORD_TRENDS_MIN_COUNT", default=5, minimum=1)
CONCORD_TRENDS_FACTOR = env_int("CONCORD_TRENDS_FACTOR", default=3, minimum=1)
CONCORD_TRENDS_BASELINE_WEEKS = env_int("CONCORD_TRENDS_BASELINE_WEEKS", default=4, minimum=1)
# Automations: how often time rules run; how many automation steps one change may
# cause before the loop guard stops the chain.
CONCORD_TIME_RULES_SECONDS = env_int("CONCORD_TIME_RULES_SECONDS", default=300, minimum=1)
CONCORD_AUTOMATION_MAX_CHAIN = env_int("CONCORD_AUTOMATION_MAX_CHAIN", default=10, minimum=1)
# Outgoing webhooks: request timeout and the waits before each retry.
CONCORD_WEBHOOK_TIMEOUT_SECONDS = env_int("CONCORD_WEBHOOK_TIMEOUT_SECONDS", default=10, minimum=1)
CONCORD_WEBHOOK_RETRY_DELAYS = [
    int(v)
    for v in env_list("CONCORD_WEBHOOK_RETRY_DELAYS", default=["10", "60", "300", "1800", "7200"])
]

# Limits on what a single message may carry, checked by the services.
CONCORD_MAX_MESSAGE_BYTES = env_int("CONCORD_MAX_MESSAGE_BYTES", default=512 * 1024, minimum=1024)
CONCORD_MAX_SUBJECT_LENGTH = 300

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CONCORD_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes logs every attempt at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
