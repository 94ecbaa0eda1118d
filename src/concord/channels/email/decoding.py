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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from charset_normalizer import from_bytes

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
    "message_charsets",
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
    "windows-31j": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
}
_SUPERSETS = {"iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949"}
# ISO-2022-JP as Microsoft's mailers write it (CP50220/50221): JIS X 0208 plus
# the NEC and NEC-selected IBM extension rows (circled digits, roman numerals,
# ㈱ …) that no Python codec reads; decoded by ``_iso2022jp_ms`` through cp932.
_ISO2022JP_MS = "iso2022_jp_ms"
_MS_LABELS = {"cp50220", "cp50221", "cp50222", "iso-2022-jp-ms", "x-iso-2022-jp-ms"}
# The charsets a sender who wrote one label really used, tried in this order
# when the bytes are invalid in the labelled one: vendor extensions and
# supersets first, then the charsets the same mailers confuse it with.
_RELATED: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2", _ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_1": ("iso2022_jp_2", _ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_2": ("iso2022_jp_ext", _ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_ext": ("iso2022_jp_2", _ISO2022JP_MS, "cp932", "euc_jp"),
    "shift_jis": ("cp932", "shift_jis_2004", "euc_jp"),
    "cp932": ("shift_jis_2004", "euc_jp"),
    "euc_jp": ("euc_jis_2004", "cp932"),
    "gb18030": ("big5hkscs",),
    "big5": ("cp950", "big5hkscs", "gb18030"),
    "cp950": ("big5hkscs", "gb18030"),
    "iso2022_kr": ("cp949",),
    "cp949": ("johab",),
    "ascii": ("utf-8",),
    "koi8-r": ("koi8-u", "cp1251"),
    "koi8-u": ("koi8-r", "cp1251"),
    "iso8859-5": ("cp1251", "koi8-r"),
    "iso8859-2": ("cp1250",),
    "iso8859-6": ("cp1256",),
    "iso8859-7": ("cp1253",),
    "iso8859-8": ("cp1255",),
    "iso8859-9": ("cp1254",),
    "iso8859-13": ("cp1257",),
    "iso8859-15": ("cp1252",),
    "tis-620": ("cp874",),
    "iso8859-11": ("cp874",),
}
# Multi-byte and 7-bit codecs reject most text in another charset; single-byte
# ones read any bytes at all, so valid UTF-8 is tried before them for headers.
_MULTIBYTE = ("iso2022", "shift_jis", "cp932", "euc", "gb", "big5", "cp949", "cp950", "johab")
# Text codecs that are no charset anyone writes mail in.
_NOT_CHARSETS = {"raw-unicode-escape", "unicode-escape", "idna", "punycode", "undefined", "charmap"}
_ASCII_BYTES = bytes(range(128))
# The escape sequences of ISO-2022 (designations, SO/SI shifts): text that still
# holds one was not decoded.
_ISO2022_ESCAPE = re.compile(r"\x1b[$()*+.\-/][@-Z]|\x1b[NO]")
_ISO2022_ESCAPE_BYTES = re.compile(rb"\x1b(\$[@AB(]|\([BIJ]|\$\)C)")


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None if unknown or not a text charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _MS_LABELS:
        return _ISO2022JP_MS
    try:
        info = codecs.lookup(_UNKNOWN_LABELS.get(name, name))
    except (LookupError, TypeError, ValueError):
        return None
    # Bytes-to-bytes codecs (base64, zlib, ...) are in the same registry.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _SUPERSETS.get(info.name, info.name)


def _is_multibyte(codec: str) -> bool:
    return codec.startswith(_MULTIBYTE)


