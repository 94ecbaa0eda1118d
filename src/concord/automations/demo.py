"""Demo triggers and time rules: what a small helpdesk would set up on day one."""

from __future__ import annotations

from datetime import datetime, timedelta

from concord.accounts.services import system_user_get
from concord.automations.models import (
    Outcome,
    TimeRule,
    TimeRuleAction,
    TimeRuleCondition,
    TimeRuleRun,
    Trigger,
    TriggerAction,
    TriggerCondition,
)
from concord.conversations.models import Status
from concord.conversations.selectors import conversation_find
from concord.conversations.selectors.facts import conversations_in_status_since
from concord.conversations.services import conversation_set_status

# The demo's Support hours are 08:00-18:00 on weekdays.
BUSINESS_DAY = 10 * 3600
CLOSE_RULE = "Close 4 days after solved"


def _trigger(
    *,
    name: str,
    events: list[str],
    position: int,
    conditions: list[tuple[str, str, str]],
    actions: list[tuple[str, str, str]],
    description: str,
    match: str = "all",
) -> None:
    trigger = Trigger.objects.create(
        name=name, events=events, position=position, description=description, match=match
    )
    TriggerCondition.objects.bulk_create(
        TriggerCondition(rule=trigger, field=f, operator=o, value=v) for f, o, v in conditions
    )
    TriggerAction.objects.bulk_create(
        TriggerAction(rule=trigger, kind=k, target=t, text=x) for k, t, x in actions
    )


def _time_rule(
    *,
    name: str,
    status: str,
    after_seconds: int,
    position: int,
    actions: list[tuple[str, str, str]],
    description: str,
    conditions: list[tuple[str, str, str]] = [],  # noqa: B006 - never mutated
    business_hours: bool = True,
) -> None:
    rule = TimeRule.objects.create(
        name=name,
        status=status,
        after_seconds=after_seconds,
        business_hours=business_hours,
        position=position,
        description=description,
    )
    TimeRuleCondition.objects.bulk_create(
        TimeRuleCondition(rule=rule, field=f, operator=o, value=v) for f, o, v in conditions
    )
    TimeRuleAction.objects.bulk_create(
        TimeRuleAction(rule=rule, kind=k, target=t, text=x) for k, t, x in actions
    )


def seed(*, now: datetime) -> None:
    """Rules that act on the demo data once the worker runs (``now``: rules are timeless)."""
    _trigger(
        name="Words that mean it is urgent",
        position=10,
        events=["created", "customer_replied"],
        match="any",
        conditions=[
            ("message_text", "contains", "urgent"),
            ("message_text", "contains", "asap"),
            ("subject", "contains", "urgent"),
        ],
        actions=[("set_priority", "high", ""), ("add_tags", "urgent-words", "")],
        description="A customer who writes 'urgent' is looked at first.",
    )
    _trigger(
        name="Tell the team when an SLA is breached",
        position=20,
        events=["sla_breached"],
        conditions=[],
        actions=[
            (
                "notify",
                "assignee, sofia.martin",
                "The {{ event.old }} target of #{{ conversation.id }} "
                "“{{ conversation.subject }}” was missed. {{ conversation.url }}",
            ),
            ("add_tags", "sla-missed", ""),
        ],
        description="The assignee and the supervisor hear about every missed target.",
    )
    _trigger(
        name="VIP customers are never low priority",
        position=30,
        events=["created"],
        conditions=[("customer_tier", "is", "vip"), ("priority", "in", "low, normal")],
        actions=[("set_priority", "high", "")],
        description="High-value customers first.",
    )
    _time_rule(
        name="Remind after a business day waiting on the customer",
        status="pending",
        after_seconds=BUSINESS_DAY,
        position=10,
        actions=[
            (
                "send_email",
                "",
                "Hello {{ customer.name }},\n\nwe are still waiting for your answer about "
                "“{{ conversation.subject }}”. Just reply to this message and we will carry on."
                "\n\nThe support team",
            )
        ],
        description="A friendly nudge; the conversation stays pending.",
    )
    _time_rule(
        name="Solve after 5 business days waiting on the customer",
        status="pending",
        after_seconds=5 * BUSINESS_DAY,
        position=20,
        actions=[
            ("add_note", "", "Solved automatically: no answer for 5 business days."),
            ("set_status", "solved", ""),
        ],
        description="A customer who comes back later reopens it by replying.",
    )
    _time_rule(
        name=CLOSE_RULE,
        status="solved",
        after_seconds=4 * 86400,
        business_hours=False,
        position=30,
        actions=[("set_status", "closed", "")],
        description="A closed conversation is locked: a customer who writes again "
        "starts a follow-up that links back to it.",
    )


def close_history(*, now: datetime) -> int:
    """Close what the close rule would have closed by ``now``; returns how many.

    The demo's history is written in one go, after the fact: without this the
    worker's first run would close every conversation solved more than four
    days before ``now`` at once, leaving an inbox of "Closed · 0 minutes ago".
    Each is closed as the rule would have done it: by the system user, when
    its stay in solved reached four days, with the rule's run recorded.
    """
    rule = TimeRule.objects.filter(name=CLOSE_RULE, status=Status.SOLVED).first()
    if rule is None:
        return 0
    actor = system_user_get()
    wait = timedelta(seconds=rule.after_seconds)
    closed, after_id = 0, 0
    while rows := conversations_in_status_since(
        status=Status.SOLVED, entered_before=now - wait, after_id=after_id
    ):
        after_id = rows[-1][0]
        for conversation_id, since in rows:
            conversation = conversation_find(conversation_id=conversation_id)
            if conversation is None:
                continue
            at = since + wait
            conversation_set_status(
                conversation=conversation, actor=actor, status=Status.CLOSED, at=at
            )
            TimeRuleRun.objects.create(
                rule=rule,
                conversation_id=conversation_id,
                since=since,
                outcome=Outcome.FIRED,
                detail="status closed",
                created_at=at,
            )
            closed += 1
    return closed
