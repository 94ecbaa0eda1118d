"""Template helpers for the workspace."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape as _escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from concord.accounts.templatetags.zones import exact_time
from concord.conversations.models import Channel, Message, Priority, Status
from concord.conversations.selectors import InboxRow

register = template.Library()

# Status, priority and channel values are distinct, so one table names them all.
_LABELS: dict[str, str] = {
    **dict(Status.choices),
    **dict(Priority.choices),
    **dict(Channel.choices),
}


@register.filter
def ago(value: datetime | None) -> str:
    """ "3 hours ago": one unit is enough in a list; the exact time is in a tooltip."""
    if value is None:
        return ""
    return f"{timesince(value, depth=1)} ago"


@register.filter
def label(value: str) -> str:
    """The label of a status, priority or channel value.

    What ``get_status_display`` gives, without its per-call hashing of the
    choices: it showed in the profile of a 50-row inbox.
    """
    return _LABELS.get(value, value)


@register.filter
def time_ago(value: datetime) -> SafeString:
    """``<time>`` with the machine-readable moment, the local time as a tooltip, and "… ago".

    One filter instead of three ``date`` filters per row (``date`` formats
    through a slow generic formatter).
    """
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        exact_time(local),
        ago(value),
    )


@register.filter
def when(value: datetime) -> SafeString:
    """``<time>`` showing "Nov 3, 14:05" in the viewer's time, the full one with its zone on hover.

    The timeline shows one per message and event; this skips the generic
    ``date`` formatter, which was a visible share of the page's time.
    """
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{} {}, {}</time>',
        local.isoformat(),
        exact_time(local),
        _MONTHS[local.month - 1],
        local.day,
        local.strftime("%H:%M"),
    )


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def escape(value: object) -> str:
    """Django's ``escape`` without its lazy-string wrapper, which is costly per call."""
    return _escape(str(value))


def _option(value: object, text: object, selected: str) -> str:
    chosen = " selected" if str(value) == selected else ""
    return f'<option value="{escape(value)}"{chosen}>{escape(text)}</option>'


@register.simple_tag
def options(choices: Iterable[tuple[Any, Any]], selected: object = "") -> SafeString:
    """The <option>s and <optgroup>s of ``choices``, escaped.

    The same markup a Django select widget renders, without a template per
    option: a picker with every agent of every team has hundreds of them, so
    it is joined as plain strings (each part escaped) rather than by format_html.
    """
    chosen = "" if selected is None else str(selected)
    parts: list[str] = []
    for value, text in choices:
        if isinstance(text, list | tuple):
            inner = "".join(_option(v, t, chosen) for v, t in text)
            parts.append(f'<optgroup label="{escape(value)}">{inner}</optgroup>')
        else:
            parts.append(_option(value, text, chosen))
    return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above


@register.simple_tag
def inbox_rows(rows: Iterable[InboxRow], conversation_url: str) -> SafeString:
    """The inbox's ``<tr>``s, one per row, every value escaped.

    Built as plain strings for the same reason as ``options``: through the
    template engine, fifty rows of a dozen values each were most of the
    inbox's time (the target is 30 ms for the whole page). The markup is the
    one ``_inbox_list.html`` documents; keep the two in step.
    """
    return mark_safe("".join(_inbox_row(row, conversation_url) for row in rows))  # noqa: S308


def _inbox_row(c: InboxRow, base: str) -> str:
    pk = c.pk
    href = f"{escape(base)}{pk}/"
    tags = "".join(f'<span class="tag">{escape(tag)}</span>' for tag in c.tags)
    status, priority, channel = escape(c.status), escape(c.priority), escape(c.channel)
    return (
        f'<tr class="conv-row" data-id="{pk}" data-href="{href}">'
        f'<td class="col-check"><input type="checkbox" name="ids" value="{pk}" form="bulk-form"'
        f' aria-label="Select #{pk}"></td>'
        f'<td class="col-main"><a class="conv-subject" href="{href}">'
        f"{escape(c.subject or '(no subject)')}</a>"
        f'<div class="conv-meta"><span class="channel channel-{channel}">{escape(label(c.channel))}'
        f"</span> <span>{escape(c.customer_name)}</span>"
        f' <span class="muted">#{pk}</span> {tags}</div></td>'
        f'<td><span class="status status-{status}">{escape(label(c.status))}</span></td>'
        f'<td class="col-priority"><span class="priority priority-{priority}">'
        f"{escape(label(c.priority))}</span></td>"
        f'<td class="col-owner">{escape(c.team_name or "—")}<br>'
        f'<span class="muted">{escape(c.assignee_name or "Unassigned")}</span></td>'
        f'<td class="col-updated">{time_ago(c.updated_at)}</td></tr>\n'
    )


@register.filter
def inline_images(message: Message) -> str:
    """The message's sanitised HTML with ``cid:`` images pointing at their attachments.

    The attachment URLs are ours and go through the access-checked download
    view, so the result stays as safe as the sanitised HTML it came from.
    """
    body = message.body_html
    if "cid:" not in body:
        return body
    for attachment in getattr(message, "attachment_list", ()):
        if attachment.content_id:
            url = reverse("workspace:attachment", args=[attachment.pk])
            body = body.replace(f'src="cid:{attachment.content_id}"', f'src="{url}"')
    return body
