"""Everything Concord holds about one customer, as one zip: a JSON document and their files."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from concord.accounts.models import User
from concord.common.errors import NotAllowed
from concord.conversations.models import Attachment, Conversation, Event, Message
from concord.customers.models import Customer, PrivacyRequest, PrivacyRequestKind
from concord.customers.privacy.access import privacy_allowed
from concord.customers.privacy.hooks import privacy_contributors
from concord.portal.models import MagicLink
from concord.surveys.models import SurveyInvitation, SurveyResponse

FORMAT = "concord-customer-export/1"
DOCUMENT_NAME = "customer.json"


@dataclass
class ExportArchive:
    """A zip in a temporary file (deleted when closed), ready to be streamed."""

    file: IO[bytes]
    filename: str
    size: int


def customer_export(*, customer: Customer, actor: User) -> ExportArchive:
    """Build the archive on disk, record who asked for it, and return it opened at the start.

    Files are copied into the zip in chunks, so a customer with gigabytes of
    attachments costs disk, not memory. Interfaces look the customer up with
    ``customer_get_for_privacy`` (404 for non-admins); this checks again.
    """
    if not privacy_allowed(user=actor):
        raise NotAllowed("Only admins can export a customer's data.")
    data = customer_export_data(customer=customer)
    archive = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - handed to the response
    try:
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for path, attachment, row in _attachment_files(data):
                try:
                    source = default_storage.open(attachment.storage_name, "rb")
                except FileNotFoundError:
                    # Listed, but said to be missing rather than silently left out.
                    row.update(file=None, missing=True)
                    continue
                with source, zipped.open(path, "w", force_zip64=True) as target:
                    shutil.copyfileobj(source, target, 1024 * 1024)
            with (
                zipped.open(DOCUMENT_NAME, "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8") as text,
            ):
                json.dump(_public(data), text, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        size = archive.tell()
        archive.seek(0)
    except BaseException:
        archive.close()
        raise
    with transaction.atomic():
        PrivacyRequest.objects.create(
            customer=customer,
            kind=PrivacyRequestKind.EXPORT,
            actor=actor,
            actor_name=actor.username,
            at=timezone.now(),
            summary={
                "conversations": len(data["conversations"]),
                "attachments": len(data["_files"]),
                "bytes": size,
            },
        )
    stamp = timezone.now().strftime("%Y%m%d")
    return ExportArchive(file=archive, filename=f"customer-{customer.pk}-{stamp}.zip", size=size)


def _public(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if not key.startswith("_")}


_File = tuple[str, Attachment, dict[str, Any]]


def _attachment_files(data: dict[str, Any]) -> list[_File]:
    files: list[_File] = data["_files"]
    return files


def _who(*, user_id: int | None, customer_id: int | None, customer: Customer) -> str:
    # Staff are other people: the export says a member of staff wrote, not who.
    if customer_id == customer.pk:
        return "customer"
    if user_id is not None:
        return "staff"
    if customer_id is not None:
        return "another customer"
    return "system"


def customer_export_data(*, customer: Customer) -> dict[str, Any]:
    """The document, as a dict; ``_files`` lists (path in the zip, attachment) to copy."""
    files: list[_File] = []
    conversations = (
        Conversation.objects.filter(customer=customer)
        .select_related("team")
        .prefetch_related(
            "tags",
            Prefetch(
                "messages",
                queryset=Message.objects.order_by("created_at", "id").prefetch_related(
                    "attachments"
                ),
            ),
            Prefetch("events", queryset=Event.objects.order_by("created_at", "id")),
        )
        .order_by("created_at", "id")
    )
    conversation_ids: list[int] = []
    conversation_rows = []
    for conversation in conversations:
        conversation_ids.append(conversation.pk)
        conversation_rows.append(
            {
                "id": conversation.pk,
                "subject": conversation.subject,
                "channel": conversation.channel,
                "status": conversation.status,
                "priority": conversation.priority,
                "category": conversation.category,
                "team": conversation.team.name if conversation.team else None,
                "tags": [tag.name for tag in conversation.tags.all()],
                "merged_into": conversation.merged_into_id,
                "follow_up_of": conversation.follow_up_of_id,
                "created_at": conversation.created_at,
                "updated_at": conversation.updated_at,
                "solved_at": conversation.solved_at,
                "closed_at": conversation.closed_at,
                "messages": [
                    _message(message, customer, files) for message in conversation.messages.all()
                ],
                "events": [
                    {
                        "kind": event.kind,
                        "by": _who(
                            user_id=event.actor_user_id,
                            customer_id=event.actor_customer_id,
                            customer=customer,
                        ),
                        "old": event.old_value,
                        "new": event.new_value,
                        "at": event.created_at,
                    }
                    for event in conversation.events.all()
                ],
            }
        )
    elsewhere = (
        Message.objects.filter(author_customer=customer)
        .exclude(conversation__customer=customer)
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    organization = customer.organization
    portal = customer.user
    return {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "tier": customer.tier,
            "lifecycle_stage": customer.lifecycle_stage,
            "notes": customer.notes,
            "churned_at": customer.churned_at,
            "created_at": customer.created_at,
            "updated_at": customer.updated_at,
            "erased_at": customer.erased_at,
        },
        "identities": [
            {
                "kind": identity.kind,
                "value": identity.value,
                "is_primary": identity.is_primary,
                "undeliverable_since": identity.undeliverable_at,
                "created_at": identity.created_at,
            }
            for identity in customer.identities.all()
        ],
        "organization": (
            {"id": organization.pk, "name": organization.name, "tier": organization.tier}
            if organization is not None
            else None
        ),
        "portal_account": (
            {
                "username": portal.username,
                "email": portal.email,
                "first_name": portal.first_name,
                "last_name": portal.last_name,
                "date_joined": portal.date_joined,
                "last_login": portal.last_login,
                "has_password": portal.has_usable_password(),
            }
            if portal is not None
            else None
        ),
        "portal_sign_in_links": list(
            MagicLink.objects.filter(customer=customer)
            .order_by("created_at", "id")
            .values("email", "created_at", "sent_at", "used_at")
        ),
        "records": [
            {
                "source": record.source,
                "external_id": record.external_id,
                "kind": record.kind,
                "reference": record.reference,
                "status": record.status,
                "amount": record.amount,
                "currency": record.currency,
                "occurred_at": record.occurred_at,
                "data": record.data,
                "updated_at": record.updated_at,
            }
            for record in customer.records.order_by("occurred_at", "id")
        ],
        "conversations": conversation_rows,
        "messages_in_other_conversations": [
            {"conversation": message.conversation_id, **_message(message, customer, files)}
            for message in elsewhere
        ],
        "surveys": _surveys(customer),
        # Emails, calls and other apps' parts, each under its contributor's name.
        **{
            contributor.name: contributor.export(
                customer=customer, conversation_ids=conversation_ids
            )
            for contributor in privacy_contributors()
        },
        "privacy_requests": list(
            PrivacyRequest.objects.filter(customer=customer)
            .order_by("at", "id")
            .values("kind", "at")
        ),
        "_files": files,
    }


def _message(message: Message, customer: Customer, files: list[_File]) -> Any:
    attachments = []
    for attachment in message.attachments.all():
        path = f"attachments/{attachment.pk}/{attachment.original_name}"
        row: dict[str, Any] = {
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "file": path,
        }
        files.append((path, attachment, row))
        attachments.append(row)
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "visibility": message.visibility,
        "by": _who(
            user_id=message.author_user_id,
            customer_id=message.author_customer_id,
            customer=customer,
        ),
        "automatic": message.automatic,
        "text": message.body_text,
        "html": message.body_html,
        "quoted_text": message.quoted_text,
        "created_at": message.created_at,
        "attachments": attachments,
    }


def _surveys(customer: Customer) -> list[dict[str, Any]]:
    answers = {
        response.invitation_id: response
        for response in SurveyResponse.objects.filter(customer=customer)
    }
    rows = []
    invitations = SurveyInvitation.objects.filter(customer=customer).select_related("definition")
    for invitation in invitations.order_by("created_at", "id"):
        answer = answers.get(invitation.pk)
        rows.append(
            {
                "survey": invitation.definition.name,
                "kind": invitation.definition.kind,
                "question": invitation.definition.question,
                "conversation": invitation.conversation_id,
                "channel": invitation.channel,
                "sent_to": invitation.to_address,
                "created_at": invitation.created_at,
                "sent_at": invitation.sent_at,
                "answer": (
                    {
                        "score": answer.score,
                        "score_2": answer.score_2,
                        "comment": answer.comment,
                        "answered_at": answer.answered_at,
                        "updated_at": answer.updated_at,
                    }
                    if answer is not None
                    else None
                ),
            }
        )
    return rows
