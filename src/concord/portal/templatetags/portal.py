"""Template filters that put a request's state in the customer's words."""

from __future__ import annotations

from datetime import datetime, timedelta

import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from concord.conversations.models import Conversation, Status

register = template.Library()

_STATUS_WORDS: dict[str, tuple[str, str]] = {
    Status.NEW: ("Received", "new"),
    Status.OPEN: ("In progress", "open"),
    Status.PENDING: ("Awaiting your reply", "waiting"),
    Status.ON_HOLD: ("In progress", "open"),
    Status.SOLVED: ("Solved", "solved"),
    Status.CLOSED: ("Closed", "closed"),
}


@register.filter
def status_words(status: str) -> str:
    return _STATUS_WORDS.get(status, ("In progress", "open"))[0]


@register.filter
def status_tone(status: str) -> str:
    """A CSS modifier for the status badge."""
    return _STATUS_WORDS.get(status, ("In progress", "open"))[1]


@register.filter
def working_team(conversation: Conversation) -> str:
    """Which team is working on the request now, as the customer should read it."""
    return conversation.team.name if conversation.team is not None else "Support"


@register.filter
def ago(moment: datetime) -> str:
    """ "just now", "5 minutes ago", "3 days ago"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def _web_images_only(element: str, attribute: str, value: str) -> str | None:
    # A relative or cid: image in a message (common in forwarded mail) would
    # load from the portal itself or fail; only absolute https images load.
    if element == "img" and attribute == "src" and not value.startswith("https://"):
        return None
    return value


@register.filter
def message_html(body_html: str) -> SafeString:
    """A message body for the portal: already sanitised when stored, re-checked here.

    The second pass uses nh3's own (strict) defaults, so it can only remove.
    """
    return mark_safe(nh3.clean(body_html, attribute_filter=_web_images_only))  # noqa: S308


# A feature request's status as a badge, in the colours requests use.
_IDEA_TONES = {
    "review": "new",
    "planned": "open",
    "building": "open",
    "shipped": "solved",
    "declined": "closed",
}


@register.filter
def idea_tone(status: str) -> str:
    return _IDEA_TONES.get(status, "open")
