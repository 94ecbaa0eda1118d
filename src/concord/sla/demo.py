"""Demo SLA policies: VIP customers fastest, urgent and high next, everyone else standard."""

from __future__ import annotations

from datetime import datetime

from concord.calendars.selectors import calendar_list
from concord.sla.selectors import sla_policies_active, sla_unsolved_conversation_ids
from concord.sla.services import sla_policy_create, sla_refresh_many

MINUTE, HOUR = 60, 3600
# In business time: a business day of the demo's "Support hours" is 10 hours.


def seed(*, now: datetime) -> None:
    """Create the demo policies (unless there are some) and start every unsolved clock."""
    if not sla_policies_active():
        hours = next((c for c in calendar_list() if c.name == "Support hours"), None)
        sla_policy_create(
            name="VIP customers",
            position=10,
            customer_tiers=["vip"],
            first_response_seconds=30 * MINUTE,
            next_reply_seconds=2 * HOUR,
            resolution_seconds=10 * HOUR,
            warn_before_seconds=10 * MINUTE,
            calendar=hours,
        )
        sla_policy_create(
            name="Urgent and high priority",
            position=20,
            priorities=["urgent", "high"],
            first_response_seconds=HOUR,
            next_reply_seconds=4 * HOUR,
            resolution_seconds=20 * HOUR,
            warn_before_seconds=15 * MINUTE,
            calendar=hours,
        )
        sla_policy_create(
            name="Standard",
            position=30,
            first_response_seconds=8 * HOUR,
            next_reply_seconds=8 * HOUR,
            resolution_seconds=30 * HOUR,
            warn_before_seconds=HOUR,
            calendar=hours,
        )
    sla_refresh_many(conversation_ids=sla_unsolved_conversation_ids(), now=now)