def _iso2022jp_ms(data: bytes) -> str:
    """ISO-2022-JP read through cp932, so the NEC and IBM extension rows decode.

    Each JIS X 0208 pair is turned into its Shift_JIS bytes (the arithmetic
    every Japanese mailer uses), half-width katakana (``ESC ( I`` or SO/SI)
    into its single byte; the result is decoded as cp932. Raises
    ``UnicodeDecodeError`` on 8-bit bytes or an escape it does not know.
    """
    out = bytearray()
    mode = "ascii"
    shifted = False
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x1B:
            seq = data[i + 1 : i + 3]
            if seq in (b"$@", b"$B"):
                mode, i = "kanji", i + 3
            elif seq in (b"(B", b"(J"):
                mode, i = "ascii", i + 3
            elif seq == b"(I":
                mode, i = "kana", i + 3
            else:
                raise UnicodeDecodeError(_ISO2022JP_MS, data, i, i + 1, "unknown escape")
            continue
        if byte == 0x0E:
            shifted, i = True, i + 1
            continue
        if byte == 0x0F:
            shifted, i = False, i + 1
            continue
        if byte >= 0x80:
            raise UnicodeDecodeError(_ISO2022JP_MS, data, i, i + 1, "8-bit byte")
        if byte in (0x0A, 0x0D):
            out.append(byte)
            i += 1
            continue
        if (shifted or mode == "kana") and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
            i += 1
        elif mode == "kanji" and 0x21 <= byte <= 0x7E:
            if i + 1 >= len(data) or not 0x21 <= data[i + 1] <= 0x7E:
                raise UnicodeDecodeError(_ISO2022JP_MS, data, i, i + 1, "half a character")
            high, low = byte, data[i + 1]
            lead = ((high - 0x21) >> 1) + 0x81
            out.append(lead + 0x40 if lead > 0x9F else lead)
            if high & 1:
                out.append(low + 0x1F + (1 if low >= 0x60 else 0))
            else:
                out.append(low + 0x7E)
            i += 2
        else:
            out.append(byte)
            i += 1
    return out.decode("cp932")


def _decode(data: bytes, codec: str, errors: str = "strict") -> str:
    if codec == _ISO2022JP_MS:
        if errors == "strict":
            return _iso2022jp_ms(data)
        raise UnicodeDecodeError(codec, data, 0, 1, "no lenient form")
    return data.decode(codec, errors)


def _mostly_decodes(data: bytes, text: str) -> bool:
    """True when a lenient decode lost at most a tenth of the non-ASCII bytes.

    A UTF-8 text with one broken sequence (a truncated name, a bad byte) is
    still UTF-8; reading all of it as cp1252 would garble every other letter.
    """
    lost = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return lost * 10 <= len(data.translate(None, _ASCII_BYTES))


# charset-normalizer's reading is taken when it recognised a language in it;
# on a few bytes (a name, a short subject) every single-byte charset ties and
# its first pick is arbitrary.
_GUESS_SAMPLE = 64 * 1024
_NEAR_TIE = 0.05
# It recognises no language in Japanese or Korean text at all (its coherence is
# 0 there, however long the text), so a double-byte reading is judged by what
# it makes of the bytes instead (``_reads_as_east_asian``).
_EAST_ASIAN = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff01-\uff60"
_EAST_ASIAN_CHAR = re.compile(f"[{_EAST_ASIAN}]")
_GLUED_TO_LATIN = re.compile(f"(?<=[A-Za-z])[{_EAST_ASIAN}]|[{_EAST_ASIAN}](?=[A-Za-z])")
_MIN_EAST_ASIAN = 4


def guess_charset(data: bytes) -> str | None:
    """The charset charset-normalizer reads these bytes in, if it is sure; else None."""
    if not data.translate(None, _ASCII_BYTES):
        return None
    try:
        results = list(from_bytes(data[:_GUESS_SAMPLE]))
    except Exception:  # a detector failure is no reason to lose the text
        return None
    if results and not results[0].coherence:
        return _double_byte_guess(results)
    if not results:
        return None
    best = results[0]
    if best.encoding.startswith(("utf_16", "utf_32")):
        return None
    # Western European text reads almost the same in cp1252, cp1250 and the old
    # DOS and Mac code pages; unlabelled Western mail is cp1252 (WHATWG), so it
    # wins a near tie.
    for result in results[1:]:
        if (
            result.encoding == "cp1252"
            and result.chaos <= best.chaos + _NEAR_TIE
            and result.coherence >= best.coherence - _NEAR_TIE
        ):
            return "cp1252"
    return _codec(best.encoding)


def _double_byte_guess(results: list[Any]) -> str | None:
    """The first of the least chaotic readings that is East Asian text, when no language was found.

    Only when no reading at all was recognised as a language: a single-byte
    one that was is a better bet than any double-byte one without.
    """
    if any(result.coherence for result in results):
        return None
    readings = [r for r in results if not r.encoding.startswith(("utf_16", "utf_32"))]
    if not readings:
        return None
    calmest = min(result.chaos for result in readings)
    for result in readings:
        codec = _codec(result.encoding)
        if (
            codec
            and _is_multibyte(codec)
            and result.chaos <= calmest + _NEAR_TIE
            and _reads_as_east_asian(str(result))
        ):
            return codec
    return None


