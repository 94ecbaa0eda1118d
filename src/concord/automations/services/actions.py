"""What a rule can do to a conversation, each through the owning app's service.

Every action runs inside the rule's transaction; one that fails rolls back the
rule's other actions with it, and the run log says why. Actions that reach
outside (email to users, Slack, webhooks) only queue a delivery here, keyed by
``dedupe``, so re-running a rule can never send twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from concord.accounts.models import User
from concord.accounts.selectors import team_by_slug, user_get_by_username, users_by_usernames
from concord.automations.models import ActionKind
from concord.automations.rules import CompiledAction, split_list
from concord.automations.templating import escape_values, render, template_context
from concord.collaboration.selectors import consult_open_to_team
from concord.collaboration.services import consult_open_automated
from concord.common.errors import ValidationFailed
from concord.common.slack import slack_escape
from concord.conversations.models import Conversation, Event
from concord.conversations.selectors.facts import conversation_with_context
from concord.conversations.services import (
    conversation_assign,
    conversation_note,
    conversation_reply,
    conversation_set_priority,
    conversation_set_status,
    conversation_tag,
    conversation_untag,
)


@dataclass(frozen=True)
class ActionContext:
    conversation: Conversation  # loaded by conversation_with_context
    event: Event | None
    actor: User  # the system user
    dedupe: str  # unique per rule firing; one suffix per action is added
    rule_name: str


def perform(*, action: CompiledAction, ctx: ActionContext, index: int) -> str:
    """Do one action; returns a short description for the run log."""
    # Read again: an earlier action of the same rule may have changed it (an
    # assignment, then "notify the assignee").
    conversation = conversation_with_context(conversation_id=ctx.conversation.pk)
    if conversation is None:
        raise ValidationFailed("The conversation no longer exists.")
    ctx = replace(ctx, conversation=conversation)
    kind = action.kind
    if kind == ActionKind.ASSIGN:
        return _assign(action=action, ctx=ctx)
    if kind == ActionKind.SET_TEAM:
        team = team_by_slug(slug=action.target)
        if team is None:
            raise ValidationFailed(f"No team has the slug {action.target!r}.", field="target")
        conversation_assign(conversation=conversation, actor=ctx.actor, team=team)
        return f"team {team.slug}"
    if kind == ActionKind.SET_PRIORITY:
        conversation_set_priority(
            conversation=conversation, actor=ctx.actor, priority=action.target
        )
        return f"priority {action.target}"
    if kind == ActionKind.SET_STATUS:
        conversation_set_status(conversation=conversation, actor=ctx.actor, status=action.target)
        return f"status {action.target}"
    if kind in (ActionKind.ADD_TAGS, ActionKind.REMOVE_TAGS):
        names = split_list(action.target)
        change = conversation_tag if kind == ActionKind.ADD_TAGS else conversation_untag
        change(conversation=conversation, actor=ctx.actor, tags=names)
        return f"{'+' if kind == ActionKind.ADD_TAGS else '-'}tags {', '.join(names)}"
    context = template_context(conversation=conversation, event=ctx.event)
    if kind == ActionKind.SLACK:
        # Customers write subjects and names: in Slack, "<!channel>" or
        # "<https://evil|Reset password>" would be markup, so their values are escaped.
        context = escape_values(context, slack_escape)
    text = render(action.text, context)
    key = f"{ctx.dedupe}:{index}"
    if kind == ActionKind.ADD_NOTE:
        conversation_note(conversation=conversation, actor=ctx.actor, body_text=text)
        return "note"
    if kind == ActionKind.SEND_EMAIL:
        conversation_reply(conversation=conversation, actor=ctx.actor, body_text=text)
        return "email to the customer"
    if kind == ActionKind.NOTIFY:
        return _notify(action=action, ctx=ctx, text=text, key=key)
    if kind == ActionKind.CONSULT:
        return _consult(action=action, ctx=ctx, question=text)
    if kind == ActionKind.SLACK:
        from concord.notifications.selectors import slack_channel_by_name
        from concord.notifications.services import slack_post

        channel = slack_channel_by_name(name=action.target)
        if channel is None:
            raise ValidationFailed(f"No active Slack channel is named {action.target!r}.")
        slack_post(channel=channel, text=text, dedupe_key=key)
        return f"slack {channel.name}"
    if kind == ActionKind.WEBHOOK:
        from concord.webhooks.selectors import webhook_by_name
        from concord.webhooks.services import webhook_queue

        webhook = webhook_by_name(name=action.target)
        if webhook is None:
            raise ValidationFailed(f"No active webhook is named {action.target!r}.")
        webhook_queue(
            webhook=webhook,
            event=f"automation.{ctx.event.kind if ctx.event else 'time_rule'}",
            payload=_payload(ctx=ctx),
            dedupe_key=key,
        )
        return f"webhook {webhook.name}"
    raise ValidationFailed(f"Unknown action {kind!r}.", field="kind")


def _assign(*, action: CompiledAction, ctx: ActionContext) -> str:
    if action.target.lower() == "auto":
        from concord.routing.services import routing_assign

        chosen = routing_assign(conversation_id=ctx.conversation.pk)
        return f"assigned by the team's strategy to {chosen.username if chosen else 'nobody'}"
    user = user_get_by_username(username=action.target)
    if user is None or not user.is_active:
        raise ValidationFailed(f"No active user is named {action.target!r}.", field="target")
    conversation_assign(conversation=ctx.conversation, actor=ctx.actor, assignee=user)
    return f"assigned to {user.username}"


def _consult(*, action: CompiledAction, ctx: ActionContext, question: str) -> str:
    """Ask the team, as the system user; not again while a consult to it is open."""
    team = team_by_slug(slug=action.target)
    if team is None:
        raise ValidationFailed(f"No team has the slug {action.target!r}.", field="target")
    # A trigger on every customer reply must not pile up questions for the same team.
    already = consult_open_to_team(conversation_id=ctx.conversation.pk, team_id=team.pk)
    if already is not None:
        return f"consult {team.slug}: consult {already.pk} is open already"
    consult = consult_open_automated(conversation=ctx.conversation, team=team, question=question)
    return f"consulted {team.slug} (consult {consult.pk})"


def _recipients(*, target: str, conversation: Conversation) -> list[User]:
    people: dict[int, User] = {}
    for part in split_list(target):
        word = part.lower()
        if word == "assignee":
            found = [conversation.assignee] if conversation.assignee else []
        elif word == "team":
            found = (
                list(conversation.team.members.filter(is_active=True)) if conversation.team else []
            )
        elif word == "account_owner":
            organization = conversation.customer.organization
            owner = organization.account_owner if organization else None
            found = [owner] if owner is not None else []
        else:
            found = users_by_usernames(usernames=[part])
        people.update({user.pk: user for user in found})
    return list(people.values())


def _notify(*, action: CompiledAction, ctx: ActionContext, text: str, key: str) -> str:
    from concord.notifications.services import notification_send

    recipients = _recipients(target=action.target, conversation=ctx.conversation)
    if not recipients:
        return "notify: nobody to notify"
    conversation = ctx.conversation
    notification_send(
        recipients=recipients,
        title=f"{ctx.rule_name}: #{conversation.pk} {conversation.subject}"[:200],
        body=text,
        conversation=conversation,
        email=True,
        dedupe_key=key,
    )
    return f"notified {', '.join(sorted(u.username for u in recipients))}"


def _payload(*, ctx: ActionContext) -> dict[str, object]:
    conversation = ctx.conversation
    event = ctx.event
    return {
        "rule": ctx.rule_name,
        "event": (
            {
                "id": event.pk,
                "kind": event.kind,
                "old": event.old_value,
                "new": event.new_value,
                "at": event.created_at.isoformat(),
            }
            if event
            else None
        ),
        "conversation": {
            "id": conversation.pk,
            "subject": conversation.subject,
            "status": conversation.status,
            "priority": conversation.priority,
            "channel": conversation.channel,
            "category": conversation.category,
            "team": conversation.team.slug if conversation.team else None,
            "assignee": conversation.assignee.username if conversation.assignee else None,
            "customer_id": conversation.customer_id,
            "tags": sorted(tag.name for tag in conversation.tags.all()),
        },
    }
