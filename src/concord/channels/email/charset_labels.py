"""Charset labels as mail writes them, and the codecs that read them.

Apart from the decoding chain (``charsets``) because this is the knowledge of
what senders write (labels Python does not know, supersets, the charsets
mailers confuse with each other, Microsoft's ISO-2022-JP), which changes for
other reasons than the order decodes are tried in.
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "ASCII_BYTES",
    "ISO2022JP_MS",
    "ISO2022_ESCAPE",
    "ISO2022_ESCAPE_BYTES",
    "RELATED",
    "charset_codec",
    "decode_as",
    "is_multibyte",
]

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
ISO2022JP_MS = "iso2022_jp_ms"
_MS_LABELS = {"cp50220", "cp50221", "cp50222", "iso-2022-jp-ms", "x-iso-2022-jp-ms"}
# The charsets a sender who wrote one label really used, tried in this order
# when the bytes are invalid in the labelled one: vendor extensions and
# supersets first, then the charsets the same mailers confuse it with.
RELATED: dict[str, tuple[str, ...]] = {
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2", ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_1": ("iso2022_jp_2", ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_2": ("iso2022_jp_ext", ISO2022JP_MS, "cp932", "euc_jp"),
    "iso2022_jp_ext": ("iso2022_jp_2", ISO2022JP_MS, "cp932", "euc_jp"),
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
ASCII_BYTES = bytes(range(128))
# The escape sequences of ISO-2022 (designations, SO/SI shifts): text that still
# holds one was not decoded.
ISO2022_ESCAPE = re.compile(r"\x1b[$()*+.\-/][@-Z]|\x1b[NO]")
ISO2022_ESCAPE_BYTES = re.compile(rb"\x1b(\$[@AB(]|\([BIJ]|\$\)C)")


def charset_codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None if unknown or not a text charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _MS_LABELS:
        return ISO2022JP_MS
    try:
        info = codecs.lookup(_UNKNOWN_LABELS.get(name, name))
    except (LookupError, TypeError, ValueError):
        return None
    # Bytes-to-bytes codecs (base64, zlib, ...) are in the same registry.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return _SUPERSETS.get(info.name, info.name)


def is_multibyte(codec: str) -> bool:
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
                raise UnicodeDecodeError(ISO2022JP_MS, data, i, i + 1, "unknown escape")
            continue
        if byte == 0x0E:
            shifted, i = True, i + 1
            continue
        if byte == 0x0F:
            shifted, i = False, i + 1
            continue
        if byte >= 0x80:
            raise UnicodeDecodeError(ISO2022JP_MS, data, i, i + 1, "8-bit byte")
        if byte in (0x0A, 0x0D):
            out.append(byte)
            i += 1
            continue
        if (shifted or mode == "kana") and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
            i += 1
        elif mode == "kanji" and 0x21 <= byte <= 0x7E:
            if i + 1 >= len(data) or not 0x21 <= data[i + 1] <= 0x7E:
                raise UnicodeDecodeError(ISO2022JP_MS, data, i, i + 1, "half a character")
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


def decode_as(data: bytes, codec: str, errors: str = "strict") -> str:
    if codec == ISO2022JP_MS:
        if errors == "strict":
            return _iso2022jp_ms(data)
        raise UnicodeDecodeError(codec, data, 0, 1, "no lenient form")
    return data.decode(codec, errors)
