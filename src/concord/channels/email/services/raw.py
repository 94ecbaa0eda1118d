"""Raw emails on disk: written before parsing, outside the web root, by generated names."""

from __future__ import annotations

import hashlib
import uuid
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from concord.channels.email.decoding import skip_preamble
from concord.channels.email.parsing import normalize_message_id

RAW_PREFIX = "mail/raw"
# Enough for any sane header block; the rest of the email is not needed for the key.
_HEADER_BYTES = 256 * 1024


def dedup_key(raw: bytes) -> tuple[str, str]:
    """(dedup key, normalised Message-ID) of a raw email.

    The key is a hash of the content (``content_hash``), never the Message-ID
    alone: broken mailers reuse Message-IDs, forwarders keep them and spammers
    forge them, so two different emails with one Message-ID are two emails.
    The same email delivered twice (by SMTP and IMAP, or a retried delivery
    through another relay) has the same key. Only the header block is read
    for the Message-ID, with the lenient compat32 parser, so this never fails.
    """
    head = skip_preamble(raw[:_HEADER_BYTES])[1]
    try:
        message_id = normalize_message_id(
            str(BytesHeaderParser(policy=compat32).parsebytes(head).get("Message-ID") or "")
        )
    except Exception:  # a header we cannot read means "no Message-ID"
        message_id = ""
    return f"content:{content_hash(raw)}", message_id[:300]


def legacy_keys(raw: bytes, message_id: str) -> tuple[str, str]:
    """The keys rows stored before content keys had: by Message-ID, else by the raw bytes.

    A row keyed by its Message-ID is the same email only if its content hash
    matches too (the caller reads it); one keyed by the raw bytes is identical.
    """
    by_id = f"mid:{message_id}"[:300] if message_id else ""
    return by_id, f"sha256:{hashlib.sha256(raw).hexdigest()}"


# Header fields the servers on the way add, so two deliveries of one email
# differ in them: trace fields, envelope copies, signatures and verdicts added
# in transit, spam and virus scanners' notes.
TRANSPORT_HEADERS = frozenset(
    {
        "received",
        "x-received",
        "return-path",
        "delivered-to",
        "x-delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "x-envelope-from",
        "x-forwarded-to",
        "x-forwarded-for",
        "dkim-signature",
        "domainkey-signature",
        "x-google-dkim-signature",
        "authentication-results",
        "x-original-authentication-results",
        "received-spf",
        "x-virus-scanned",
        "x-gm-message-state",
    }
)
_TRANSPORT_PREFIXES = ("arc-", "x-spam-", "x-ms-exchange-")


def content_hash(raw: bytes) -> str:
    """SHA-256 of the email without what transport adds: the same email, however delivered.

    Line endings are unified, lines before the header block (``skip_preamble``)
    and the ``TRANSPORT_HEADERS`` are left out; every other byte counts.
    """
    text = skip_preamble(raw.replace(b"\r\n", b"\n"))[1]
    head, separator, body = text.partition(b"\n\n")
    kept: list[bytes] = []
    dropping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
        dropping = name in TRANSPORT_HEADERS or name.startswith(_TRANSPORT_PREFIXES)
        if not dropping:
            kept.append(line)
    digest = hashlib.sha256(b"\n".join(kept))
    digest.update(separator + body.rstrip(b"\n"))
    return digest.hexdigest()


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
