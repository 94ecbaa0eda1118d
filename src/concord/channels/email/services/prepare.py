"""Reading a stored email into what will be recorded: pure work, no database.

Done before the write transaction (the batch path parses a whole batch
first), so the time the database is held is the time of the writes alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from django.conf import settings

from concord.channels.email.addresses import strip_subject_tag, usable_address
from concord.channels.email.models import InboundEmail, SenderSource
from concord.channels.email.parsing import ParsedEmail, parse_email
from concord.channels.email.services.raw import raw_read
from concord.channels.email.trimmer import trim_html, trim_reply


@dataclass
class Prepared:
    """A parsed email and what its message will say; ``sender`` "" when none is usable."""

    parsed: ParsedEmail
    sender: str = ""
    source: str = ""
    name: str = ""
    notes: list[str] = field(default_factory=list)
    body_text: str = ""
    body_html: str | None = None
    quoted: str = ""


def prepare(*, inbound: InboundEmail) -> Prepared:
    """Parse, pick the sender, trim and compose the bodies; raises ``EmailRejected``."""
    parsed = parse_email(
        raw=raw_read(inbound.storage_name),
        max_message_bytes=settings.CONCORD_EMAIL_MAX_MESSAGE_BYTES,
        max_attachment_bytes=settings.CONCORD_EMAIL_MAX_ATTACHMENT_BYTES,
    )
    if parsed.report is not None:
        return Prepared(parsed=parsed)
    sender, source, notes = _sender(inbound=inbound, parsed=parsed)
    trimmed = trim_reply(text=parsed.text)
    body_text, body_html = _bodies(parsed=parsed, text=trimmed.text, trimmed=bool(trimmed.quoted))
    if parsed.skipped:
        # Said in the message itself, so the agent and the customer know a file is missing.
        left_out = "\n".join(
            f"[Not kept: “{part.filename or 'an attachment'}” ({part.size} bytes): {part.reason}]"
            for part in parsed.skipped
        )
        body_text = f"{body_text}\n\n{left_out}"
        body_html = None if body_html is None else f"{body_html}<p>{escape(left_out)}</p>"
    # Which address the sender really is stays in ``notes`` (the inbound row's
    # reason, shown to agents on the timeline), never in the message body,
    # which the customer sees in the portal.
    notes += [
        f"Not kept: “{part.filename}” ({part.size} bytes): {part.reason}" for part in parsed.skipped
    ]
    return Prepared(
        parsed=parsed,
        sender=sender,
        source=source,
        name=display_name(parsed.from_name),
        notes=notes,
        body_text=body_text,
        body_html=body_html,
        quoted=trimmed.quoted,
    )


_FALLBACKS = (
    (SenderSource.REPLY_TO, "Reply-To"),
    (SenderSource.SENDER, "Sender"),
    (SenderSource.ENVELOPE, "the envelope sender (MAIL FROM)"),
)


def _sender(*, inbound: InboundEmail, parsed: ParsedEmail) -> tuple[str, str, list[str]]:
    """(address, where it came from, notes): From if it is or can be made an address.

    Else Reply-To, then Sender, then the envelope sender; the first note then
    names the From header as written and the fallback used, so the fallback
    is never mistaken for what From said. ("", "", notes) when none is usable.
    """
    notes: list[str] = []
    written = parsed.from_spec or parsed.from_address
    # The first mailbox of From as written; else the first the strict reading accepts.
    for spec in dict.fromkeys(s for s in (parsed.from_spec, parsed.from_address) if s):
        address = usable_address(spec)
        if address:
            if address != spec.lower():
                notes.append(f"The From address {spec} was read as {address}.")
            return address, SenderSource.FROM, notes
    if not parsed.from_header:
        what = "The email has no From header"
    elif written:
        what = (
            f"The From address “{written}” (From: {parsed.from_header}) is not one Concord can use"
        )
    else:
        what = f"The From header “{parsed.from_header}” could not be read as an address"
    candidates = (parsed.reply_to_spec, parsed.sender_spec, inbound.envelope_from)
    for (source, label), candidate in zip(_FALLBACKS, candidates, strict=True):
        address = usable_address(candidate) if candidate else ""
        if address:
            notes.insert(0, f"{what}; the sender was taken from {label}: {address}.")
            return address, source, notes
    return "", "", notes


def display_name(name: str) -> str:
    """A display name worth keeping as the customer's name: not an address, not empty."""
    name = name.strip().strip("'\"").strip()
    return "" if _ADDRESS_LIKE.search(name) else name[:200]


_ADDRESS_LIKE = re.compile(r"\S@\S")


def subject_for(subject: str) -> str:
    limit = settings.CONCORD_MAX_SUBJECT_LENGTH
    return strip_subject_tag(subject)[:limit] or "(no subject)"


def _bodies(*, parsed: ParsedEmail, text: str, trimmed: bool) -> tuple[str, str | None]:
    """The text and HTML to record, within the size limit the services enforce.

    When the trimmer folded away quoted history, the HTML loses it too
    (``trim_html``); when the HTML trimmer finds no history of its own, the
    trimmed text is shown instead. Nothing is lost either way: the quoted
    part is kept on the message and the raw email is kept.
    """
    limit = settings.CONCORD_MAX_MESSAGE_BYTES
    html = parsed.html if parsed.html.strip() else None
    if html is not None and trimmed:
        folded = trim_html(html=html)
        html = folded.html if folded.quoted else None
    if html is not None and len(html.encode("utf-8")) > limit:
        html = None
    text = text.strip()
    if len(text.encode("utf-8")) > limit:
        note = "\n\n[Shortened here: the full text is in the original email.]"
        text = text.encode("utf-8")[: limit - 200].decode("utf-8", "ignore") + note
    if not text and html is None:
        text = "(The email had no text.)" if not parsed.attachments else "(Attachments only.)"
    return text, html
