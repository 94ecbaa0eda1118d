"""Raw email bytes → ``ParsedEmail``: headers, body text and HTML, attachments, reports.

Real mail is broken in every way the RFCs allow and many they don't, so
nothing here raises on a bad part: each failure becomes a line in
``defects`` and the rest of the email is still read. Only an email that is
over the size cap, empty, or cannot be parsed at all raises ``EmailRejected``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from urllib.parse import unquote

from concord.channels.email.autoreply import auto_reply_reason
from concord.channels.email.decoding import (
    POLICY,
    Headers,
    MessageCharsets,
    address_list,
    addresses,
    clean,
    decode_bytes,
    decode_words,
    first_mailbox,
    message_charsets,
    one_line,
    parse_date,
    skip_preamble,
)
from concord.channels.email.filenames import UNSAFE_NAME, filename
from concord.channels.email.plaintext import unflow, uudecode

# normalize_message_id is defined beside the report reader, which needs it and
# which this module imports; it is re-exported here as part of this API.
from concord.channels.email.reports import (
    DeliveryReport,
    detect_report,
    message_ids,
    normalize_message_id,
)
from concord.common.html import html_to_text, sanitize_html, text_to_html

__all__ = [
    "EmailRejected",
    "ParsedAttachment",
    "ParsedEmail",
    "SkippedPart",
    "normalize_message_id",
    "parse_email",
]

# Deeper MIME trees are not mail a person wrote; the limits keep a crafted
# email from costing more than a moment.
MAX_DEPTH = 20
MAX_PARTS = 500
MAX_DEFECTS = 50
_SUBJECT_READ = 16 * 1024


class EmailRejected(Exception):
    """The email cannot be used at all; the caller quarantines it with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # as the sender named it (decoded, without any path); "" if unnamed
    content_type: str  # lower-case maintype/subtype
    payload: bytes
    content_id: str  # without <>; "" if none
    inline: bool  # shown in the HTML body (cid:) or an inline image


@dataclass(frozen=True)
class SkippedPart:
    filename: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    from_name: str
    from_address: str  # lower-cased, "" unless it reads as an address
    reply_to_address: str
    # As written, for the sender fallbacks (see services.inbound): the From
    # header decoded on one line, and the first address of From, Reply-To and
    # Sender even when it is not one Concord accepts as it stands.
    from_header: str
    from_spec: str
    reply_to_spec: str
    sender_spec: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    html: str
    attachments: tuple[ParsedAttachment, ...]
    skipped: tuple[SkippedPart, ...]
    auto_submitted: str
    report: DeliveryReport | None
    defects: tuple[str, ...]
    size: int


# ---------------------------------------------------------------- body walk


@dataclass
class _Segment:
    """One piece of body: plain text, HTML (already sanitised), or both alternatives."""

    text: str | None
    html: str | None

    def as_text(self) -> str:
        return self.text if self.text is not None else html_to_text(self.html or "")

    def as_html(self) -> str:
        return self.html if self.html is not None else text_to_html(self.text or "")


@dataclass
class _Walk:
    max_attachment_bytes: int
    linesep: str
    charsets: MessageCharsets
    segments: list[_Segment] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    raw_html: list[str] = field(default_factory=list)
    parts_seen: int = 0

    def defect(self, text: str) -> None:
        if len(self.defects) < MAX_DEFECTS:
            self.defects.append(text)
        elif len(self.defects) == MAX_DEFECTS:
            self.defects.append("… further defects not listed")


# Signatures of multipart/signed: proof for a mail client, noise for an agent.
_SIGNATURE_TYPES = {
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
}
_ENCLOSED_TYPES = {"message/rfc822", "message/global", "message/news"}
# The machine-readable halves of reports: reports.py reads them; as files they are noise.
_REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "message/feedback-report",
    "message/disposition-notification",
}
_REFERENCE_TYPES = {
    "message/external-body": "only a reference to content kept elsewhere, not the content",
    "message/partial": "one fragment of an email split into several",
}


