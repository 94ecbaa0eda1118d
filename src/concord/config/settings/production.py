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
SECURE_HSTS_SECONDS = env_int("CONCORD_HSTS_SECONDS", default=0, minimum=0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
