"""Background work for the email channel."""

from __future__ import annotations

from django_tasks import task

from concord.channels.email.services.outbound import outbound_send, outbound_send_many


@task()
def send_outbound(*, outbound_id: int) -> str:
    return str(outbound_send(outbound_id=outbound_id).status)


@task()
def send_outbound_many(*, outbound_ids: list[int]) -> list[str]:
    """Several queued emails in one task (a batch of acknowledgements)."""
    return [str(row.status) for row in outbound_send_many(outbound_ids=outbound_ids)]
