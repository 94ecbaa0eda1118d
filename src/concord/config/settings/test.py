"""Settings for the test suite: fast hashing, tasks run immediately."""

from __future__ import annotations

import os
import tempfile

# The suite signs with a fixed key of its own, so it writes no key file into
# the working directory's data dir.
os.environ.setdefault("CONCORD_SECRET_KEY", "concord-test-suite-key-" + "0" * 32)

from concord.config.settings.base import *  # noqa: F403
from concord.config.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = os.path.join(tempfile.gettempdir(), "concord-test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Tasks run inline in tests so a test sees the effect of what it enqueued.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
