"""Background work for the email channel."""

from __future__ import annotations

from django_tasks import task

from concord.channels.email.services.outbound import outbound_send


@task()
def send_outbound(*, outbound_id: int) -> str:
    return str(outbound_send(outbound_id=outbound_id).status)