def _reads_as_east_asian(text: str) -> bool:
    """The text is mostly ideographs, kana or hangul that stand apart from Latin letters.

    Double-byte codecs accept an accented letter and the letter after it as
    one character, so Western text that happens to decode in one reads as a
    scattering of ideographs inside Latin words (cp1252 "ções" read as Big5); real CJK
    text is runs of them, next to Latin letters only where it quotes a Latin
    word. Characters no CJK text is made of (half-width katakana, Latin
    letters with accents, box drawing) count against it too.
    """
    east = len(_EAST_ASIAN_CHAR.findall(text))
    if east < _MIN_EAST_ASIAN:
        return False
    other = sum(1 for char in text if ord(char) >= 0x80) - east
    glued = len(_GLUED_TO_LATIN.findall(text))
    return (other + glued) * 4 <= east


@dataclass
class MessageCharsets:
    """What one email says (and suggests) about its charsets, for text that says nothing.

    ``declared`` are the charsets its parts' Content-Type name, in order;
    ``sample`` the 8-bit bytes nothing declares (raw header values, unlabelled
    text parts), from which one guess is made for the whole email, once and
    only when something needs it.
    """

    declared: tuple[str, ...] = ()
    sample: bytes = b""
    _guessed: str | None = field(default=None, init=False, repr=False)
    _guess_done: bool = field(default=False, init=False, repr=False)

    def guess(self) -> str | None:
        if not self._guess_done:
            self._guess_done = True
            self._guessed = guess_charset(self.sample)
        return self._guessed


_NO_CHARSETS = MessageCharsets()
_SAMPLE_PER_PART = 16 * 1024


def message_charsets(msg: Message, max_parts: int) -> MessageCharsets:
    """The charsets an email's parts declare, and a sample of its undeclared 8-bit bytes.

    Forwarded emails inside it are left out: their charsets are their sender's.
    """
    declared: list[str] = []
    sample = bytearray()
    for _name, value in msg.raw_items():
        value = str(value)
        if has_raw_bytes(value):
            data = raw_bytes(value)
            if not _is_utf8(data):
                sample += data + b"\n"
    stack = [msg]
    seen = 0
    while stack and seen < max_parts:
        part = stack.pop()
        seen += 1
        payload = part.get_payload()
        if isinstance(payload, list):
            if not part.get_content_type().startswith("message/"):
                stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
            continue
        codec, undeclared = _part_charset(part, want_sample=len(sample) < _GUESS_SAMPLE)
        if codec:
            declared.append(codec)
        elif undeclared:
            sample += undeclared[:_SAMPLE_PER_PART] + b"\n"
    return MessageCharsets(tuple(dict.fromkeys(declared)), bytes(sample))


def _part_charset(part: Message, *, want_sample: bool) -> tuple[str | None, bytes]:
    """(codec a text part declares, or None; its 8-bit bytes if it declares none)."""
    try:
        if part.get_content_maintype() != "text":
            return None, b""
        codec = _codec(part.get_content_charset())
        if codec or not want_sample:
            return codec, b""
        data = part.get_payload(decode=True)
    except Exception:  # an unreadable part declares nothing
        return None, b""
    if isinstance(data, bytes) and data.translate(None, _ASCII_BYTES) and not _is_utf8(data):
        return None, data
    return None, b""


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _candidates(declared: str | None, data: bytes, charsets: MessageCharsets) -> list[str]:
    """The strict decodes to try, in order (see docs/email.md, *Charsets*)."""
    names: list[str] = []
    if declared:
        names += [declared, *_RELATED.get(declared, ())]
    seven_bit = not data.translate(None, _ASCII_BYTES)
    if seven_bit and _ISO2022_ESCAPE_BYTES.search(data):
        # Escape sequences say ISO-2022 whatever the label says.
        if b"\x1b$)C" in data:
            names.append("iso2022_kr")
        names += ["iso2022_jp", *_RELATED["iso2022_jp"][:3]]
    if not declared:
        others = [name for name in charsets.declared if name != "ascii"]
        names += [name for name in others if _is_multibyte(name)]
        names.append("utf-8")
        names += [name for name in others if not _is_multibyte(name)]
    names.append("utf-8")
    return list(dict.fromkeys(names))


