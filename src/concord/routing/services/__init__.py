"""Every write routing makes: triage, assignment, agents' availability, settings.

``routing_triage`` and ``routing_assign`` are what the automation pipeline calls
when a conversation opens; both are idempotent.
"""

from concord.routing.services.agents import (
    agent_set_availability,
    agent_set_capacity,
    routing_settings_update,
    team_set_strategy,
    triage_rule_create,
)
from concord.routing.services.assignment import routing_assign, routing_assign_waiting
from concord.routing.services.triage import routing_triage

__all__ = [
    "agent_set_availability",
    "agent_set_capacity",
    "routing_assign",
    "routing_assign_waiting",
    "routing_settings_update",
    "routing_triage",
    "team_set_strategy",
    "triage_rule_create",
]
