"""The name a MIME part gives its file, decoded and made safe to store.

Apart from the walk because names come in more broken forms than anything
else in a part (raw 8-bit bytes, RFC 2231 in the wrong charset, encoded words
inside quotes, paths), and the uuencoded files of a text body use the same
rules.
"""

from __future__ import annotations

import re
from email.message import Message

from concord.channels.email.decoding import (
    MessageCharsets,
    decode_bytes,
    decode_words,
    one_line,
    raw_bytes,
)

__all__ = ["UNSAFE_NAME", "filename", "raw_filename", "safe_name"]

UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def filename(part: Message, charsets: MessageCharsets) -> str:
    return safe_name(decode_words(raw_filename(part, charsets), charsets))


def safe_name(name: str) -> str:
    # The name is the sender's, the path is not: "../../etc/passwd" is "passwd".
    name = UNSAFE_NAME.sub("", name)
    return one_line(re.split(r"[/\\]", name)[-1])[:255]


def raw_filename(part: Message, charsets: MessageCharsets) -> str:
    """The file name a part gives, its bytes decoded like any header (encoded words left).

    Read from the header as written: the modern policy turns raw 8-bit bytes
    and a wrongly labelled RFC 2231 value into replacement characters before
    any charset fallback could see them. Content-Disposition's ``filename``
    first, then Content-Type's ``name``.
    """
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        values = [str(v) for k, v in part.raw_items() if k.lower() == header]
        if not values:
            continue
        holder = Message()  # compat32: parameters as written, RFC 2231 left to us
        try:
            written = raw_bytes(values[0]).decode("latin-1")
            holder[header] = written.replace("\r", "").replace("\n", "")
            value = holder.get_param(param, None, header)
        except Exception:  # an unreadable header names no file
            value = None
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded as latin-1)
            label, _, text = value
            data = str(text).encode("latin-1", "replace")
            return decode_bytes(data, str(label or "") or None, charsets)[0]
        if isinstance(value, str) and value:
            data = value.encode("latin-1", "replace")
            return decode_bytes(data, None, charsets)[0]
    return ""
