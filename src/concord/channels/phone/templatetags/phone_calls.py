from __future__ import annotations

from django import template

from concord.channels.phone.durations import format_seconds

register = template.Library()


@register.filter
def seconds(value: float | None) -> str:
    """A number of seconds as "4 min 12 s"; "—" for none."""
    return format_seconds(value)
