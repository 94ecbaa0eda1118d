"""Reads for the customer portal: sign-in links, portal logins, a customer's requests."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.core.signing import BadSignature, TimestampSigner
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.common.errors import ValidationFailed
from concord.conversations.models import Attachment, Conversation, Message
from concord.conversations.selectors import ConversationFilters, Page, conversation_list
from concord.conversations.selectors import message_list as conversation_messages
from concord.customers.models import IdentityKind
from concord.customers.selectors import customer_by_identity
from concord.customers.services import normalize_identity
from concord.portal.models import MagicLink

MAGIC_LINK_LIFETIME = timedelta(minutes=30)
_SIGNER_SALT = "concord.portal.magic-link"


def magic_link_signer() -> TimestampSigner:
    return TimestampSigner(salt=_SIGNER_SALT)


def magic_link_digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def magic_link_check(*, token: str, now: datetime | None = None) -> MagicLink | None:
    """The unused, unexpired link behind ``token``, or None for any kind of bad link.

    The signature turns away forged or mangled tokens without touching the
    database; the row decides expiry (by ``now``, so tests can move the clock)
    and whether the link was used.
    """
    moment = now or timezone.now()
    if len(token) > 200:
        return None
    try:
        nonce = magic_link_signer().unsign(token)
    except BadSignature:
        return None
    link = (
        MagicLink.objects.select_related("customer", "customer__user")
        .filter(digest=magic_link_digest(nonce))
        .first()
    )
    if link is None or link.used_at is not None:
        return None
    if moment - link.created_at >= MAGIC_LINK_LIFETIME or moment < link.created_at:
        return None
    user = link.customer.user
    if user is not None and (not user.is_active or user.role != Role.CUSTOMER):
        return None
    return link


def magic_links_recent(*, customer_id: int, since: datetime) -> int:
    """How many links a customer asked for since ``since`` (to cap mail floods)."""
    return MagicLink.objects.filter(customer_id=customer_id, created_at__gte=since).count()


def portal_user_for_email(*, email: str) -> User | None:
    """The active portal login of the customer who owns this email address, if any."""
    try:
        normalized = normalize_identity(kind=IdentityKind.EMAIL, value=email)
    except ValidationFailed:
        return None
    customer = customer_by_identity(kind=IdentityKind.EMAIL, normalized=normalized)
    if customer is None or customer.user_id is None:
        return None
    user = customer.user
    if user is None or not user.is_active or user.role != Role.CUSTOMER:
        return None
    return user


def portal_requests(*, user: User, cursor: str | None = None, limit: int = 25) -> Page:
    """A page of the requests a customer may see, newest update first.

    A fixed number of queries whatever the page size (rows with customer and
    team joined, then tags); a cursor that was tampered with starts over.
    """
    try:
        return conversation_list(
            user=user, filters=ConversationFilters(), cursor=cursor, limit=limit
        )
    except ValidationFailed:
        return conversation_list(user=user, filters=ConversationFilters(), cursor=None, limit=limit)


def portal_thread(*, user: User, conversation: Conversation) -> QuerySet[Message]:
    """The messages a customer sees (public only), with their attachments."""
    return conversation_messages(user=user, conversation=conversation).prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
    )