def _walk(part: Message, walk: _Walk, depth: int) -> None:
    walk.parts_seen += 1
    if walk.parts_seen > MAX_PARTS:
        if walk.parts_seen == MAX_PARTS + 1:
            walk.defect(f"more than {MAX_PARTS} MIME parts; the rest were not read")
        return
    ctype = _content_type(part, walk)
    for defect in part.defects:
        walk.defect(f"{ctype}: {type(defect).__name__}")
    try:
        if ctype in _REPORT_TYPES:
            return
        if ctype in _REFERENCE_TYPES:
            name = filename(part, walk.charsets)
            walk.skipped.append(SkippedPart(name, 0, _REFERENCE_TYPES[ctype]))
        elif ctype in _ENCLOSED_TYPES or (
            ctype.startswith("message/") and isinstance(part.get_payload(), list)
        ):
            _enclosed(part, ctype, walk)
        elif isinstance(part.get_payload(), list) and ctype.startswith("multipart/"):
            _multipart(part, ctype, walk, depth)
        elif ctype.startswith("multipart/"):
            # Its boundary never appeared: what is there is best read as text.
            walk.defect(f"{ctype} without its parts; read as plain text")
            _text_leaf(part, "text/plain", walk)
        elif ctype in ("text/plain", "text/html") and _is_body(part, depth, walk):
            _text_leaf(part, ctype, walk)
        else:
            _attachment(part, ctype, walk)
    except RecursionError:
        raise
    except Exception as error:  # one unreadable part must not cost the rest of the email
        walk.defect(f"{ctype}: could not be read ({type(error).__name__}: {error})"[:300])


def _content_type(part: Message, walk: _Walk) -> str:
    try:
        return part.get_content_type()
    except Exception:
        walk.defect("unreadable Content-Type; read as text/plain")
        return "text/plain"


def _multipart(part: Message, ctype: str, walk: _Walk, depth: int) -> None:
    children = [child for child in part.get_payload() if isinstance(child, Message)]
    if depth + 1 > MAX_DEPTH:
        walk.defect(f"MIME parts nested deeper than {MAX_DEPTH} levels were not read")
        return
    if ctype == "multipart/signed":
        children = [c for c in children if c.get_content_type() not in _SIGNATURE_TYPES]
    if ctype != "multipart/alternative":
        for child in children:
            _walk(child, walk, depth + 1)
        return
    # Each alternative is walked on its own; the first with plain text gives the
    # text (a second text/plain is often mislabelled HTML), the last with HTML
    # gives the HTML (RFC 2046: richest last). Attachments of all are kept.
    texts: list[str] = []
    htmls: list[str] = []
    for child in children:
        sub = _Walk(
            walk.max_attachment_bytes, walk.linesep, walk.charsets, parts_seen=walk.parts_seen
        )
        _walk(child, sub, depth + 1)
        walk.parts_seen = sub.parts_seen
        walk.attachments += sub.attachments
        walk.skipped += sub.skipped
        walk.raw_html += sub.raw_html
        for defect in sub.defects:
            walk.defect(defect)
        if not texts and any(s.text is not None for s in sub.segments):
            texts = [s.as_text() for s in sub.segments]
        if any(s.html is not None for s in sub.segments):
            htmls = [s.as_html() for s in sub.segments]
    text = "\n\n".join(texts) if texts else None
    html = "".join(htmls) if htmls else None
    if text is not None and not text.strip() and html is not None:
        text = None  # an empty plain alternative next to real HTML says nothing
    if text is not None or html is not None:
        walk.segments.append(_Segment(text, html))


def _disposition(part: Message) -> str:
    try:
        return part.get_content_disposition() or ""
    except Exception:
        return ""


def _is_body(part: Message, depth: int, walk: _Walk) -> bool:
    disposition = _disposition(part)
    if disposition == "attachment":
        return False
    # A named text part is a file the sender attached, unless it is the whole email.
    return depth == 0 or disposition == "inline" or not filename(part, walk.charsets)


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)


