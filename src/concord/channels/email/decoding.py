"""Decoding what mail headers and bodies carry: charsets, encoded words, addresses, dates.

Split from ``parsing.py`` so that module can be about the MIME walk alone.
Every function here is lenient in the same way: a label Python does not know,
bytes invalid in their declared charset, an address or date no parser can
read all give a best reading (or nothing), never an exception. ``POLICY`` is
the email package policy the parser runs with; it lives here because it is
about how headers are decoded, not about the walk.
"""

from __future__ import annotations

import codecs
import functools
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

__all__ = [
    "POLICY",
    "Headers",
    "address_list",
    "addresses",
    "clean",
    "decode_bytes",
    "decode_words",
    "one_line",
    "parse_date",
]

# ---------------------------------------------------------------- charsets

# Labels Python does not know, then charsets Python knows in a smaller form
# than the one senders really use (WHATWG's mapping: "latin-1" mail is cp1252).
_UNKNOWN_LABELS = {
    "x-gbk": "gbk",
    "iso-8859-8-i": "iso8859-8",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
}
_SUPERSETS = {"iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949"}
# Text codecs that are no charset anyone writes mail in.
_NOT_CHARSETS = {"raw-unicode-escape", "unicode-escape", "idna", "punycode", "undefined", "charmap"}
_ASCII_BYTES = bytes(range(128))


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None if unknown or not a text charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    try:
        info = codecs.lookup(_UNKNOWN_LABELS.get(name, name))
    except (LookupError, TypeError, ValueError):
        return None
    # Bytes-to-bytes codecs (base64, zlib, ...) are in the same registry.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _SUPERSETS.get(info.name, info.name)


def _mostly_decodes(data: bytes, text: str) -> bool:
    """True when a lenient decode lost at most a tenth of the non-ASCII bytes.

    A UTF-8 text with one broken sequence (a truncated name, a bad byte) is
    still UTF-8; reading all of it as cp1252 would garble every other letter.
    """
    lost = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return lost * 10 <= len(data.translate(None, _ASCII_BYTES))


def decode_bytes(data: bytes, label: str | None) -> tuple[str, str]:
    """(text, note): the declared charset, then UTF-8, then cp1252/latin-1.

    The note is "" when the declared charset (or plain ASCII) was right, else
    says what was done, for ``defects``. Never raises.
    """
    declared = _codec(label)
    tried = [name for name in dict.fromkeys((declared, "utf-8")) if name]
    for name in tried:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if name == declared or not data.translate(None, _ASCII_BYTES):
            return text, ""
        return text, _charset_note(label, declared, name)
    for name in tried:
        text = data.decode(name, "replace")
        if _mostly_decodes(data, text):
            return text, _charset_note(label, declared, f"{name} (a few bad bytes replaced)")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined; latin-1 has all 256
        text = data.decode("latin-1")
    return text, _charset_note(label, declared, "cp1252")


def _charset_note(label: str | None, declared: str | None, used: str) -> str:
    if not label:
        return f"no charset declared; decoded as {used}"
    if declared is None:
        return f"unknown charset {label[:40]!r}; decoded as {used}"
    return f"bytes invalid in {label[:40]!r}; decoded as {used}"


_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")
_OTHER_SURROGATES = re.compile("[\ud800-\udfff]")


def _fix_surrogates(value: str) -> str:
    """Turn the parser's escaped 8-bit bytes back into text; drop any other lone surrogate."""
    if not _OTHER_SURROGATES.search(value):
        return value

    def decode_run(found: re.Match[str]) -> str:
        return decode_bytes(found.group(0).encode("utf-8", "surrogateescape"), None)[0]

    return _OTHER_SURROGATES.sub("", _ESCAPED_RUN.sub(decode_run, value))


def clean(value: str) -> str:
    return _fix_surrogates(value).replace("\x00", "")


# ---------------------------------------------------------------- headers


class Headers:
    """Raw header values by lower-cased name, read once; every getter is lenient."""

    def __init__(self, msg: Message) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.lower(), []).append(clean(str(value)))

    def first(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, *names: str) -> list[str]:
        return [value for name in names for value in self.values.get(name, [])]


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words, each with the charset fallbacks of a body."""
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
            out.append(decode_bytes(piece, charset.partition("*")[0])[0])
    return clean("".join(out))


def one_line(value: str) -> str:
    return " ".join(value.split())


_VALID_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;\"()\[\]]+$")


def addresses(values: list[str]) -> list[tuple[str, str]]:
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
                found.append((one_line(decode_words(name)), address))
    return found


def first_mailbox(values: list[str]) -> tuple[str, str]:
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
                return one_line(decode_words(name)), f"{local}@{domain}"
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
