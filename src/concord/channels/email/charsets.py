"""Bytes in a declared charset, a wrong one or none, as text: the decoding chain.

Lenient throughout: a label Python does not know, or bytes invalid in their
declared charset, give a best reading, never an exception. The labels and
codecs it draws on are in ``charset_labels``; the headers that use it are in
``decoding``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from charset_normalizer import from_bytes

from concord.channels.email.charset_labels import (
    ASCII_BYTES,
    ISO2022_ESCAPE,
    ISO2022_ESCAPE_BYTES,
    ISO2022JP_MS,
    RELATED,
    charset_codec,
    decode_as,
    is_multibyte,
)

__all__ = [
    "NO_CHARSETS",
    "MessageCharsets",
    "clean",
    "decode_bytes",
    "decode_raw",
    "guess_charset",
    "has_raw_bytes",
    "message_charsets",
    "raw_bytes",
]


def _mostly_decodes(data: bytes, text: str) -> bool:
    """True when a lenient decode lost at most a tenth of the non-ASCII bytes.

    A UTF-8 text with one broken sequence (a truncated name, a bad byte) is
    still UTF-8; reading all of it as cp1252 would garble every other letter.
    """
    lost = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return lost * 10 <= len(data.translate(None, ASCII_BYTES))


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
    if not data.translate(None, ASCII_BYTES):
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
    return charset_codec(best.encoding)


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
        codec = charset_codec(result.encoding)
        if (
            codec
            and is_multibyte(codec)
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


NO_CHARSETS = MessageCharsets()
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
        codec = charset_codec(part.get_content_charset())
        if codec or not want_sample:
            return codec, b""
        data = part.get_payload(decode=True)
    except Exception:  # an unreadable part declares nothing
        return None, b""
    if isinstance(data, bytes) and data.translate(None, ASCII_BYTES) and not _is_utf8(data):
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
        names += [declared, *RELATED.get(declared, ())]
    seven_bit = not data.translate(None, ASCII_BYTES)
    if seven_bit and ISO2022_ESCAPE_BYTES.search(data):
        # Escape sequences say ISO-2022 whatever the label says.
        if b"\x1b$)C" in data:
            names.append("iso2022_kr")
        names += ["iso2022_jp", *RELATED["iso2022_jp"][:3]]
    if not declared:
        others = [name for name in charsets.declared if name != "ascii"]
        names += [name for name in others if is_multibyte(name)]
        names.append("utf-8")
        names += [name for name in others if not is_multibyte(name)]
    names.append("utf-8")
    return list(dict.fromkeys(names))


def decode_bytes(
    data: bytes, label: str | None, charsets: MessageCharsets = NO_CHARSETS
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
    declared = charset_codec(label)
    tried = _candidates(declared, data, charsets)
    escapes = b"\x1b" in data
    for name in tried:
        try:
            text = decode_as(data, name)
        except (UnicodeDecodeError, LookupError):
            continue
        if escapes and ISO2022_ESCAPE.search(text):
            continue
        if name == declared or not (escapes or data.translate(None, ASCII_BYTES)):
            return text, ""
        return text, _charset_note(label, declared, name)
    for name in [name for name in (declared, "utf-8") if name and name != ISO2022JP_MS]:
        try:
            text = decode_as(data, name, "replace")
        except LookupError:
            continue
        if _mostly_decodes(data, text) and not (escapes and ISO2022_ESCAPE.search(text)):
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
    value: str, charsets: MessageCharsets = NO_CHARSETS, label: str | None = None
) -> str:
    """A raw header value (no encoded words decoded yet) as text, in the email's charsets."""
    if not has_raw_bytes(value):
        return clean(value)
    return clean(decode_bytes(raw_bytes(value), label, charsets)[0])
