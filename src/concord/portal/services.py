"""Writes for the customer portal: sign-in links, portal logins, requests and replies.

Conversation changes go through the conversations services; this module
only adds what the portal needs around them (a login for the customer,
attachments stored with the message in one transaction).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Role, User
from concord.accounts.services import user_create
from concord.common.errors import Conflict, NotAllowed, ValidationFailed
from concord.conversations.models import Channel, Conversation, Message
from concord.conversations.selectors import conversation_customer_may_write
from concord.conversations.selectors import message_list as conversation_messages
from concord.conversations.services import (
    attachment_discard,
    attachment_store,
    conversation_open,
    message_receive,
)
from concord.customers.models import Customer, IdentityKind
from concord.customers.selectors import customer_by_identity, customer_for_user
from concord.customers.services import customer_link_user, normalize_identity
from concord.portal.models import MagicLink
from concord.portal.selectors import (
    MAGIC_LINK_LIFETIME,
    magic_link_check,
    magic_link_digest,
    magic_link_signer,
    magic_links_recent,
)
from concord.portal.uploads import CheckedFile

# At most this many links per customer in this window: enough for a lost
# email or two, not enough to flood someone's inbox from the sign-in form.
_LINKS_PER_WINDOW = 5
_LINK_WINDOW = timedelta(minutes=15)


def magic_link_request(*, email: str, sign_in_url: str, now: datetime | None = None) -> None:
    """Send a sign-in link if a customer owns ``email``; otherwise do nothing.

    Returns nothing on purpose: the caller must answer the same either way,
    so the sign-in form does not tell who is a customer. The email itself is
    sent by a background task after commit, which also keeps the known and
    unknown cases close in response time.
    """
    try:
        normalized = normalize_identity(kind=IdentityKind.EMAIL, value=email)
    except ValidationFailed:
        return
    customer = customer_by_identity(kind=IdentityKind.EMAIL, normalized=normalized)
    if customer is None:
        return
    user = customer.user
    if user is not None and (not user.is_active or user.role != Role.CUSTOMER):
        return
    moment = now or timezone.now()
    if magic_links_recent(customer_id=customer.pk, since=moment - _LINK_WINDOW) >= (
        _LINKS_PER_WINDOW
    ):
        return
    from concord.portal.tasks import deliver_magic_link

    with transaction.atomic():
        link = MagicLink.objects.create(customer=customer, email=normalized, created_at=moment)
        link_id = link.pk
        transaction.on_commit(
            lambda: deliver_magic_link.enqueue(link_id=link_id, sign_in_url=sign_in_url)
        )


def magic_link_deliver(*, link_id: int, sign_in_url: str, now: datetime | None = None) -> bool:
    """Make the link's secret and email it; safe to run twice (the second run does nothing).

    ``sign_in_url`` is the absolute URL the token is appended to. Returns
    whether an email went out.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        link = MagicLink.objects.select_for_update().filter(pk=link_id).first()
        if link is None or link.sent_at is not None or link.used_at is not None:
            return False
        if moment - link.created_at >= MAGIC_LINK_LIFETIME:
            return False
        nonce = secrets.token_urlsafe(32)
        link.digest = magic_link_digest(nonce)
        link.sent_at = moment
        link.save(update_fields=["digest", "sent_at"])
        url = f"{sign_in_url}{magic_link_signer().sign(nonce)}/"
        minutes = int(MAGIC_LINK_LIFETIME.total_seconds() // 60)
        # Inside the transaction: if sending fails, the link stays unsent and
        # a retry of the task sends a fresh one.
        send_mail(
            subject="Your sign-in link",
            message=(
                "Hello,\n\n"
                "Use this link to sign in to the help center and follow your requests:\n\n"
                f"{url}\n\n"
                f"It works once and expires in {minutes} minutes. If you did not ask "
                "to sign in, you can ignore this email.\n"
            ),
            from_email=None,
            recipient_list=[link.email],
        )
    return True


def magic_link_redeem(*, token: str, now: datetime | None = None) -> User | None:
    """Spend a sign-in link; returns the customer's portal login, or None if it is no good.

    The first use creates the login. Using one link also spends the others the
    customer was sent before it, so an older email cannot be used later.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        link = magic_link_check(token=token, now=moment)
        if link is None:
            return None
        # A conditional UPDATE: of two simultaneous uses, exactly one wins.
        claimed = MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=moment)
        if not claimed:
            return None
        MagicLink.objects.filter(
            customer_id=link.customer_id, used_at__isnull=True, created_at__lte=link.created_at
        ).update(used_at=moment)
        return portal_user_for_customer(customer=link.customer, email=link.email)


def portal_user_for_customer(*, customer: Customer, email: str = "") -> User:
    """The customer's portal login, created (role customer, no password) if missing.

    ``email`` is the address the customer proved they own (the one the link
    went to); it becomes the login's email.
    """
    if customer.user is not None:
        return customer.user
    with transaction.atomic():
        # Usernames are for staff; customers sign in by email. The customer's id
        # makes the name unique; a suffix settles a clash with an existing login.
        for attempt in range(100):
            username = f"customer-{customer.pk}" + (f"-{attempt}" if attempt else "")
            try:
                with transaction.atomic():
                    user = user_create(
                        username=username,
                        email=email,
                        password=None,
                        role=Role.CUSTOMER,
                        first_name=customer.name[:150],
                    )
                break
            except Conflict:
                continue
        else:  # pragma: no cover - a hundred clashes means something else is wrong
            raise Conflict("Could not find a free username for this customer.")
        customer_link_user(customer=customer, user=user)
    return user


def portal_password_set(*, user: User, password: str) -> None:
    """Let a signed-in customer sign in with a password from now on."""
    if user.role != Role.CUSTOMER or not user.is_active:
        raise NotAllowed("Only customers set their portal password here.")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationFailed(" ".join(error.messages), field="password") from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])


def _portal_customer(user: User) -> Customer:
    customer = customer_for_user(user=user)
    if customer is None or not user.is_active:
        raise NotAllowed("Only customers can do this.")
    return customer


def _with_files(message: Message, files: Sequence[CheckedFile], stored: list[str]) -> None:
    for checked in files:
        attachment = attachment_store(
            message=message, uploaded_file=checked.file, content_type=checked.content_type
        )
        stored.append(attachment.storage_name)


def portal_request_submit(
    *, user: User, subject: str, description: str, files: Sequence[CheckedFile] = ()
) -> Conversation:
    """A new request from the portal, with its attachments, in one transaction."""
    customer = _portal_customer(user)
    if not subject.strip():
        raise ValidationFailed("Please give your request a subject.", field="subject")
    stored: list[str] = []
    try:
        with transaction.atomic():
            conversation = conversation_open(
                channel=Channel.WEB, customer=customer, subject=subject, body_text=description
            )
            first = conversation_messages(user=user, conversation=conversation).get()
            _with_files(first, files, stored)
    except BaseException:
        attachment_discard(storage_names=stored)
        raise
    return conversation


def portal_reply(
    *, user: User, conversation: Conversation, body: str, files: Sequence[CheckedFile] = ()
) -> Message:
    """The customer's reply; only the customer the request is with may write.

    A reply to a closed request lands in a follow-up request: the returned
    message's conversation says where.
    """
    if not conversation_customer_may_write(user=user, conversation=conversation):
        raise NotAllowed("Only the person who made this request can reply to it.")
    stored: list[str] = []
    try:
        with transaction.atomic():
            message = message_receive(
                conversation=conversation, body_text=body, channel=Channel.WEB
            )
            _with_files(message, files, stored)
    except BaseException:
        attachment_discard(storage_names=stored)
        raise
    return message
