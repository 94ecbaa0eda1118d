"""Times in emails in the reader's zone: ``{% timezone customer|reader_zone %}``.

Emails are rendered in background tasks, where no request activated a zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import template

from concord.accounts.models import User
from concord.accounts.selectors import installation_zone, user_zone

register = template.Library()


@register.filter
def reader_zone(reader: object) -> ZoneInfo:
    """The zone of a user, or of a customer's portal login; else the installation's."""
    user = reader if isinstance(reader, User) else getattr(reader, "user", None)
    if isinstance(user, User):
        return user_zone(user=user)
    return installation_zone()
