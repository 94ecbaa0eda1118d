"""Downloads of message attachments, behind the same access check as the conversation."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_http_methods

from concord.common.errors import NotFound
from concord.conversations.selectors import attachment_get_for_user
from concord.conversations.services.attachments import attachment_open
from concord.workspace.views._common import staff, staff_required


@staff_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        attachment = attachment_get_for_user(user=staff(request), attachment_id=pk)
    except NotFound:
        raise Http404("No such file, or not one you can see.") from None
    # Always a download, never shown inline: a customer's "image" could be
    # HTML or SVG with script in it, and this is the agents' origin.
    response = FileResponse(
        attachment_open(attachment=attachment),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
