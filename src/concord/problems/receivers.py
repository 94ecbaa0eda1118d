"""What problems add at start-up: the job that resumes announcements whose runner died."""

from __future__ import annotations

from django.conf import settings

from concord.common import scheduler


def _resume() -> object:
    from concord.problems.announce import announcements_resume

    return announcements_resume()


def connect() -> None:
    every = float(settings.CONCORD_ANNOUNCE_RESUME_SECONDS)
    scheduler.register(name="problems.resume-announcements", every=every, run=_resume)
