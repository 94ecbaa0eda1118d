"""Erase one customer's personal data, keeping the anonymous facts the metrics count."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.common.errors import Conflict, NotAllowed
from concord.common.html import text_to_html
from concord.conversations.models import (
    Attachment,
    Conversation,
    Event,
    EventKind,
    Message,
)
from concord.customers.models import (
    Customer,
    CustomerIdentity,
    ExternalRecord,
    IdentityKind,
    PrivacyRequest,
    PrivacyRequestKind,
)
from concord.customers.privacy.access import privacy_allowed
from concord.customers.privacy.hooks import privacy_contributors
from concord.notifications.models import Notification
from concord.portal.models import MagicLink
from concord.surveys.models import SurveyInvitation, SurveyResponse
from concord.webhooks.models import WebhookDelivery

# What an erased message says in the timeline, so nobody mistakes it for an empty one.
ERASED_TEXT = "(Erased at the customer's request.)"

# Only the storage prefixes these services write to are ever deleted.
_DELETABLE_PREFIXES = ("attachments/", "mail/raw/")


@dataclass(frozen=True)
class ErasureResult:
    customer_id: int
    erased_at: datetime
    conversations: int
    messages: int
    attachments: int
    identities: int
    survey_comments: int
    calls: int
    emails: int
    records: int
    portal_login_deleted: bool


def customer_erase(*, customer: Customer, actor: User, at: datetime | None = None) -> ErasureResult:
    """Remove everything that identifies the customer; keep the facts metrics count.

    Removed: name, notes, identities, message bodies and quoted text (theirs and
    staff's, in their conversations), subjects, attachments and raw emails
    (files deleted after commit), survey comments, call numbers and summaries,
    orders and other records, sign-in links, the portal login, and the copies
    of all that in notifications and stored webhook payloads.

    Kept: the customer row (tier, organization, lifecycle, dates), conversation
    rows with their channel, status, team, assignee, times and events, message
    rows (direction, author kind, time), survey scores, SLA targets, call times
    and metrics facts, so every figure reads the same afterwards.
    """
    if not privacy_allowed(user=actor):
        raise NotAllowed("Only admins can erase a customer.")
    moment = at or timezone.now()
    files: list[str] = []
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.erased_at is not None:
            raise Conflict(f"Customer {customer.pk} was already erased.")
        emails = list(
            CustomerIdentity.objects.filter(customer=customer, kind=IdentityKind.EMAIL).values_list(
                "normalized", flat=True
            )
        )
        conversation_ids = list(
            Conversation.objects.filter(customer=customer).values_list("pk", flat=True)
        )
        # Subqueries rather than lists of ids: a long-standing customer's
        # messages could outnumber SQLite's limit on query parameters.
        theirs = Conversation.objects.filter(customer=customer).values("pk")
        in_conversations = Q(conversation_id__in=theirs)

        messages = Message.objects.filter(in_conversations | Q(author_customer=customer))
        message_ids = messages.values("pk")
        attachments = Attachment.objects.filter(message_id__in=message_ids)
        files += attachments.values_list("storage_name", flat=True)
        attachment_count, _ = attachments.delete()
        message_count = messages.update(
            body_text=ERASED_TEXT,
            body_html=text_to_html(ERASED_TEXT),
            quoted_text="",
            external_id="",
        )
        Conversation.objects.filter(customer=customer).update(subject="")
        # A bounce's detail can quote the address; other events hold ids and statuses.
        Event.objects.filter(in_conversations, kind=EventKind.DELIVERY_FAILED).update(
            old_value="", new_value=""
        )

        # Emails, calls and other apps' parts (customers.privacy.hooks); they
        # run before the identities go, which the email log's part reads.
        counts: dict[str, int] = {}
        for contributor in privacy_contributors():
            erased = contributor.erase(
                customer=customer,
                conversation_ids=Conversation.objects.filter(customer=customer).values_list(
                    "pk", flat=True
                ),
            )
            counts[contributor.counted_as] = counts.get(contributor.counted_as, 0) + erased.count
            files += erased.files
        comments = SurveyResponse.objects.filter(customer=customer).exclude(comment="")
        comment_count = comments.update(comment="")
        SurveyInvitation.objects.filter(customer=customer).update(to_address="")
        _erase_copies(theirs, words=[customer.name, *emails])

        MagicLink.objects.filter(customer=customer).delete()
        record_count, _ = ExternalRecord.objects.filter(customer=customer).delete()
        identity_count, _ = CustomerIdentity.objects.filter(customer=customer).delete()
        portal_user = customer.user
        customer.name = ""
        customer.notes = ""
        customer.user = None
        customer.erased_at = moment
        customer.save(update_fields=["name", "notes", "user", "erased_at", "updated_at"])
        portal_deleted = False
        if portal_user is not None and portal_user.role == Role.CUSTOMER:
            _forget_admin_history(portal_user, f"Erased customer #{customer.pk}'s login")
            portal_user.delete()
            portal_deleted = True
        _forget_admin_history(customer, str(customer))

        result = ErasureResult(
            customer_id=customer.pk,
            erased_at=moment,
            conversations=len(conversation_ids),
            messages=message_count,
            attachments=attachment_count,
            identities=identity_count,
            survey_comments=comment_count,
            calls=counts.get("calls", 0),
            emails=counts.get("emails", 0),
            records=record_count,
            portal_login_deleted=portal_deleted,
        )
        summary = {k: v for k, v in asdict(result).items() if k not in ("customer_id", "erased_at")}
        PrivacyRequest.objects.create(
            customer=customer,
            kind=PrivacyRequestKind.ERASURE,
            actor=actor,
            actor_name=actor.username,
            at=moment,
            summary=summary,
        )
        # One event per conversation says who erased it and when. Not announced:
        # nothing (an automation, a webhook) should act on an erasure.
        Event.objects.bulk_create(
            Event(
                conversation_id=pk,
                kind=EventKind.CUSTOMER_ERASED,
                actor_user=actor,
                created_at=moment,
            )
            for pk in conversation_ids
        )
        # Files go only once the rows that name them are gone for good.
        transaction.on_commit(lambda: _delete_files(files))
    return result


def _erase_copies(theirs: QuerySet[Conversation, Any], *, words: list[str]) -> None:
    """Notification texts and stored webhook payloads quoted subjects and names.

    A Slack message's stored text names no conversation by a field, so the
    ones that mention the customer's name or an address of theirs are blanked.
    """
    notifications = list(Notification.objects.filter(conversation_id__in=theirs))
    for notification in notifications:
        notification.title = f"Conversation #{notification.conversation_id}"
        notification.body = ""
    Notification.objects.bulk_update(notifications, ["title", "body"])
    deliveries = list(
        WebhookDelivery.objects.filter(
            webhook__isnull=False,
            payload__conversation__id__in=list(theirs.values_list("pk", flat=True)),
        ).only("pk", "payload")
    )
    for delivery in deliveries:
        conversation = delivery.payload.get("conversation", {})
        delivery.payload = {"conversation": {"id": conversation.get("id")}, "erased": True}
    WebhookDelivery.objects.bulk_update(deliveries, ["payload"])
    mentions = Q()
    for word in words:
        if len(word.strip()) >= 3:
            mentions |= Q(payload__text__icontains=word.strip())
    if mentions:
        WebhookDelivery.objects.filter(mentions, slack_channel__isnull=False).update(
            payload={"text": ERASED_TEXT}
        )


def _forget_admin_history(obj: Customer | User, label: str) -> None:
    """The Django admin's history of edits names the object as it was then."""
    AdminLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).update(object_repr=label)


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name.startswith(_DELETABLE_PREFIXES):
            default_storage.delete(name)
