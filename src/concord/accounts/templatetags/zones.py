"""Time zones in templates: the reader's zone for emails, times that name their zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

from concord.accounts.models import User
from concord.accounts.selectors import installation_zone, user_zone

register = template.Library()


@register.filter
def exact_time(value: datetime) -> str:
    """ "2026-01-16 00:30 CET (Europe/Berlin)", in the active zone: a hover title.

    Viewers read times in their own zones, so a time quoted to a colleague
    must say which one. Abbreviations alone are ambiguous ("CST") or missing
    ("+04"), hence the IANA name beside them.
    """
    local = timezone.localtime(value)
    name = str(local.tzinfo)
    abbreviation = local.tzname() or ""
    if abbreviation == name or not abbreviation:
        return f"{local:%Y-%m-%d %H:%M} {name}"
    if abbreviation[0] in "+-":  # zones without a letter abbreviation ("+04")
        return f"{local:%Y-%m-%d %H:%M} {name} (UTC{abbreviation})"
    return f"{local:%Y-%m-%d %H:%M} {abbreviation} ({name})"


@register.filter
def reader_zone(reader: object) -> ZoneInfo:
    """The zone of a user, or of a customer's portal login; else the installation's.

    For emails, rendered in background tasks where no request activated a
    zone: ``{% timezone customer|reader_zone %}``.
    """
    user = reader if isinstance(reader, User) else getattr(reader, "user", None)
    if isinstance(user, User):
        return user_zone(user=user)
    return installation_zone()
