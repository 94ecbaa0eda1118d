"""Attachments on the conversation timeline, and their downloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from concord.accounts.models import Team, User
from concord.conversations.models import Attachment, Conversation
from concord.conversations.services import conversation_note, message_receive
from concord.conversations.services.attachments import attachment_store
from concord.workspace.tests.conftest import Opener

SignIn = Callable[[User], Client]
PDF = b"%PDF-1.4 not really a pdf, but the bytes are what matter here"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


def attach(conversation: Conversation, name: str, content: bytes, content_type: str) -> Attachment:
    message = message_receive(conversation=conversation, body_text="See the file.", channel="email")
    return attachment_store(
        message=message, uploaded_file=ContentFile(content, name=name), content_type=content_type
    )


def test_the_timeline_lists_each_messages_files(
    as_user: SignIn, agent: User, open_conv: Opener, support: Team
) -> None:
    conv = open_conv(team=support)
    receipt = attach(conv, "receipt.pdf", PDF, "application/pdf")
    body = as_user(agent).get(f"/app/conversations/{conv.pk}/").content.decode()
    assert f'href="/app/attachments/{receipt.pk}/" download>receipt.pdf</a>' in body
    assert f"({len(PDF)}\xa0bytes)" in body


def test_an_agent_downloads_a_file_of_a_visible_conversation(
    as_user: SignIn, agent: User, open_conv: Opener, support: Team
) -> None:
    receipt = attach(open_conv(team=support), "receipt.pdf", PDF, "application/pdf")
    response = as_user(agent).get(f"/app/attachments/{receipt.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_on_an_internal_note_is_for_staff(
    as_user: SignIn, agent: User, dana: User, open_conv: Opener, support: Team
) -> None:
    conv = open_conv(team=support)
    note = conversation_note(conversation=conv, actor=dana, body_text="Screenshot attached.")
    shot = attachment_store(
        message=note,
        uploaded_file=ContentFile(b"<svg onload=alert(1)>", name="shot.svg"),
        content_type="image/svg+xml",
    )
    response = as_user(agent).get(f"/app/attachments/{shot.pk}/")
    assert response.status_code == 200
    # Never rendered inline on the workspace's origin, whatever its type claims.
    assert response["Content-Disposition"] == 'attachment; filename="shot.svg"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_agent_of_another_team_gets_404(
    as_user: SignIn, other_agent: User, open_conv: Opener, support: Team
) -> None:
    receipt = attach(open_conv(team=support), "receipt.pdf", PDF, "application/pdf")
    response = as_user(other_agent).get(f"/app/attachments/{receipt.pk}/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    assert as_user(other_agent).get("/app/attachments/999999/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(
    client: Client, open_conv: Opener, support: Team
) -> None:
    receipt = attach(open_conv(team=support), "receipt.pdf", PDF, "application/pdf")
    response = client.get(f"/app/attachments/{receipt.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/app/login/")
