"""Bounces (RFC 3464 and the free-form ones MTAs still send) and complaints (ARF,
RFC 5965). Automatic replies are told apart in ``autoreply``, which uses the
lenient header readers and the bounce test defined here.

Pure functions over an already parsed ``EmailMessage``; nothing here touches
the database. Only the top-level multipart tree is searched: a customer who
forwards a bounce as an attachment (message/rfc822) wrote a message, the
enclosed report is theirs to show us, not a report about our mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from typing import Literal

ReportKind = Literal["bounce", "complaint"]

_DIAGNOSTIC_LIMIT = 500
_MAX_RECIPIENTS = 20
# Multipart levels searched for the report parts; real reports use one or two.
_SEARCH_DEPTH = 4
# Only the start of a free-form bounce is read: the notice is short, the
# returned message after it can be large and says nothing about the failure.
_SCAN_CHARS = 64 * 1024


@dataclass(frozen=True)
class DeliveryReport:
    kind: ReportKind
    permanent: bool  # bounce: the address will not work (5.x.x); complaints: True
    status: str  # enhanced status code, e.g. "5.1.1"; "" if unknown
    action: str  # "failed", "delayed", ... for bounces; the feedback type ("abuse") for complaints
    recipients: tuple[str, ...]  # lower-cased addresses the report is about
    original_message_id: str  # normalised Message-ID of our email it reports on
    diagnostic: str  # short human text, at most 500 characters


# ---------------------------------------------------------------- message ids

_BRACKETED_ID = re.compile(r"<([^<>]*)>")


def normalize_message_id(value: str) -> str:
    """``<abc@host>`` → ``abc@host``; "" for nothing usable.

    Folding can leave whitespace inside a long id, and senders add comments
    after it, so the first bracketed id wins and whitespace is dropped.
    """
    found = _BRACKETED_ID.search(value)
    inner = found.group(1) if found else value
    return "".join(inner.replace("\x00", "").split()).strip("<>")


def message_ids(value: str) -> tuple[str, ...]:
    """Every id in an In-Reply-To or References value, in order, without repeats."""
    found = _BRACKETED_ID.findall(value)
    candidates = found or [token for token in re.split(r"[\s,]+", value) if "@" in token]
    ids = (normalize_message_id(candidate) for candidate in candidates)
    return tuple(dict.fromkeys(i for i in ids if i))


# ---------------------------------------------------------------- small readers


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _clean(value: str) -> str:
    """Undo the parser's surrogate escapes; a report is read for codes and ids, not prose."""
    if not _ESCAPED_BYTE.search(value):
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def header(msg: Message, name: str) -> str:
    """One raw header value, never raising (the structured parsers can, on junk)."""
    lowered = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lowered:
            return _clean(str(value)).strip()
    return ""


def _headers(msg: Message, name: str) -> list[str]:
    lowered = name.lower()
    return [_clean(str(v)).strip() for k, v in msg.raw_items() if k.lower() == lowered]


def content_type_param(msg: Message, name: str) -> str:
    try:
        value = msg.get_param(name, header="content-type")
    except Exception:  # a malformed Content-Type has no usable parameters
        return ""
    return value.lower().strip() if isinstance(value, str) else ""


def _parts(msg: Message, depth: int = 0) -> Iterator[Message]:
    """The multipart tree below ``msg``, not entering enclosed messages."""
    payload = msg.get_payload()
    if depth >= _SEARCH_DEPTH or not isinstance(payload, list):
        return
    if msg.get_content_maintype() != "multipart":
        return
    for part in payload:
        if isinstance(part, Message):
            yield part
            yield from _parts(part, depth + 1)


def _payload_text(part: Message) -> str:
    """The text of a part however the parser stored it (str, bytes or header blocks)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if not isinstance(block, Message):
                continue
            lines = [f"{k}: {_clean(str(v))}" for k, v in block.raw_items()]
            body = block.get_payload()
            if isinstance(body, str) and body.strip():
                lines.append("\n" + _clean(body))
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)
    try:
        data = part.get_payload(decode=True)
    except Exception:  # undecodable transfer encoding: the raw text still has the codes
        data = None
    if isinstance(data, bytes):
        charset = content_type_param(part, "charset") or "utf-8"
        try:
            return data.decode(charset, "replace")
        except LookupError:
            return data.decode("utf-8", "replace")
    return _clean(payload) if isinstance(payload, str) else ""


def _fields(text: str) -> list[dict[str, str]]:
    """``Name: value`` blocks separated by blank lines (RFC 3464 §2.1), unfolded."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current, last = {}, ""
        elif line[0] in " \t" and last:
            current[last] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip().lower()
            current.setdefault(last, value.strip())
    if current:
        blocks.append(current)
    return blocks


