"""Mailboxes: created by an admin (or the demo), and their IMAP polling outcome."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from concord.accounts.models import Team
from concord.channels.email.models import ImapSecurity, Mailbox
from concord.common.errors import Conflict, ValidationFailed


def mailbox_create(
    *,
    name: str,
    address: str,
    team: Team | None = None,
    send_acknowledgement: bool = True,
    imap_host: str = "",
    imap_port: int = 993,
    imap_security: str = ImapSecurity.SSL,
    imap_username: str = "",
    imap_password: str = "",
    imap_folder: str = "INBOX",
) -> Mailbox:
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed(f"{address!r} is not an email address.", field="address") from None
    if "+" in address.partition("@")[0]:
        raise ValidationFailed(
            "A mailbox address cannot contain '+': Concord uses it for reply addresses.",
            field="address",
        )
    if imap_security not in ImapSecurity.values:
        raise ValidationFailed(f"{imap_security!r} is not an IMAP security mode.", field="imap")
    with transaction.atomic():
        if Mailbox.objects.filter(address=address).exists():
            raise Conflict(f"A mailbox for {address} exists already.", field="address")
        return Mailbox.objects.create(
            name=name.strip() or address,
            address=address,
            team=team,
            send_acknowledgement=send_acknowledgement,
            imap_enabled=bool(imap_host),
            imap_host=imap_host,
            imap_port=imap_port,
            imap_security=imap_security,
            imap_username=imap_username,
            imap_password=imap_password,
            imap_folder=imap_folder or "INBOX",
        )


def mailbox_record_poll(*, mailbox: Mailbox, error: str = "") -> None:
    """Remember when a mailbox was last polled and what went wrong, for the admin."""
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_last_polled_at=timezone.now(), imap_last_error=error[:2000]
    )
