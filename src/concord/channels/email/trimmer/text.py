"""Separate a customer's new text from the quoted history of an email reply.

Every line gets a class (empty, text, quote, delimiter, mobile signature,
header of an embedded email, attribution/forward marker), then a few rules
over the sequence of classes decide which lines are the new text. The idea of
classifying lines first comes from Discourse's email_reply_trimmer (MIT); the
rules and patterns here are our own, checked against its test corpus.

Nothing is thrown away: whatever is removed is returned as ``quoted`` so the
UI can fold it. When the rules would leave no text of the customer's own, the
message is returned whole.

The work is split: ``classify`` gives each line its class (with the words
mailers write, per language, in ``patterns``), ``rules`` decides from the
classes. The class names stay importable from here, as they always were.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.channels.email.trimmer.classify import (
    DELIM,
    EMPTY,
    FROM_ADDRESS,
    FROM_HEADER,
    HEADER,
    HEADER_EVIDENCE,
    HEADERS,
    MARKER,
    QUOTE,
    SIG,
    TEXT,
    classify,
)
from concord.channels.email.trimmer.rules import drop

__all__ = [
    "DELIM",
    "EMPTY",
    "FROM_ADDRESS",
    "FROM_HEADER",
    "HEADER",
    "HEADERS",
    "HEADER_EVIDENCE",
    "MARKER",
    "QUOTE",
    "SIG",
    "TEXT",
    "Trimmed",
    "dropped_lines",
    "trim_reply",
]


@dataclass(frozen=True)
class Trimmed:
    text: str
    quoted: str


def trim_reply(*, text: str) -> Trimmed:
    """Split an email's plain text into the new text and what was removed."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = normalised.split("\n")
    dropped = dropped_lines(lines)
    if dropped is None:
        return Trimmed(text=_strip_blank_lines(normalised), quoted="")
    kept = [i for i in range(len(lines)) if not dropped[i]]
    removed = [line for line, gone in zip(lines, dropped, strict=True) if gone]
    return Trimmed(
        text=_strip_blank_lines("\n".join(lines[i] for i in kept)),
        quoted=_strip_blank_lines("\n".join(removed)),
    )


def dropped_lines(lines: list[str], *, markers: frozenset[int] = frozenset()) -> list[bool] | None:
    """For each line, whether it is history; None when the email is kept whole.

    ``markers`` are lines known to start history whatever they say (the HTML
    trimmer passes the first line of a mailer's quote container).
    """
    classes = classify(lines)
    for i in markers:
        if classes[i] in (TEXT, DELIM, EMPTY, *HEADERS):
            classes[i] = MARKER
    if TEXT not in classes:  # only quotes (or nothing): keep it all
        return None
    dropped = drop(classes)
    kept = [i for i in range(len(lines)) if not dropped[i]]
    if not any(classes[i] == TEXT for i in kept):
        return None
    # Blank lines around the kept text go too; they may hold invisible
    # characters (Gmail's U+1427), which then travel with the quoted part.
    first, last = 0, len(kept)
    while classes[kept[first]] == EMPTY:
        first += 1
    while classes[kept[last - 1]] == EMPTY:
        last -= 1
    for i in kept[:first] + kept[last:]:
        dropped[i] = True
    return dropped


def _strip_blank_lines(text: str) -> str:
    """Remove whitespace-only lines at both ends, keeping the first line's indent."""
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])