def _text_leaf(part: Message, ctype: str, walk: _Walk) -> None:
    data = _payload_bytes(part)
    label = _charset(part)
    if label is None and ctype == "text/html":
        found = _META_CHARSET.search(data[:4096])
        label = found.group(1).decode("ascii") if found else None
    text, note = decode_bytes(data, label, walk.charsets)
    if note:
        walk.defect(f"{ctype}: {note}")
    text = clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    if ctype == "text/html":
        walk.raw_html.append(text)
        walk.segments.append(_Segment(None, sanitize_html(text)))
        return
    text, files = uudecode(text)
    for name, file_type, payload in files:
        _keep(walk, name, file_type, payload, "", inline=False)
    if _param(part, "format").lower() == "flowed":
        text = unflow(text, delsp=_param(part, "delsp").lower() == "yes")
    walk.segments.append(_Segment(text, None))


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:  # an RFC 2231 charset parameter in a charset nobody knows
        return None
    return charset or None


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    return value if isinstance(value, str) else ""


def _content_id(part: Message) -> str:
    values = [str(v) for k, v in part.raw_items() if k.lower() == "content-id"]
    return normalize_message_id(clean(values[0])) if values else ""


def _attachment(part: Message, ctype: str, walk: _Walk) -> None:
    payload = _payload_bytes(part)
    name = filename(part, walk.charsets)
    if not payload and not name:
        return  # an empty unnamed part (a stray boundary) carries nothing
    _keep(walk, name, ctype, payload, _content_id(part), inline=_disposition(part) == "inline")


def _keep(
    walk: _Walk, name: str, ctype: str, payload: bytes, content_id: str, *, inline: bool
) -> None:
    if len(payload) > walk.max_attachment_bytes:
        reason = f"{ctype} over the {walk.max_attachment_bytes}-byte limit for one attachment"
        walk.skipped.append(SkippedPart(name, len(payload), reason))
        return
    inline = inline and ctype.startswith("image/")
    walk.attachments.append(ParsedAttachment(name, ctype, payload, content_id, inline))


def _enclosed(part: Message, ctype: str, walk: _Walk) -> None:
    """A forwarded email is kept whole as an .eml attachment; its body is not ours to show."""
    enclosed = part.get_payload()
    name = filename(part, walk.charsets)
    if not isinstance(enclosed, list) or not enclosed or not isinstance(enclosed[0], Message):
        payload = _payload_bytes(part)
    else:
        inner = enclosed[0]
        # compat32 with no line limit writes headers back as they came (no
        # refolding), and several times faster than the modern policy.
        as_written = policy.compat32.clone(linesep=walk.linesep, max_line_length=0)
        try:
            payload = inner.as_bytes(policy=as_written)
        except RecursionError:
            walk.skipped.append(SkippedPart(name, 0, "forwarded email nested too deeply"))
            return
        if not name and ctype in _ENCLOSED_TYPES:
            subject = one_line(decode_words(Headers(inner).first("subject")))
            subject = UNSAFE_NAME.sub("", re.sub(r"[/\\:*?\"<>|]", "_", subject))[:150]
            name = f"{subject}.eml" if subject else ""
    content_type = "message/rfc822" if ctype == "message/news" else ctype
    _keep(walk, name, content_type, payload, _content_id(part), inline=False)


# ---------------------------------------------------------------- the whole email


def _parse(raw: bytes) -> EmailMessage:
    try:
        msg = BytesParser(policy=POLICY).parsebytes(raw)
    except RecursionError as error:
        raise EmailRejected(
            "The email's MIME parts are nested too deeply to be read "
            "(hundreds of levels: broken or built to exhaust the parser)."
        ) from error
    except Exception as error:  # the parser is built not to raise; if it does, nothing is usable
        reason = f"The email could not be parsed: {type(error).__name__}: {error}"
        raise EmailRejected(reason) from error
    return msg