def decode_bytes(
    data: bytes, label: str | None, charsets: MessageCharsets = _NO_CHARSETS
) -> tuple[str, str]:
    """(text, note): bytes in a declared charset, or in none, as text.

    The order: the declared charset, its related charsets (vendor extensions,
    supersets, the charsets mailers confuse with it); for bytes with no label,
    the charsets the rest of the email declares; UTF-8; each of those again
    with a few bad bytes replaced; charset-normalizer's guess for the email;
    cp1252 (latin-1 for its five undefined bytes). A decode that leaves
    ISO-2022 escape sequences in the text does not count.

    The note is "" when the declared charset (or plain ASCII) was right, else
    says what was done, for ``defects``. Never raises.
    """
    declared = _codec(label)
    tried = _candidates(declared, data, charsets)
    escapes = b"\x1b" in data
    for name in tried:
        try:
            text = _decode(data, name)
        except (UnicodeDecodeError, LookupError):
            continue
        if escapes and _ISO2022_ESCAPE.search(text):
            continue
        if name == declared or not (escapes or data.translate(None, _ASCII_BYTES)):
            return text, ""
        return text, _charset_note(label, declared, name)
    for name in [name for name in (declared, "utf-8") if name and name != _ISO2022JP_MS]:
        try:
            text = _decode(data, name, "replace")
        except LookupError:
            continue
        if _mostly_decodes(data, text) and not (escapes and _ISO2022_ESCAPE.search(text)):
            return text, _charset_note(label, declared, f"{name} (a few bad bytes replaced)")
    # The guess for the whole email (more text, a surer guess), then for these bytes.
    for guessed in dict.fromkeys((charsets.guess(), guess_charset(data))):
        if guessed is None:
            continue
        text = data.decode(guessed, "replace")
        if _mostly_decodes(data, text):
            return text, _charset_note(label, declared, f"{guessed} (detected)")
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
_NOT_ESCAPES = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _fix_surrogates(value: str) -> str:
    """Turn the parser's escaped 8-bit bytes back into text; drop any other lone surrogate."""
    if not _OTHER_SURROGATES.search(value):
        return value

    def decode_run(found: re.Match[str]) -> str:
        return decode_bytes(found.group(0).encode("utf-8", "surrogateescape"), None)[0]

    return _OTHER_SURROGATES.sub("", _ESCAPED_RUN.sub(decode_run, value))


def clean(value: str) -> str:
    return _fix_surrogates(value).replace("\x00", "")


def raw_bytes(value: str) -> bytes:
    """A raw header value as the bytes it came as (the parser escapes 8-bit bytes).

    A lone surrogate that is no escaped byte (it cannot come from bytes) is dropped.
    """
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return _NOT_ESCAPES.sub("", value).encode("utf-8", "surrogateescape")


def has_raw_bytes(value: str) -> bool:
    """The value holds 8-bit bytes or ISO-2022 escapes, so needs a charset to be read."""
    return "\x1b" in value or bool(_ESCAPED_RUN.search(value))


def decode_raw(
    value: str, charsets: MessageCharsets = _NO_CHARSETS, label: str | None = None
) -> str:
    """A raw header value (no encoded words decoded yet) as text, in the email's charsets."""
    if not has_raw_bytes(value):
        return clean(value)
    return clean(decode_bytes(raw_bytes(value), label, charsets)[0])


# ---------------------------------------------------------------- headers


class Headers:
    """Header values by lower-cased name, read once; every getter is lenient.

    Raw 8-bit bytes and ISO-2022 escapes are decoded here, in the email's own
    charsets (``charsets``); encoded words are left for ``decode_words``.
    """

    def __init__(self, msg: Message, charsets: MessageCharsets = _NO_CHARSETS) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(name.lower(), []).append(decode_raw(str(value), charsets))

    def first(self, name: str) -> str:
        found = self.values.get(name)
        return found[0] if found else ""

    def all(self, *names: str) -> list[str]:
        return [value for name in names for value in self.values.get(name, [])]


def decode_words(value: str, charsets: MessageCharsets = _NO_CHARSETS) -> str:
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


def addresses(values: list[str], charsets: MessageCharsets = _NO_CHARSETS) -> list[tuple[str, str]]:
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


def first_mailbox(values: list[str], charsets: MessageCharsets = _NO_CHARSETS) -> tuple[str, str]:
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
