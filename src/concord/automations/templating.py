"""Text templates in rules ("Hello {{ customer.name }}"), rendered with plain data only.

The engine has no template loaders, so ``{% include %}`` cannot read files, and
the context holds dicts of strings, not model instances, so a template cannot
reach anything beyond what is listed here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError

from concord.common.errors import ValidationFailed
from concord.conversations.models import Conversation, Event

_engine = Engine(loaders=[("django.template.loaders.locmem.Loader", {})], autoescape=False)


def check_template(text: str) -> None:
    try:
        _engine.from_string(text)
    except TemplateSyntaxError as error:
        raise ValidationFailed(f"The template has an error: {error}", field="text") from None


def template_context(*, conversation: Conversation, event: Event | None) -> dict[str, object]:
    customer = conversation.customer
    organization = customer.organization
    email = next((i.value for i in customer.identities.all() if i.kind == "email"), "")
    assignee = conversation.assignee
    return {
        "conversation": {
            "id": conversation.pk,
            "subject": conversation.subject,
            "status": conversation.get_status_display(),
            "priority": conversation.get_priority_display(),
            "channel": conversation.get_channel_display(),
            "category": conversation.category,
            "url": f"{settings.CONCORD_BASE_URL}/app/conversations/{conversation.pk}/",
        },
        "customer": {"name": customer.name or email, "email": email, "tier": customer.tier},
        "organization": {"name": organization.name if organization else ""},
        "assignee": {
            "name": str(assignee) if assignee else "",
            "username": assignee.username if assignee else "",
        },
        "team": {"name": conversation.team.name if conversation.team else ""},
        "event": {
            "kind": event.kind if event else "",
            "old": event.old_value if event else "",
            "new": event.new_value if event else "",
        },
    }


def render(text: str, context: dict[str, object]) -> str:
    check_template(text)
    return _engine.from_string(text).render(Context(context, autoescape=False)).strip()


def escape_values(context: dict[str, object], escape: Callable[[str], str]) -> dict[str, object]:
    """The same context with every string value escaped (the template's own text is kept)."""
    return {
        key: escape_values(value, escape)
        if isinstance(value, dict)
        else escape(value)
        if isinstance(value, str)
        else value
        for key, value in context.items()
    }
