"""Downloads of message attachments, behind the same access check as the conversation."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_http_methods

from concord.common.errors import NotFound
from concord.conversations.responses import attachment_response
from concord.conversations.selectors import attachment_get_for_user
from concord.workspace.views._common import staff, staff_required


@staff_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        attachment = attachment_get_for_user(user=staff(request), attachment_id=pk)
    except NotFound:
        raise Http404("No such file, or not one you can see.") from None
    return attachment_response(attachment=attachment)
