"""Background work for webhooks."""

from __future__ import annotations

from django_tasks import task

from concord.webhooks.services import webhook_send


@task()
def send_delivery(*, delivery_id: str) -> str:
    return str(webhook_send(delivery_id=delivery_id).status)
