"""Production settings: every secret must come from the environment."""

from __future__ import annotations

from concord.config.env import env_bool, env_int, env_list, env_str
from concord.config.secret import check_secret_key
from concord.config.settings.base import *  # noqa: F403

# A server farm needs one key on every host: production takes it from the
# environment only (and still refuses the published development key).
SECRET_KEY = check_secret_key(
    key=env_str("CONCORD_SECRET_KEY", required=True), origin="CONCORD_SECRET_KEY"
)
DEBUG = False
ALLOWED_HOSTS = env_list("CONCORD_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CONCORD_ALLOWED_HOSTS must name at least one host in production.")
SESSION_COOKIE_SECURE = env_bool("CONCORD_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production is served over HTTPS (usually TLS ends at a reverse proxy that
# sets X-Forwarded-Proto). Browsers are told to use HTTPS for a year; set
# CONCORD_HSTS_SECONDS=0 to turn HSTS off (e.g. while trying a new host name),
# and CONCORD_SSL_REDIRECT=false when the proxy already redirects.
SECURE_HSTS_SECONDS = env_int("CONCORD_HSTS_SECONDS", default=31_536_000, minimum=0)
# Subdomains of Concord's own host name only (not its siblings).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CONCORD_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("CONCORD_HSTS_PRELOAD", default=False)
# Preloading is a decision about the whole registered domain (the list takes
# only apex domains, and leaving it takes months), not one an application can
# make for its owner: off unless asked for, so Django's reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_SSL_REDIRECT = env_bool("CONCORD_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
