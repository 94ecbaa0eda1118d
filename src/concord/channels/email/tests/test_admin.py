"""The admin pages of the email channel: quarantine, reprocess, mailbox passwords."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from concord.channels.email.models import InboundEmail, InboundStatus, Mailbox
from concord.channels.email.services.inbound import inbound_store
from concord.channels.email.tests.conftest import build_email, deliver

pytestmark = pytest.mark.django_db


def test_quarantined_emails_are_listed_and_can_be_reprocessed(
    client_as_admin: Client, mailbox: Mailbox
) -> None:
    email = build_email()
    del email["From"]
    stuck = deliver(mailbox, email)
    assert stuck.status == InboundStatus.QUARANTINED

    listing = client_as_admin.get(
        "/admin/email_channel/inboundemail/", {"status__exact": "quarantined"}
    )
    assert listing.status_code == 200
    assert "no sender address" in listing.content.decode()

    # The operator fixes the cause; here the stored raw email gets its sender back.
    with default_storage.open(stuck.storage_name, "wb") as handle:
        handle.write(b"From: dana@customer.test\r\n" + email.as_bytes())
    response = client_as_admin.post(
        "/admin/email_channel/inboundemail/",
        {"action": "reprocess", "_selected_action": [stuck.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Reprocessed 1; still quarantined 0." in response.content.decode()
    stuck.refresh_from_db()
    assert stuck.status == InboundStatus.PROCESSED
    assert stuck.message is not None


def test_inbound_and_outbound_emails_cannot_be_edited_or_deleted_in_the_admin(
    client_as_admin: Client, mailbox: Mailbox
) -> None:
    stored = inbound_store(mailbox=mailbox, raw=build_email().as_bytes(), source="smtp")
    page = client_as_admin.get(f"/admin/email_channel/inboundemail/{stored.inbound.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    deleted = client_as_admin.post(
        f"/admin/email_channel/inboundemail/{stored.inbound.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert InboundEmail.objects.filter(pk=stored.inbound.pk).exists()


def test_the_mailbox_form_never_shows_the_imap_password_and_blank_keeps_it(
    client_as_admin: Client, mailbox: Mailbox
) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="s3cret-imap")
    url = f"/admin/email_channel/mailbox/{mailbox.pk}/change/"
    page = client_as_admin.get(url)
    assert page.status_code == 200
    assert "s3cret-imap" not in page.content.decode()
    form = {
        "name": mailbox.name,
        "address": mailbox.address,
        "team": mailbox.team_id or "",
        "is_active": "on",
        "send_acknowledgement": "on",
        "imap_host": "imap.acme.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "support",
        "imap_password": "",
        "imap_folder": "INBOX",
    }
    saved = client_as_admin.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "s3cret-imap"
    assert mailbox.imap_host == "imap.acme.test"

    form["address"] = "help+tag@acme.test"
    refused = client_as_admin.post(url, form)
    assert refused.status_code == 200
    assert "cannot contain" in refused.content.decode()