_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-=/!#$&'*?^`{|}~]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def _address(value: str) -> str:
    """``rfc822; <Dana@Example.com>`` → ``dana@example.com``; "" if none."""
    _, _, address = value.rpartition(";")
    found = _ADDRESS.search(address)
    return found.group(0).lower() if found else ""


_LINE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>|\S+)", re.I | re.M)


def _enclosed_message_id(msg: Message) -> str:
    """Message-ID of the returned message: its headers part, else a quoted header line."""
    for part in _parts(msg):
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            enclosed = part.get_payload()
            if isinstance(enclosed, list) and enclosed and isinstance(enclosed[0], Message):
                found = normalize_message_id(header(enclosed[0], "Message-ID"))
                if found:
                    return found
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            found_line = _LINE_ID.search(_payload_text(part))
            if found_line:
                return normalize_message_id(found_line.group(1))
    return ""


def _enclosed_recipients(msg: Message) -> list[str]:
    for part in _parts(msg):
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            enclosed = part.get_payload()
            if isinstance(enclosed, list) and enclosed and isinstance(enclosed[0], Message):
                return [a.lower() for a in _ADDRESS.findall(header(enclosed[0], "To"))]
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            for block in _fields(_payload_text(part))[:1]:
                return [a.lower() for a in _ADDRESS.findall(block.get("to", ""))]
    return []


def _short(text: str) -> str:
    return " ".join(text.split())[:_DIAGNOSTIC_LIMIT]


_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def _status(text: str) -> str:
    found = _STATUS.search(text)
    return ".".join(found.groups()) if found else ""


# ---------------------------------------------------------------- free-form bounces

_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|undeliverable mail|delivery status notification"
    r"|delivery notification|mail delivery failed|mail delivery failure|delivery failure"
    r"|returned mail|failure notice|mail system error|non[- ]?delivery|delivery has failed"
    r"|message not delivered|could not send message|warning: could not send"
    r"|delayed mail|delivery delayed|mail could not be delivered|unzustellbar"
    r"|non remis|non recapitabile|onbestelbaar|no se puede entregar|返信不可)",
    re.I,
)
_DAEMON_LOCAL_PARTS = {"mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster"}
_DAEMON_NAME = re.compile(r"mail delivery (subsystem|system)|mailer-daemon", re.I)
# Where the notice ends and the returned message begins.
_ORIGINAL_STARTS = re.compile(
    r"^[ \t-]*(original message|-+ ?original message|original message follows"
    r"|this is a copy of the message|below this line is a copy of the message"
    r"|the original message was|a copy of the original message"
    r"|----- ?(transcript|message header|original|unsent message))",
    re.I | re.M,
)
_PERMANENT_WORDS = re.compile(
    r"failed permanently|permanent (error|failure|fatal)|does not exist|doesn't exist"
    r"|user unknown|unknown user|no such (user|mailbox|recipient|address)"
    r"|mailbox (is )?(unavailable|not found|disabled)|recipient (address )?rejected"
    r"|address rejected|invalid (recipient|address|mailbox)|unrouteable|unroutable"
    r"|domain name not found|host or domain name not found|account (has been )?disabled",
    re.I,
)
_DELAYED_WORDS = re.compile(
    r"warning only|will be retried|will retry|still trying|has not yet been delivered"
    r"|delivery (is )?delayed|delayed mail|deferred|temporarily",
    re.I,
)


def _from_parts(msg: Message) -> tuple[str, str]:
    """(lower-cased address, display text) of the From header, read leniently."""
    value = header(msg, "From")
    found = _ADDRESS.search(value) or re.search(r"[\w.\-+]+@[\w.\-]+", value)
    return (found.group(0).lower() if found else value.strip("<> ").lower()), value


