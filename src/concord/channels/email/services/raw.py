"""Raw emails on disk: written before parsing, outside the web root, by generated names."""

from __future__ import annotations

import hashlib
import uuid
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from concord.channels.email.parsing import normalize_message_id

RAW_PREFIX = "mail/raw"
# Enough for any sane header block; the rest of the email is not needed for the key.
_HEADER_BYTES = 256 * 1024


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(dedup key, normalised Message-ID) of a raw email.

    Only the header block is read, with the lenient compat32 parser, so this
    never fails: mail without a usable Message-ID is keyed by its content hash.
    """
    head = raw[:_HEADER_BYTES]
    try:
        message_id = normalize_message_id(
            str(BytesHeaderParser(policy=compat32).parsebytes(head).get("Message-ID") or "")
        )
    except Exception:  # a header we cannot read means "no Message-ID"
        message_id = ""
    if message_id:
        return f"mid:{message_id}"[:300], message_id[:300]
    return f"sha256:{hashlib.sha256(raw).hexdigest()}", ""


def raw_save(raw: bytes) -> str:
    key = uuid.uuid4().hex
    return default_storage.save(f"{RAW_PREFIX}/{key[:2]}/{key}.eml", ContentFile(raw))


def raw_read(storage_name: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        data: bytes = handle.read()
    return data


def raw_delete(storage_name: str) -> None:
    if storage_name.startswith(f"{RAW_PREFIX}/"):
        default_storage.delete(storage_name)
