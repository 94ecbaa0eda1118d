"""Background work for notifications."""

from __future__ import annotations

from django_tasks import task

from concord.notifications.services import notification_email_send


@task()
def send_notification_email(*, notification_id: int) -> str:
    return notification_email_send(notification_id=notification_id)
