"""factory_boy factories for tests and benchmarks.

Factories build rows directly; tests of behaviour go through services. A
factory exists for setting the scene, not for exercising the code under test.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory, Password
from factory.helpers import post_generation

from concord.accounts.models import Role, Team, User
from concord.conversations.models import Channel, Conversation, Message
from concord.customers.models import Customer, CustomerIdentity, Organization


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = Sequence(lambda n: f"user{n}")
    email = LazyAttribute(lambda o: f"{o.username}@staff.example.com")
    role = Role.AGENT
    password = Password("pw-for-tests")


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = Sequence(lambda n: f"Team {n}")
    slug = Sequence(lambda n: f"team-{n}")


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = Sequence(lambda n: f"Org {n}")


class CustomerFactory(DjangoModelFactory[Customer]):
    class Meta:
        model = Customer
        # The email hook adds an identity row; the customer itself needs no second save.
        skip_postgeneration_save = True

    name = Sequence(lambda n: f"Customer {n}")

    @post_generation
    def email(obj: Customer, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if not create:
            return
        address = extracted or f"customer{obj.pk}@example.net"
        CustomerIdentity.objects.create(
            customer=obj, kind="email", value=address, normalized=address.lower(), is_primary=True
        )


class ConversationFactory(DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    subject = Sequence(lambda n: f"Request {n}")
    channel = Channel.EMAIL
    customer = SubFactory(CustomerFactory)
    created_at = LazyFunction(timezone.now)
    updated_at = LazyAttribute(lambda o: o.created_at)


class MessageFactory(DjangoModelFactory[Message]):
    class Meta:
        model = Message

    conversation = SubFactory(ConversationFactory)
    direction = "inbound"
    channel = LazyAttribute(lambda o: o.conversation.channel)
    body_text = "Hello"
    body_html = "<p>Hello</p>"
    created_at = LazyFunction(timezone.now)
