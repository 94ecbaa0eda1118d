"""What the report filters can offer: categories, tags, organizations and calendars in use."""

from __future__ import annotations

from dataclasses import dataclass

from concord.calendars.models import Calendar
from concord.conversations.models import Conversation, Tag
from concord.customers.models import Organization

# Pickers list at most this many; a longer list would be typed, not picked.
PICKER_LIMIT = 300


@dataclass(frozen=True)
class FilterChoices:
    categories: list[str]
    tags: list[str]
    organizations: list[tuple[int, str]]
    calendars: list[tuple[int, str]]


def report_filter_choices() -> FilterChoices:
    categories = (
        Conversation.objects.exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()[:PICKER_LIMIT]
    )
    return FilterChoices(
        categories=list(categories),
        tags=list(Tag.objects.order_by("name").values_list("name", flat=True)[:PICKER_LIMIT]),
        organizations=list(
            Organization.objects.order_by("name").values_list("pk", "name")[:PICKER_LIMIT]
        ),
        calendars=list(Calendar.objects.order_by("name").values_list("pk", "name")),
    )