def _from_daemon(msg: Message) -> bool:
    address, display = _from_parts(msg)
    local = address.partition("@")[0]
    return local in _DAEMON_LOCAL_PARTS or bool(_DAEMON_NAME.search(display))


def subject(msg: Message) -> str:
    return " ".join(header(msg, "Subject").split())


def looks_like_bounce(msg: Message) -> bool:
    """A free-form bounce: strong headers, or a bounce subject from a mail system.

    A bounce subject alone is not enough: a person may well write
    "Returned mail" about a parcel, and ``postmaster@`` is a person at times.
    """
    if header(msg, "X-Failed-Recipients") or has_header(msg, "X-MS-Exchange-Message-Is-Ndr"):
        return True
    address, _ = _from_parts(msg)
    if address.partition("@")[0] in ("mailer-daemon", "mailer_daemon", "mailerdaemon"):
        return True
    if not _BOUNCE_SUBJECT.search(subject(msg)):
        return False
    null_sender = has_header(msg, "Return-Path") and header(msg, "Return-Path") in ("<>", "")
    return _from_daemon(msg) or null_sender or auto_submitted(msg) != ""


def has_header(msg: Message, name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key in msg)


def auto_submitted(msg: Message) -> str:
    """The Auto-Submitted value (RFC 3834), "" when absent or "no".

    Here rather than in ``autoreply``: a bounce subject counts only from a
    machine, and this header is one way a machine says so.
    """
    value = header(msg, "Auto-Submitted").partition(";")[0].strip().lower()
    return "" if value in ("", "no") else value


def _notice_text(msg: Message) -> str:
    """The human-readable text of a bounce: its text parts, outside any returned message."""
    pieces: list[str] = []
    parts = [msg, *_parts(msg)] if msg.is_multipart() else [msg]
    for part in parts:
        if part.get_content_type() in ("text/plain", "text/html"):
            text = _payload_text(part)
            if part.get_content_type() == "text/html":
                text = re.sub(r"<[^>]+>", " ", text)
            pieces.append(text[:_SCAN_CHARS])
        if sum(map(len, pieces)) > _SCAN_CHARS:
            break
    return "\n".join(pieces)


def _meaningful_line(text: str) -> str:
    lines = [line.strip(" \t*#-=") for line in text.splitlines()]
    lines = [line for line in lines if len(line) > 3]
    for pattern in (
        _STATUS,
        _PERMANENT_WORDS,
        re.compile(r"fail|reject|undeliver|could not", re.I),
    ):
        for line in lines:
            if pattern.search(line):
                return _short(line)
    return _short(lines[0]) if lines else ""


def _free_form_bounce(msg: Message) -> DeliveryReport:
    full = _notice_text(msg)
    cut = _ORIGINAL_STARTS.search(full)
    notice = full[: cut.start()] if cut else full
    status = _status(notice)
    delayed = bool(_DELAYED_WORDS.search(notice) or _DELAYED_WORDS.search(subject(msg)))
    if status:
        permanent = status.startswith("5") and not delayed
    else:
        permanent = not delayed and bool(_PERMANENT_WORDS.search(notice))
    recipients = _failed_header_recipients(msg) or _notice_recipients(msg, notice)
    original = _enclosed_message_id(msg)
    if not original:
        found = _LINE_ID.search(full[cut.start() :] if cut else full)
        original = normalize_message_id(found.group(1)) if found else ""
    if not original:
        original = normalize_message_id(header(msg, "In-Reply-To"))
    return DeliveryReport(
        kind="bounce",
        permanent=permanent,
        status=status,
        action="delayed" if delayed else "failed",
        recipients=tuple(recipients[:_MAX_RECIPIENTS]),
        original_message_id=original,
        diagnostic=_meaningful_line(notice),
    )


def _failed_header_recipients(msg: Message) -> list[str]:
    found = [a.lower() for v in _headers(msg, "X-Failed-Recipients") for a in _ADDRESS.findall(v)]
    return list(dict.fromkeys(found))


def _notice_recipients(msg: Message, notice: str) -> list[str]:
    """Addresses the notice names, other than the report's own sender and receiver."""
    ours = {a.lower() for name in ("From", "To") for a in _ADDRESS.findall(header(msg, name))}
    found = []
    for address in _ADDRESS.findall(notice):
        lowered = address.lower()
        if lowered in ours or lowered.partition("@")[0] in _DAEMON_LOCAL_PARTS:
            continue
        found.append(lowered)
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------- RFC 3464 and ARF


