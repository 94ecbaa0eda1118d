"""Template helpers for the workspace."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """ "3 hours ago": one unit is enough in a list; the exact time is in a tooltip."""
    if value is None:
        return ""
    return f"{timesince(value, depth=1)} ago"


def _option(value: object, label: object, selected: str) -> SafeString:
    if str(value) == selected:
        return format_html('<option value="{}" selected>{}</option>', value, label)
    return format_html('<option value="{}">{}</option>', value, label)


@register.simple_tag
def options(choices: Iterable[tuple[Any, Any]], selected: object = "") -> SafeString:
    """The <option>s and <optgroup>s of ``choices``, escaped.

    The same markup a Django select widget renders, without a template per
    option: a picker with every agent of every team has hundreds of them.
    """
    chosen = "" if selected is None else str(selected)
    parts: list[SafeString] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            inner = format_html_join("", "{}", ((_option(v, text, chosen),) for v, text in label))
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, inner))
        else:
            parts.append(_option(value, label, chosen))
    return format_html_join("", "{}", ((part,) for part in parts))
