"""What consults add to the core: conversations opened to the teams consulted on them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from concord.accounts.models import Team, User
from concord.collaboration.models import Consult
from concord.conversations.selectors import conversation_register_visibility
from concord.customers.selectors import customer_register_visibility


def consulted(user: User) -> Q:
    """Conversations with a consult asking ``user`` or one of their teams (any status).

    A closed consult keeps the conversation readable to those who answered it:
    their answer is part of its history.
    """
    in_team = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    asks = Consult.objects.filter(conversation_id=OuterRef("pk")).filter(
        Q(user_id=user.pk) | Q(Exists(in_team))
    )
    return Q(Exists(asks))


def customers_consulted(user: User) -> Q:
    """Customers of the conversations consulted to ``user`` or their teams (their context)."""
    in_team = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    asks = Consult.objects.filter(conversation__customer_id=OuterRef("pk")).filter(
        Q(user_id=user.pk) | Q(Exists(in_team))
    )
    return Q(Exists(asks))


def connect() -> None:
    conversation_register_visibility(consulted)
    customer_register_visibility(customers_consulted)
