"""HTTP responses for conversation files, shared by the workspace and the portal."""

from __future__ import annotations

from django.http import FileResponse

from concord.conversations.models import Attachment
from concord.conversations.services.attachments import attachment_open


def attachment_response(*, attachment: Attachment) -> FileResponse:
    """The file as a download, never shown inline.

    A customer's "image" could be HTML or SVG with script in it, and the pages
    serving it are Concord's own origin: so always ``attachment``, ``nosniff``,
    and never cached by shared caches.
    """
    response = FileResponse(
        attachment_open(attachment=attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