def parse_email(*, raw: bytes, max_message_bytes: int, max_attachment_bytes: int) -> ParsedEmail:
    if len(raw) > max_message_bytes:
        raise EmailRejected(
            f"The email is {len(raw)} bytes, over the {max_message_bytes}-byte limit."
        )
    if not raw.strip():
        raise EmailRejected("The email is empty: it has no headers and no body.")
    preamble, rest = skip_preamble(raw)
    msg = _parse(rest)
    charsets = message_charsets(msg, MAX_PARTS)
    headers = Headers(msg, charsets)
    if not headers.values and not str(msg.get_payload()).strip():
        raise EmailRejected("The email has no headers and no body.")

    walk = _Walk(max_attachment_bytes, "\r\n" if b"\r\n" in raw[:4096] else "\n", charsets)
    if not headers.values:
        walk.defect("no header block: the whole email was read as its body")
    if preamble:
        first = preamble[0].decode("utf-8", "replace")[:100]
        walk.defect(
            f"{len(preamble)} line(s) before the headers were set aside, the first: {first}"
        )
    try:
        _walk(msg, walk, 0)
    except RecursionError:
        walk.defect("MIME structure too deep to read completely")

    report = None
    try:
        report = detect_report(msg)
        auto_submitted = auto_reply_reason(msg)
    except Exception as error:  # a broken report is still an email; it just isn't classified
        walk.defect(f"delivery report unreadable: {type(error).__name__}: {error}"[:300])
        auto_submitted = ""
    if report is not None and not auto_submitted:
        auto_submitted = "delivery report"

    from_list = addresses(headers.all("from"), charsets)
    reply_to = addresses(headers.all("reply-to"), charsets)
    written_name, from_spec = first_mailbox(headers.all("from"), charsets)
    return ParsedEmail(
        message_id=normalize_message_id(headers.first("message-id")),
        in_reply_to=message_ids(" ".join(headers.all("in-reply-to"))),
        references=message_ids(" ".join(headers.all("references"))),
        from_name=from_list[0][0] if from_list else written_name,
        from_address=from_list[0][1] if from_list else "",
        reply_to_address=reply_to[0][1] if reply_to else "",
        from_header=one_line(decode_words(headers.first("from"), charsets))[:998],
        from_spec=from_spec[:998],
        reply_to_spec=first_mailbox(headers.all("reply-to"))[1][:998],
        sender_spec=first_mailbox(headers.all("sender"))[1][:998],
        to=address_list(headers.all("to")),
        cc=address_list(headers.all("cc")),
        delivered_to=address_list(headers.all("delivered-to", "x-original-to")),
        # The caller keeps a few hundred characters; decoding 200 KB of subject costs 0.1 s.
        subject=one_line(decode_words(headers.first("subject")[:_SUBJECT_READ], charsets)),
        date=parse_date(headers.first("date")),
        text=_text(walk.segments),
        html=_html(walk.segments),
        attachments=_mark_inline(walk.attachments, walk.raw_html),
        skipped=tuple(walk.skipped),
        auto_submitted=auto_submitted,
        report=report,
        defects=tuple(dict.fromkeys(walk.defects)),
        size=len(raw),
    )


def _text(segments: list[_Segment]) -> str:
    texts = [segment.as_text() for segment in segments]
    if len(texts) == 1:
        return texts[0]
    return "\n\n".join(text.strip("\n") for text in texts if text.strip())


def _html(segments: list[_Segment]) -> str:
    if not any(s.html is not None for s in segments):
        return ""
    return "".join(s.as_html() for s in segments).strip()


_CID_REFERENCE = re.compile(r"cid:([^\"'\s>)]+)", re.I)


def _mark_inline(
    attachments: list[ParsedAttachment], raw_html: list[str]
) -> tuple[ParsedAttachment, ...]:
    referenced = {unquote(c).strip("<>") for html in raw_html for c in _CID_REFERENCE.findall(html)}
    return tuple(
        replace(a, inline=True) if a.content_id and a.content_id in referenced else a
        for a in attachments
    )
