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
from concord.accounts.selectors import user_zone
from concord.accounts.services import SYSTEM_USERNAME
from concord.common.errors import NotFound, ValidationFailed
from concord.common.slack import slack_escape
from concord.conversations.models import Conversation, Event, EventKind
from concord.conversations.selectors import conversation_visible_to
from concord.notifications.models import (
    Delivery,
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
    SlackChannel,
)
from concord.notifications.selectors import (
    mentioned_slack_channels,
    mentioned_users,
    notification_deliveries,
)
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
    kind: str = NotificationKind.OTHER,
) -> list[Notification]:
    """One in-app notification per recipient, and an email to each who has an address.

    Each recipient's choice for ``kind`` decides how it reaches them: in the
    app, by email (kept in the list as already read), both, or not at all;
    ``email=False`` never emails. Returns the notifications created. With
    ``dedupe_key``, a recipient already notified under that key is skipped, so
    repeating a call changes nothing. Emails go out from a task once the
    caller's transaction commits.
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
    choices = notification_deliveries(users=recipients, kind=kind)
    with transaction.atomic():
        for recipient in recipients:
            if recipient.pk in seen:
                continue
            seen.add(recipient.pk)
            delivery = choices[recipient.pk]
            if delivery == Delivery.NONE:
                continue
            emailed = email and bool(recipient.email) and delivery != Delivery.IN_APP
            row = _create_once(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                conversation=conversation,
                url=link,
                dedupe_key=dedupe_key or "",
                email_state=EmailState.QUEUED if emailed else EmailState.NONE,
                created_at=moment,
                # Email only: kept in the list for the record, but not unread;
                # with no email to send, it reaches them in the app after all.
                read_at=moment if delivery == Delivery.EMAIL and emailed else None,
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


def notification_preferences_set(*, user: User, choices: dict[str, str]) -> None:
    """Store how each kind reaches ``user`` (kinds left out keep their choice)."""
    for kind, delivery in choices.items():
        if kind not in NotificationKind.values:
            raise ValidationFailed(f"{kind!r} is not a kind of notification.", field=kind)
        if delivery not in Delivery.values:
            raise ValidationFailed(f"{delivery!r} is not a way to deliver one.", field=kind)
    with transaction.atomic():
        for kind, delivery in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )


# The events that may notify someone; any other change passes by with one query.
WATCHED = (
    EventKind.ASSIGNED,
    EventKind.MESSAGE_RECEIVED,
    EventKind.NOTE_ADDED,
    EventKind.SLA_WARNING,
)
_TARGET_WORDS = {
    "first_response": "first response",
    "next_reply": "next reply",
    "resolution": "resolution",
}


def notify_conversation_events(*, conversation_id: int, event_ids: list[int]) -> int:
    """Notify whom a committed change concerns; returns how many notifications were made.

    Assignment notifies the new assignee, a customer message the assignee, an
    internal note everyone it @mentions who may see the conversation, an SLA
    warning the assignee. Nobody is notified of their own action. Each event
    notifies a person once (its id is the dedupe key), so running this twice
    for the same events changes nothing.
    """
    # One query, the conversation and its people joined: on the email path
    # this runs for every message, and most notify nobody.
    events = list(
        Event.objects.filter(conversation_id=conversation_id, pk__in=event_ids, kind__in=WATCHED)
        .select_related("message", "actor_user", "conversation__assignee", "conversation__customer")
        .order_by("created_at", "id")
    )
    if not events:
        return 0
    conversation = events[0].conversation
    made = 0
    for event in events:
        if event.kind == EventKind.NOTE_ADDED and event.message is not None:
            made += _post_team_mentions(conversation=conversation, event=event)
        for recipient, kind, title, body in _what_to_say(conversation=conversation, event=event):
            made += len(
                notification_send(
                    recipients=[recipient],
                    title=title,
                    body=body,
                    conversation=conversation,
                    dedupe_key=f"event:{event.pk}:{kind}",
                    kind=kind,
                )
            )
    return made


def _post_team_mentions(*, conversation: Conversation, event: Event) -> int:
    """An internal note naming @team is posted to that team's Slack channels, once per event.

    Only the excerpt and a link go out: the reader opens the conversation in
    Concord, where access is checked.
    """
    assert event.message is not None  # noqa: S101 - the caller checked
    text = event.message.body_text
    posted = 0
    for channel, slugs in mentioned_slack_channels(text=text):
        author = str(event.actor_user) if event.actor_user is not None else "Someone"
        link = settings.CONCORD_BASE_URL + reverse("workspace:conversation", args=[conversation.pk])
        names = ", ".join(f"@{slug}" for slug in slugs)
        # Subject and note are customer and agent words: escaped, they cannot
        # become Slack markup (a <!channel> ping, a disguised link).
        subject = slack_escape(conversation.subject or "(no subject)")
        message = (
            f"{slack_escape(author)} mentioned {slack_escape(names)} on <{link}|#{conversation.pk} "
            f"{subject}>: {slack_escape(_excerpt(text))}"
        )
        if slack_post(
            channel=channel, text=message, dedupe_key=f"event:{event.pk}:slack:{channel.pk}"
        ):
            posted += 1
    return posted


def _what_to_say(*, conversation: Conversation, event: Event) -> list[tuple[User, str, str, str]]:
    subject = conversation.subject or "(no subject)"
    where = f"#{conversation.pk} {subject}"
    actor = event.actor_user
    assignee = conversation.assignee
    if event.kind == EventKind.ASSIGNED:
        user_id = _int(event.new_value)
        user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        if user is None or user == actor:
            return []
        by = f" by {actor}" if actor is not None and not _is_system(actor) else ""
        return [(user, NotificationKind.ASSIGNED, f"Assigned to you: {where}", f"Assigned{by}.")]
    if event.kind == EventKind.MESSAGE_RECEIVED:
        if assignee is None or not assignee.is_active:
            return []
        text = event.message.body_text if event.message is not None else ""
        name = conversation.customer.name if conversation.customer_id else "The customer"
        return [
            (
                assignee,
                NotificationKind.CUSTOMER_REPLIED,
                f"{name} replied: {where}",
                _excerpt(text),
            )
        ]
    if event.kind == EventKind.SLA_WARNING:
        if assignee is None or not assignee.is_active:
            return []
        target = _TARGET_WORDS.get(event.old_value, event.old_value)
        return [
            (
                assignee,
                NotificationKind.SLA_WARNING,
                f"The {target} target is about to be missed: {where}",
                f"Due {_in_zone(event.new_value, assignee)}.",
            )
        ]
    if event.kind == EventKind.NOTE_ADDED and event.message is not None:
        text = event.message.body_text
        people = [
            user
            for user in mentioned_users(text=text)
            if user != actor
            and conversation_visible_to(user=user).filter(pk=conversation.pk).exists()
        ]
        author = str(actor) if actor is not None else "Someone"
        return [
            (user, NotificationKind.MENTIONED, f"{author} mentioned you: {where}", _excerpt(text))
            for user in people
        ]
    return []


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _is_system(user: User) -> bool:
    return user.username == SYSTEM_USERNAME


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 280 else flat[:279] + "…"


def _in_zone(stamp: str, user: User) -> str:
    """An event's ISO time as the recipient reads it: in their zone, named."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    local = moment.astimezone(user_zone(user=user))
    return f"{local:%a %d %b %Y, %H:%M} ({local.tzname()}, {local.tzinfo})"
