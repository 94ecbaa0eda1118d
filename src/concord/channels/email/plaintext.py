"""What a plain-text body carries besides its text: flowed line breaks, uuencoded files.

Both are conventions inside the text itself, not MIME, so they are read after
the part is decoded; apart from the walk because neither needs to know it.
"""

from __future__ import annotations

import binascii
import mimetypes
import re

from concord.channels.email.filenames import safe_name

__all__ = ["unflow", "uudecode"]


def unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    out: list[str] = []
    pending = ""
    pending_depth = -1
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if pending and depth != pending_depth:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
            pending = ""
        soft = content.endswith(" ") and content != "-- "
        if soft:
            pending += content[:-1] if delsp else content
            pending_depth = depth
            continue
        content = pending + content
        pending = ""
        out.append(">" * depth + (" " if depth and content else "") + content)
    if pending:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


_UU_BEGIN = re.compile(r"^begin +([0-7]{3,4}) +(\S.*?)\s*$")
_UU_LINE = re.compile(r"^[\x20-\x60]+$")
_UU_MAX_LINES = 2_000_000


def uudecode(text: str) -> tuple[str, list[tuple[str, str, bytes]]]:
    """Files uuencoded into a plain-text body (``begin 644 name`` … ``end``) as attachments.

    Returns the text without them and (name, content type, bytes) per file.
    The encoded lines leave the text; a block without its ``end`` line, or
    with lines that are not uuencoding, stays text as it was.
    """
    files: list[tuple[str, str, bytes]] = []
    if "begin " not in text:
        return text, files
    lines = text.split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines):
        found = _UU_BEGIN.match(lines[i])
        block = _uu_block(lines, i) if found else None
        if found is None or block is None:
            kept.append(lines[i])
            i += 1
            continue
        payload, end = block
        name = safe_name(found.group(2))
        files.append((name, mimetypes.guess_type(name)[0] or "application/octet-stream", payload))
        i = end + 1
    return "\n".join(kept), files


def _uu_block(lines: list[str], start: int) -> tuple[bytes, int] | None:
    """(decoded bytes, index of the ``end`` line) of the block opening at ``start``, or None."""
    out = bytearray()
    for index in range(start + 1, min(len(lines), start + _UU_MAX_LINES)):
        line = lines[index].rstrip("\r")
        if line.strip() == "end":
            return bytes(out), index
        if not line or line in ("`", " "):
            continue
        # A line is its length character, then 4 characters per 3 bytes (some
        # encoders add a checksum character, some mail servers strip trailing
        # spaces); anything else ends the block as text.
        needed = (((ord(line[0]) - 32) & 63) + 2) // 3 * 4
        if not _UU_LINE.match(line) or len(line) - 1 > needed + 2:
            return None
        try:
            out += binascii.a2b_uu(line[: needed + 1].ljust(needed + 1).encode("ascii"))
        except binascii.Error:
            return None
    return None
