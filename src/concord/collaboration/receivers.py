"""What consults add to the core: conversations opened to the teams consulted on them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from concord.accounts.models import User
from concord.collaboration.models import Consult
from concord.collaboration.selectors import consult_asks
from concord.conversations.selectors import conversation_register_visibility
from concord.customers.selectors import customer_register_visibility


def consulted(user: User) -> Q:
    """Conversations with a consult asking ``user`` or one of their teams (any status).

    A closed consult keeps the conversation readable to those who answered it:
    their answer is part of its history.
    """
    return Q(Exists(Consult.objects.filter(consult_asks(user), conversation_id=OuterRef("pk"))))


def customers_consulted(user: User) -> Q:
    """Customers of the conversations consulted to ``user`` or their teams (their context)."""
    asks = Consult.objects.filter(consult_asks(user), conversation__customer_id=OuterRef("pk"))
    return Q(Exists(asks))


def connect() -> None:
    conversation_register_visibility(consulted)
    customer_register_visibility(customers_consulted)
