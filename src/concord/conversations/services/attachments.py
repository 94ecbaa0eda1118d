"""Files that come with messages: stored by generated names outside the web root."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from concord.common.errors import ValidationFailed
from concord.conversations.models import Attachment, Message
from concord.conversations.services._common import when

# Everything under this prefix of the default storage (MEDIA_ROOT locally) is an
# attachment; nothing serves MEDIA_ROOT directly, downloads go through a view
# that checks access.
ATTACHMENT_PREFIX = "attachments"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def clean_attachment_name(name: str) -> str:
    """The sender's file name, kept as metadata: no path, no control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip().strip(".") or "attachment"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) <= 16 else name[:255]
    return name


def attachment_store(
    *,
    message: Message,
    uploaded_file: File[bytes],
    content_type: str = "application/octet-stream",
    content_id: str = "",
    at: datetime | None = None,
) -> Attachment:
    """Write ``uploaded_file`` to storage and attach it to ``message``.

    The caller decides what it accepts (size, types) and passes the content
    type it established; this only stores. The row is written in the caller's
    transaction; if that transaction rolls back, the caller should remove the
    file (``attachment_discard``), or a sweep finds it by its missing row.
    """
    size = uploaded_file.size
    if size is None:
        raise ValidationFailed("The file's size is unknown.", field="files")
    moment = when(at)
    key = uuid.uuid4().hex
    # Two levels of fan-out keep directories small without a database lookup.
    wanted = f"{ATTACHMENT_PREFIX}/{key[:2]}/{key}"
    uploaded_file.seek(0)
    with transaction.atomic():
        stored = default_storage.save(wanted, uploaded_file)
        return Attachment.objects.create(
            message=message,
            original_name=clean_attachment_name(uploaded_file.name or ""),
            content_type=content_type[:100],
            content_id=content_id[:255],
            size=size,
            storage_name=stored,
            created_at=moment,
        )


def attachment_discard(*, storage_names: list[str]) -> None:
    """Remove stored files whose rows were never committed."""
    for name in storage_names:
        if name.startswith(f"{ATTACHMENT_PREFIX}/"):
            default_storage.delete(name)


def attachment_open(*, attachment: Attachment) -> File[bytes]:
    """The stored file, opened for reading (the caller checked access)."""
    return default_storage.open(attachment.storage_name, "rb")