def _delivery_status(msg: Message, status_part: Message) -> DeliveryReport:
    blocks = _fields(_payload_text(status_part))
    per_recipient = [
        b for b in blocks if "final-recipient" in b or "original-recipient" in b or "action" in b
    ]
    for block in per_recipient:
        block["status"] = _status(block.get("status", "")) or _status(
            block.get("diagnostic-code", "")
        )
    failed = [b for b in per_recipient if b.get("action", "").lower().startswith("failed")]
    delayed = [b for b in per_recipient if b.get("action", "").lower().startswith("delayed")]
    hard = [b for b in failed if _permanent_block(b)]
    chosen = hard or failed or delayed or per_recipient
    main = chosen[0] if chosen else {}
    recipients = [
        _address(b.get("original-recipient", "")) or _address(b.get("final-recipient", ""))
        for b in chosen
    ]
    diagnostic = main.get("diagnostic-code", "")
    diagnostic = diagnostic.partition(";")[2] if ";" in diagnostic[:12] else diagnostic
    if not diagnostic:
        diagnostic = _meaningful_line(_notice_text(msg))
    original = _enclosed_message_id(msg) or normalize_message_id(header(msg, "In-Reply-To"))
    return DeliveryReport(
        kind="bounce",
        permanent=bool(hard),
        status=main.get("status", ""),
        action=_action(main),
        recipients=tuple(dict.fromkeys(r for r in recipients if r))[:_MAX_RECIPIENTS],
        original_message_id=original,
        diagnostic=_short(diagnostic),
    )


def _action(block: dict[str, str]) -> str:
    words = block.get("action", "").lower().split()
    if words:
        return words[0]
    return "delayed" if block.get("status", "").startswith("4") else "failed"


def _permanent_block(block: dict[str, str]) -> bool:
    status = block.get("status", "")
    if status:
        return status.startswith("5")
    # No Status field (it is required, but not always sent): the SMTP reply code decides.
    code = re.search(r"(?<!\d)([245])\d\d(?!\d)", block.get("diagnostic-code", ""))
    return bool(code and code.group(1) == "5")


def _complaint(msg: Message, feedback_part: Message) -> DeliveryReport:
    fields: dict[str, str] = {}
    for block in _fields(_payload_text(feedback_part)):
        for name, value in block.items():
            fields.setdefault(name, value)
    original_rcpt = [a.lower() for v in _rcpt_to_values(feedback_part) for a in _ADDRESS.findall(v)]
    recipients = original_rcpt or _enclosed_recipients(msg)
    return DeliveryReport(
        kind="complaint",
        permanent=True,
        status="",
        action=(fields.get("feedback-type", "") or "abuse").lower(),
        recipients=tuple(dict.fromkeys(recipients))[:_MAX_RECIPIENTS],
        original_message_id=_enclosed_message_id(msg),
        diagnostic=_meaningful_line(_notice_text(msg)),
    )


def _rcpt_to_values(feedback_part: Message) -> list[str]:
    # Original-Rcpt-To may repeat, one per recipient, so the blocks are read in full.
    values = []
    for line in _payload_text(feedback_part).splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "original-rcpt-to":
            values.append(value)
    return values


def detect_report(msg: Message) -> DeliveryReport | None:
    """The bounce or complaint this email is, or None for anything else."""
    ctype = msg.get_content_type()
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        return _delivery_status(msg, msg)
    report_type = content_type_param(msg, "report-type")
    status_part = feedback_part = None
    for part in _parts(msg):
        part_type = part.get_content_type()
        if status_part is None and part_type in (
            "message/delivery-status",
            "message/global-delivery-status",
        ):
            status_part = part
        elif feedback_part is None and part_type == "message/feedback-report":
            feedback_part = part
    if feedback_part is not None and (report_type != "delivery-status" or status_part is None):
        return _complaint(msg, feedback_part)
    if status_part is not None:
        return _delivery_status(msg, status_part)
    if looks_like_bounce(msg):
        return _free_form_bounce(msg)
    return None
