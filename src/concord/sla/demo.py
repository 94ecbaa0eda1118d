"""Demo SLA policies: VIP customers fastest, urgent and high next, everyone else standard.

Every demo conversation's targets are worked out from its history, so the SLA
reports have 90 days of met and missed targets, not only today's clocks.
"""

from __future__ import annotations

from datetime import datetime

from concord.calendars.selectors import calendar_list
from concord.conversations.models import Status
from concord.conversations.selectors.facts import conversations_in_status_since
from concord.sla.selectors import sla_policies_active, sla_unsolved_conversation_ids
from concord.sla.services import sla_policy_create, sla_refresh, sla_refresh_many

MINUTE, HOUR = 60, 3600
# In business time: a business day of the demo's "Support hours" is 10 hours, so
# resolution is one working day for VIP and urgent requests and two for the rest.


def seed(*, now: datetime) -> None:
    """Create the demo policies (unless there are some) and every conversation's targets."""
    if not sla_policies_active():
        hours = next((c for c in calendar_list() if c.name == "Support hours"), None)
        sla_policy_create(
            name="VIP customers",
            position=10,
            customer_tiers=["vip"],
            first_response_seconds=30 * MINUTE,
            next_reply_seconds=2 * HOUR,
            resolution_seconds=8 * HOUR,
            warn_before_seconds=10 * MINUTE,
            calendar=hours,
        )
        sla_policy_create(
            name="Urgent and high priority",
            position=20,
            priorities=["urgent", "high"],
            first_response_seconds=HOUR,
            next_reply_seconds=4 * HOUR,
            resolution_seconds=8 * HOUR,
            warn_before_seconds=15 * MINUTE,
            calendar=hours,
        )
        sla_policy_create(
            name="Standard",
            position=30,
            first_response_seconds=4 * HOUR,
            next_reply_seconds=8 * HOUR,
            resolution_seconds=16 * HOUR,
            warn_before_seconds=HOUR,
            calendar=hours,
        )
    _settle_history(now=now)
    sla_refresh_many(conversation_ids=sla_unsolved_conversation_ids(), now=now)


def _settle_history(*, now: datetime) -> None:
    """Targets of the solved and closed conversations, each as of when it was done.

    Refreshed at that moment, as a live refresh after the solving reply would
    have been: a target missed back then gets its breach, dated at its due time
    (what the sweep would have written), and no warning is written for history.
    """
    policies = sla_policies_active()
    for status in (Status.SOLVED, Status.CLOSED):
        after = 0
        while rows := conversations_in_status_since(
            status=status, entered_before=now, after_id=after
        ):
            for conversation_id, done_at in rows:
                sla_refresh(conversation_id=conversation_id, now=done_at, policies=policies)
            after = rows[-1][0]
