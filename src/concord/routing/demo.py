"""Routing for the demo: team strategies, agents online, VIP handling, a few rules, a model.

Called by the demo generator after staff and conversations exist. Safe to call
on a database without the demo teams: whatever is missing is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime

from concord.accounts.models import Team, User
from concord.accounts.selectors import staff_directory, team_get, user_get
from concord.accounts.services import system_user_get
from concord.customers.models import Tier
from concord.routing import services
from concord.routing.models import Availability, Strategy
from concord.routing.selectors import ASSIGNABLE_ROLES
from concord.routing.training import NotEnoughData, classifier_train

logger = logging.getLogger("concord.routing")

# team name -> (strategy, capacity of each member)
STRATEGIES = {
    "Support": (Strategy.ROUND_ROBIN, 8),
    "Billing": (Strategy.LEAST_LOADED, 6),
}

# (name, words, team, category, priority, tags)
RULES = (
    (
        "Billing words",
        "invoice invoices refund refunded charge charged billing",
        "Billing",
        "billing",
        "",
        "billing",
    ),
    ("Outages and crashes", "crash crashes outage down 500 error", None, "bugs", "high", "bug"),
    ("Privacy requests", "gdpr privacy personal data delete", None, "privacy", "high", "privacy"),
)


def seed(*, now: datetime) -> None:
    actor = system_user_get()
    directory = staff_directory(actor=actor)
    teams: dict[str, Team] = {}
    for team_id, name in directory.teams:
        team = team_get(actor=actor, team_id=team_id)
        if team is not None:
            teams[name] = team
    for name, (strategy, capacity) in STRATEGIES.items():
        team = teams.get(name)
        if team is None:
            continue
        services.team_set_strategy(team=team, strategy=strategy)
        for user_id in directory.members.get(team.pk, []):
            user = user_get(actor=actor, user_id=user_id)
            if user is None or not _takes_work(user):
                continue
            services.agent_set_capacity(user=user, capacity=capacity, at=now)
            services.agent_set_availability(user=user, status=Availability.ONLINE, at=now)
    services.routing_settings_update(
        confidence_threshold=0.6, high_value_tiers=[Tier.VIP], high_value_priority=""
    )
    for position, (name, words, team_name, category, priority, tags) in enumerate(RULES):
        services.triage_rule_create(
            name=name,
            position=(position + 1) * 10,
            words=words,
            set_team=teams.get(team_name) if team_name else None,
            set_category=category,
            set_priority=priority,
            add_tags=tags,
        )
    try:
        classifier_train(holdout=0.2, seed=1, at=now)
    except NotEnoughData as exc:
        logger.info("Demo routing: no classifier trained. %s", exc)


def _takes_work(user: User) -> bool:
    return user.role in ASSIGNABLE_ROLES and user.is_active
