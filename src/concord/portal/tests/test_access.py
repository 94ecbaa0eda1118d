"""Not yours looks like not there; every form needs its CSRF token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from concord.accounts.models import User
from concord.conversations.models import Conversation
from concord.conversations.services import attachment_store, conversation_note, conversation_open
from concord.customers.models import Customer
from concord.portal.tests.conftest import PDF

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]


def _bens_request(ben: Customer) -> tuple[Conversation, int]:
    conversation = conversation_open(
        channel="web", customer=ben, subject="Ben's private matter", body_text="Private."
    )
    message = conversation.messages.get()
    attachment = attachment_store(
        message=message,
        uploaded_file=SimpleUploadedFile("bens.pdf", PDF),
        content_type="application/pdf",
    )
    return conversation, attachment.pk


def test_guessing_another_customers_request_gets_404(
    ann_user: User, ben: Customer, signed_in: SignedIn
) -> None:
    conversation, attachment_id = _bens_request(ben)
    client = signed_in(ann_user)
    for url in (
        f"/help/requests/{conversation.pk}/",
        f"/help/files/{attachment_id}/",
        "/help/requests/999999/",
        "/help/files/999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"We couldn\xe2\x80\x99t find that" in response.content
        assert b"Ben" not in response.content
    response = client.post(f"/help/requests/{conversation.pk}/", {"body": "Hijack"})
    assert response.status_code == 404
    assert conversation.messages.count() == 1


def test_files_on_internal_notes_are_never_served_to_customers(
    ann: Customer, ann_user: User, agent: User, signed_in: SignedIn
) -> None:
    conversation = conversation_open(channel="web", customer=ann, body_text="Help")
    note = conversation_note(conversation=conversation, actor=agent, body_text="internal")
    attachment = attachment_store(
        message=note, uploaded_file=SimpleUploadedFile("memo.pdf", PDF), content_type="x"
    )
    assert signed_in(ann_user).get(f"/help/files/{attachment.pk}/").status_code == 404
    page = signed_in(ann_user).get(f"/help/requests/{conversation.pk}/").content
    assert b"memo.pdf" not in page


def test_signed_out_visitors_are_sent_to_sign_in(ann: Customer) -> None:
    conversation = conversation_open(channel="web", customer=ann, body_text="Help")
    for url in (f"/help/requests/{conversation.pk}/", "/help/requests/", "/help/files/1/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/help/sign-in/?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/help/sign-in/link/",
        "/help/sign-in/password/",
        "/help/sign-out/",
        "/help/account/",
        "/help/requests/new/",
        "REQUEST",
    ],
)
def test_every_form_needs_its_csrf_token(ann: Customer, ann_user: User, path: str) -> None:
    conversation = conversation_open(channel="web", customer=ann, body_text="Help")
    if path == "REQUEST":
        path = f"/help/requests/{conversation.pk}/"
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann_user)
    data = {
        "email": "ann@example.net",
        "password": "x",
        "password1": "harbour-lantern-47",
        "password2": "harbour-lantern-47",
        "subject": "Forged",
        "description": "Forged",
        "body": "Forged",
    }
    response = client.post(path, data)
    assert response.status_code == 403
    assert Conversation.objects.count() == 1
    assert conversation.messages.count() == 1
    ann_user.refresh_from_db()
    assert not ann_user.has_usable_password()
    assert client.get("/help/requests/").status_code == 200  # still signed in


def test_a_sign_in_link_needs_its_csrf_token(ann: Customer) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/help/sign-in/l/anything/").status_code == 403
