"""Synthetic streams written to the database in bulk (the detector reads only these columns)."""

from __future__ import annotations

from collections.abc import Sequence

from concord.accounts.models import Team
from concord.common.testing import factories
from concord.conversations.models import Conversation, Tag
from concord.trends.tests.synthetic import Synthetic


def store(items: Sequence[Synthetic], *, team: Team | None = None) -> list[int]:
    """Write the stream as conversations; their ids, in the stream's order."""
    customer = factories.CustomerFactory.create()
    rows = [
        Conversation(
            subject=item.subject,
            channel="email",
            category=item.category,
            customer=customer,
            team=team,
            created_at=item.at,
            updated_at=item.at,
        )
        for item in items
    ]
    created = Conversation.objects.bulk_create(rows, batch_size=500)
    names = {tag for item in items for tag in item.tags}
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in names}
    Conversation.tags.through.objects.bulk_create(
        [
            Conversation.tags.through(conversation_id=row.pk, tag_id=tags[tag].pk)
            for row, item in zip(created, items, strict=True)
            for tag in item.tags
        ]
    )
    return [row.pk for row in created]
