"""Decoding what mail headers carry: encoded words, addresses, dates; the parser policy.

Split from ``parsing.py`` so that module can be about the MIME walk alone.
Every function here is lenient in the same way: an address or date no parser
can read gives a best reading (or nothing), never an exception. The charset
chain the headers are decoded with is in ``charsets`` (and the labels it
knows in ``charset_labels``); its names are importable from here too, where
the parser and the raw store have always imported them. ``POLICY`` is the
email package policy the parser runs with; it lives here because it is about
how headers are decoded, not about the walk.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from concord.channels.email.charsets import (
    NO_CHARSETS,
    MessageCharsets,
    clean,
    decode_bytes,
    decode_raw,
    guess_charset,
    has_raw_bytes,
    message_charsets,
    raw_bytes,
)

__all__ = [
    "POLICY",
    "Headers",
    "MessageCharsets",
    "address_list",
    "addresses",
    "clean",
    "decode_bytes",
    "decode_raw",
    "decode_words",
    "first_mailbox",
    "guess_charset",
    "has_raw_bytes",
    "message_charsets",
    "one_line",
    "parse_date",
    "raw_bytes",
    "skip_preamble",
]

# ---------------------------------------------------------------- headers


class Headers:
    """Header values by lower-cased name, read once; every getter is lenient.

    Raw 8-bit bytes and ISO-2022 escapes are decoded here, in the email's own
    charsets (``charsets``); encoded words are left for ``decode_words``.
    """

    def __init__(self, msg: Message, charsets: MessageCharsets = NO_CHARSETS) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.lower(), []).append(decode_raw(str(value), charsets))

    def first(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, *names: str) -> list[str]:
        return [value for name in names for value in self.values.get(name, [])]


def decode_words(value: str, charsets: MessageCharsets = NO_CHARSETS) -> str:
    """Decode RFC 2047 encoded words, each with the charset fallbacks of a body.

    A wrong label (Shift_JIS labelled ISO-2022-JP, GBK labelled GB2312,
    windows-1252 labelled ISO-8859-1) is caught by the label's related
    charsets; an unknown one by the email's declared charsets and its guess.
    """
    if "=?" not in value:
        return value
    try:
        pieces = decode_header(value)
    except Exception:  # bad base64 in an encoded word: keep it as written
        return value
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif charset is None:
            # decode_header turns unencoded text into bytes with raw-unicode-escape.
            out.append(piece.decode("raw-unicode-escape", "replace"))
        else:
            out.append(decode_bytes(piece, charset.partition("*")[0], charsets)[0])
    return clean("".join(out))


def one_line(value: str) -> str:
    return " ".join(value.split())


_VALID_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;\"()\[\]]+$")


def addresses(values: list[str], charsets: MessageCharsets = NO_CHARSETS) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; unparseable entries are left out.

    ``getaddresses`` first: the modern policy's address parser costs about
    0.2 ms a header, more than the rest of a typical email together. It reads
    "addr (Name)" comments as names, too. The strict parser is the fallback
    for what it cannot make sense of.
    """
    found: list[tuple[str, str]] = []
    for value in values:
        pairs = [(name, address) for name, address in getaddresses([value]) if "@" in address]
        if not pairs:
            try:
                header = policy.default.header_factory("to", value)
                pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
            except Exception:  # neither parser can read it: no address
                pairs = []
        for name, address in pairs:
            address = address.strip().strip("<>").lower()
            if _VALID_ADDRESS.match(address):
                found.append((one_line(decode_words(name, charsets)), address))
    return found


def first_mailbox(values: list[str], charsets: MessageCharsets = NO_CHARSETS) -> tuple[str, str]:
    """(display name, address as written) of the first mailbox in these values, or ("", "").

    Lenient where ``addresses`` is strict: the address is returned as it was
    written (a quoted local part, a trailing dot, an IDN domain), for the
    caller to normalise or refuse with a reason.
    """
    for value in values:
        pairs = [(name, address) for name, address in getaddresses([value]) if "@" in address]
        if not pairs:
            try:
                header = policy.default.header_factory("from", value)
                pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
            except Exception:  # neither parser can read it
                pairs = []
            pairs = [(name, address) for name, address in pairs if "@" in address]
        for name, address in pairs:
            local, _, domain = one_line(address).strip("<>").rpartition("@")
            if local and domain:
                return one_line(decode_words(name, charsets)), f"{local}@{domain}"
    return "", ""


def address_list(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(address for _, address in addresses(values)))


def parse_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # "-0000" means "time zone unknown"; UTC is the honest reading.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# ---------------------------------------------------------------- parser policy


_MIME_HEADERS = {"content-type", "content-disposition", "content-transfer-encoding"}


class _RememberingHeaders(HeaderRegistry):
    """``policy.default``'s header classes, remembering the parse of repeated values.

    The modern policy parses a header afresh on every read, and the parser and
    the walk read each part's Content-Type a dozen times: that was two thirds
    of the time for a typical email. Parsed headers are immutable, so one
    parse can serve every read, and common values ("text/plain;
    charset=utf-8") serve every email.
    """

    def __init__(self) -> None:
        super().__init__()
        self._remembered = functools.lru_cache(maxsize=1024)(super().__call__)

    def __call__(self, name: str, value: Any) -> Any:
        # Only the MIME headers are read repeatedly; a bound keeps the cache small.
        if name.lower() in _MIME_HEADERS and isinstance(value, str) and len(value) <= 512:
            return self._remembered(name, value)
        return super().__call__(name, value)


POLICY = policy.default.clone(header_factory=_RememberingHeaders())


# ---------------------------------------------------------------- lines before the headers


_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
_KNOWN_HEADERS = re.compile(
    rb"^(from|to|cc|subject|date|message-id|received|return-path|mime-version|"
    rb"content-type|reply-to|sender|delivered-to|x-original-to|dkim-signature)[ \t]*:",
    re.I,
)
_PREAMBLE_LINES = 5


def skip_preamble(raw: bytes) -> tuple[list[bytes], bytes]:
    """(lines before the header block, the email from its first header on).

    Some gateways put a line before the headers (an mbox ``>From …`` line, a
    banner, an empty line). Up to five such lines are set aside when a header
    block with a field every email has follows them; otherwise the email is
    returned whole (mail without headers is all body).
    """
    if _HEADER_LINE.match(raw[:1000]):
        return [], raw
    start = 0
    skipped: list[bytes] = []
    for _ in range(_PREAMBLE_LINES):
        end = raw.find(b"\n", start)
        if end < 0:
            return [], raw
        skipped.append(raw[start:end].rstrip(b"\r"))
        start = end + 1
        if _starts_header_block(raw[start : start + 64 * 1024]):
            return skipped, raw[start:]
    return [], raw


def _starts_header_block(rest: bytes) -> bool:
    """The next lines are headers, at least one of them a field every email has."""
    for line in rest.split(b"\n", 50)[:50]:
        line = line.rstrip(b"\r")
        if not line:
            return False
        if line[:1] in (b" ", b"\t"):
            continue
        if not _HEADER_LINE.match(line):
            return False
        if _KNOWN_HEADERS.match(line):
            return True
    return False
