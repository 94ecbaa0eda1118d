"""Submitting a new request with attachments, and downloading them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from concord.accounts.models import User
from concord.conversations.models import Attachment, Conversation
from concord.customers.models import Customer
from concord.portal.tests.conftest import PDF, PNG, upload

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _submit(client: Client, *files: object) -> object:
    return client.post(
        "/help/requests/new/",
        {
            "subject": "Broken screen",
            "description": "It cracked on day one.",
            "attachments": list(files),
        },
    )


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_customer_submits_a_request_with_attachments(
    ann: Customer, ann_user: User, signed_in: SignedIn
) -> None:
    client = signed_in(ann_user)
    assert client.get("/help/requests/new/").status_code == 200
    response = client.post(
        "/help/requests/new/",
        {
            "subject": "Broken screen",
            "description": "It cracked on day one.",
            "attachments": [
                upload("../../etc/photo.png", PNG),
                upload("receipt.pdf", PDF),
                upload("notes.txt", "Order 1001, café".encode("cp1252")),
                upload("letter.docx", _docx()),
            ],
        },
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/help/requests/{conversation.pk}/"
    assert conversation.channel == "web"
    assert conversation.customer_id == ann.pk
    assert conversation.subject == "Broken screen"
    attachments = list(Attachment.objects.order_by("id"))
    assert [a.original_name for a in attachments] == [
        "photo.png",
        "receipt.pdf",
        "notes.txt",
        "letter.docx",
    ]
    assert attachments[0].content_type == "image/png"
    assert attachments[0].message.conversation_id == conversation.pk

    # Stored under MEDIA_ROOT/attachments by generated names, not the customer's.
    files = _stored_files()
    assert len(files) == 4
    media = Path(settings.MEDIA_ROOT).resolve()
    for path in files:
        assert path.resolve().is_relative_to(media / "attachments")
        assert "photo" not in path.name
        assert "receipt" not in path.name

    page = client.get(f"/help/requests/{conversation.pk}/").content.decode()
    assert "receipt.pdf" in page
    download = client.get(f"/help/files/{attachments[1].pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_a_reply_can_carry_a_file(ann: Customer, ann_user: User, signed_in: SignedIn) -> None:
    client = signed_in(ann_user)
    assert _submit(client).status_code == 302  # type: ignore[attr-defined]
    conversation = Conversation.objects.get()
    response = client.post(
        f"/help/requests/{conversation.pk}/",
        {
            "body": "Here is a photo.",
            "attachments": [upload("crack.jpg", b"\xff\xd8\xff\xe0" + b"0" * 99)],
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "crack.jpg"
    assert attachment.content_type == "image/jpeg"
    assert attachment.message.body_text == "Here is a photo."


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [upload("huge.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024))],
            "“huge.pdf” is 11.0\xa0MB; each file may be at most 10 MB.",
        ),
        (
            [upload("run.exe", b"MZ\x90\x00")],
            "“run.exe” is not a type of file we accept.",
        ),
        (
            [upload("page.svg", b"<svg onload=alert(1)>")],
            "“page.svg” is not a type of file we accept.",
        ),
        (
            [upload("fake.pdf", b"MZ\x90\x00\x03\x00binary")],
            "“fake.pdf” does not contain a PDF, although its name says so.",
        ),
        (
            [upload("fake.docx", b"PK\x03\x04not really a zip")],
            "“fake.docx” does not contain a Word document",
        ),
        (
            [upload("binary.txt", b"\x00\x01\x02\x03")],
            "“binary.txt” does not contain plain text",
        ),
        (
            [upload(f"p{n}.png", PNG) for n in range(6)],
            "You attached 6 files; at most 5 can go with one message.",
        ),
    ],
    ids=["too-big", "bad-type", "svg", "fake-pdf", "fake-docx", "binary-txt", "too-many"],
)
def test_bad_attachments_are_refused_with_a_clear_error(
    ann_user: User, signed_in: SignedIn, files: list[object], message: str
) -> None:
    response = _submit(signed_in(ann_user), *files)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]
    assert Conversation.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files() == []


def test_one_bad_file_among_good_ones_stores_nothing(ann_user: User, signed_in: SignedIn) -> None:
    response = _submit(signed_in(ann_user), upload("ok.png", PNG), upload("bad.exe", b"MZ"))
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert Conversation.objects.count() == 0
    assert _stored_files() == []


def test_a_request_needs_a_subject_and_description(ann_user: User, signed_in: SignedIn) -> None:
    response = signed_in(ann_user).post("/help/requests/new/", {"subject": "", "description": ""})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2
    assert Conversation.objects.count() == 0
