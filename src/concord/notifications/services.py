"""Notify staff in the app and by email; post to Slack channels."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from concord.accounts.models import User
from concord.common.errors import NotFound, ValidationFailed
from concord.conversations.models import Conversation
from concord.notifications.models import EmailState, Notification, SlackChannel
from concord.webhooks.models import WebhookDelivery
from concord.webhooks.services import slack_queue

logger = logging.getLogger(__name__)


def _one_line(text: str, *, limit: int) -> str:
    # A line break in an email subject would start a header of the sender's choosing.
    return " ".join(text.split())[:limit]


def notification_send(
    *,
    recipients: list[User],
    title: str,
    body: str,
    conversation: Conversation | None = None,
    email: bool = True,
    dedupe_key: str | None = None,
    url: str | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """One in-app notification per recipient, and an email to each who has an address.

    Returns the notifications created. With ``dedupe_key``, a recipient already
    notified under that key is skipped, so repeating a call changes nothing.
    Emails go out from a task once the caller's transaction commits.
    """
    title = _one_line(title, limit=200)
    if not title:
        raise ValidationFailed("A notification needs a title.", field="title")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= 200:
        raise ValidationFailed("The dedupe key must be 1 to 200 characters.", field="dedupe_key")
    link = url
    if link is None:
        link = reverse("workspace:conversation", args=[conversation.pk]) if conversation else ""
    moment = now or timezone.now()
    created: list[Notification] = []
    seen: set[int] = set()
    with transaction.atomic():
        for recipient in recipients:
            if recipient.pk in seen:
                continue
            seen.add(recipient.pk)
            row = _create_once(
                recipient=recipient,
                title=title,
                body=body,
                conversation=conversation,
                url=link,
                dedupe_key=dedupe_key or "",
                email_state=EmailState.QUEUED if email and recipient.email else EmailState.NONE,
                created_at=moment,
            )
            if row is None:
                continue
            created.append(row)
            if row.email_state == EmailState.QUEUED:
                _enqueue_email_on_commit(row.pk)
    return created


def _create_once(*, recipient: User, dedupe_key: str, **fields: object) -> Notification | None:
    if (
        dedupe_key
        and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists()
    ):
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                dedupe_key=dedupe_key,
                **fields,
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return None  # a concurrent call notified them under the same key


def _enqueue_email_on_commit(notification_id: int) -> None:
    from concord.notifications.tasks import send_notification_email

    transaction.on_commit(lambda: send_notification_email.enqueue(notification_id=notification_id))


def notification_email_send(*, notification_id: int) -> str:
    """Email one notification; idempotent (only a queued one is claimed and sent)."""
    claimed = Notification.objects.filter(pk=notification_id, email_state=EmailState.QUEUED).update(
        email_state=EmailState.SENDING
    )
    if not claimed:
        return "skipped"
    row = Notification.objects.select_related("recipient", "conversation").get(pk=notification_id)
    lines = [row.body.strip()] if row.body.strip() else []
    if row.conversation is not None:
        lines.append(
            f"Conversation #{row.conversation.pk}: {row.conversation.subject}\n"
            f"{settings.CONCORD_BASE_URL}/app/conversations/{row.conversation.pk}/"
        )
    try:
        send_mail(
            subject=row.title,
            message="\n\n".join(lines) or row.title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[row.recipient.email],
            fail_silently=False,
        )
    except Exception:
        # No retries: the notification stays in the app, which is where it matters most.
        logger.exception("The email for notification %s could not be sent", row.pk)
        state = EmailState.FAILED
    else:
        state = EmailState.SENT
    Notification.objects.filter(pk=row.pk).update(email_state=state)
    return str(state)


def notification_mark_read(
    *, user: User, notification_ids: list[int], now: datetime | None = None
) -> int:
    """Mark the user's notifications read; any id that is not theirs is NotFound (no change)."""
    wanted = set(notification_ids)
    mine = Notification.objects.filter(recipient=user, pk__in=wanted)
    if mine.count() != len(wanted):
        raise NotFound("No such notification.")
    return int(mine.filter(read_at__isnull=True).update(read_at=now or timezone.now()))


def notification_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    return int(
        Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )
    )


def slack_channel_create(*, name: str, webhook_url: str, is_active: bool = True) -> SlackChannel:
    from concord.common.http import UnsafeTarget, check_url

    try:
        check_url(webhook_url)
    except UnsafeTarget as error:
        raise ValidationFailed(error.message, field="webhook_url") from None
    return SlackChannel.objects.create(name=name, webhook_url=webhook_url, is_active=is_active)


def slack_post(*, channel: SlackChannel, text: str, dedupe_key: str) -> WebhookDelivery | None:
    """Post ``{"text": text}`` to the channel through the webhook delivery queue.

    Same SSRF guard, retries and delivery log as webhooks; unsigned, since
    Slack authenticates by the secret URL. None when the channel is turned off.
    """
    if not channel.is_active:
        return None
    if not text.strip():
        raise ValidationFailed("A Slack message needs text.", field="text")
    return slack_queue(channel=channel, payload={"text": text}, dedupe_key=dedupe_key)
