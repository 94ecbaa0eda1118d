"""Decide from the lines' classes (``classify``) which lines are history.

Each rule looks only at the lines earlier rules kept ("live" lines) and runs
in linear time: suffix facts are computed once, never by rescanning the tail.
"""

from __future__ import annotations

from concord.channels.email.trimmer.classify import (
    DELIM,
    EMPTY,
    FROM_ADDRESS,
    FROM_HEADER,
    HEADER_WITH_EVIDENCE,
    HEADERS,
    MARKER,
    QUOTE,
    SIG,
    TEXT,
)

__all__ = ["drop"]

# A delimiter followed by this much plain text is more likely a horizontal
# rule inside the customer's message than the start of a signature.
_DELIMITER_MAX_TAIL_TEXT = 20
# Text below a quoted block that ends the email is usually the quoted mail's
# unquoted footer (or a signature) when the customer already wrote on top.
_FOOTER_MAX_TEXT = 7


def drop(classes: list[str]) -> list[bool]:
    dropped = [kind == SIG for kind in classes]
    for rule in (
        _cut_at_delimiter,
        _cut_at_marker,
        _cut_at_header_block,
        _drop_trailing_quote,
        _drop_leading_quote,
        _drop_stray_markers,
    ):
        live = [i for i, gone in enumerate(dropped) if not gone]
        for i in rule([classes[i] for i in live]):
            dropped[live[i]] = True
    return dropped


def _cut_at_delimiter(seq: list[str]) -> range:
    """A delimiter after text ("--", "____") starts a signature or an embedded email."""
    texts_after = _count_after(seq, TEXT)
    last_structure = _last_index(seq, (QUOTE, *HEADERS, MARKER))
    seen_text = False
    for pos, kind in enumerate(seq):
        if kind == TEXT:
            seen_text = True
        elif (
            kind == DELIM
            and seen_text
            and (texts_after[pos] <= _DELIMITER_MAX_TAIL_TEXT or last_structure > pos)
        ):
            return range(pos, len(seq))
    return range(0)


def _cut_at_marker(seq: list[str]) -> range:
    """After text, an attribution or forward marker usually starts the history.

    The history runs to the end when no quote follows, or when only quotes
    and a short unquoted footer follow. A marker followed by a quote and then
    more text is an interleaved reply; the marker alone goes (later rule).
    """
    last_quote = _last_index(seq, (QUOTE,))
    # The footer is the longest run of text and empty lines ending the email;
    # before it, from the marker on, only quote-like lines may appear.
    footer = len(seq)
    while footer > 0 and seq[footer - 1] in (TEXT, EMPTY):
        footer -= 1
    footer_is_short = seq[footer:].count(TEXT) < _FOOTER_MAX_TEXT
    last_unquotelike = _last_index(seq[:footer], (TEXT, DELIM, SIG))
    seen_text = False
    for pos, kind in enumerate(seq):
        if kind == TEXT:
            seen_text = True
        elif (
            kind == MARKER
            and seen_text
            and (last_quote < pos or (footer_is_short and last_unquotelike < pos))
        ):
            return range(pos, len(seq))
    return range(0)


def _cut_at_header_block(seq: list[str]) -> range:
    """Three or more "From:/Sent:/To:/Subject:" lines after text start an embedded email."""
    seen_text = False
    pos = 0
    while pos < len(seq):
        if seq[pos] not in HEADERS:
            seen_text = seen_text or seq[pos] == TEXT
            pos += 1
            continue
        # Wrapped header values leave single non-header lines inside a block.
        headers, last, probe = 1, pos, pos + 1
        while probe < len(seq) and probe - last <= 2:
            if seq[probe] in HEADERS:
                headers, last = headers + 1, probe
            probe += 1
        block = seq[pos : last + 1]
        evidence = any(kind in HEADER_WITH_EVIDENCE for kind in block)
        two_from = headers == 2 and seq[pos] in (FROM_HEADER, FROM_ADDRESS)
        if seen_text and evidence and (headers >= 3 or two_from):
            return range(pos, len(seq))
        seen_text = seen_text or TEXT in seq[pos : last + 1]
        pos = last + 1
    return range(0)


def _drop_trailing_quote(seq: list[str]) -> range:
    """A quote that ends the email below the customer's text is history."""
    start = len(seq)
    while start > 0 and seq[start - 1] in (QUOTE, EMPTY, MARKER):
        start -= 1
    if QUOTE in seq[start:] and TEXT in seq[:start]:
        return range(start, len(seq))
    return range(0)


def _drop_leading_quote(seq: list[str]) -> range:
    """A bottom-posted reply: the email opens with an attributed quote, the new text follows.

    Only when an attribution ("On … wrote:") heads the quote, as mailers write
    it when replying below the history; a bare quote above the text is the
    customer quoting for context and stays (as in the shared corpus). Only
    when no quote comes after the text either: quotes and text taking turns
    are answers written between the quoted lines, which stay too.
    """
    pos = 0
    while pos < len(seq) and seq[pos] == EMPTY:
        pos += 1
    if pos == len(seq) or seq[pos] != MARKER:
        return range(0)
    while pos < len(seq) and seq[pos] in (EMPTY, MARKER, QUOTE):
        pos += 1
    if QUOTE not in seq[:pos] or TEXT not in seq[pos:] or QUOTE in seq[pos:]:
        return range(0)
    return range(pos)


def _drop_stray_markers(seq: list[str]) -> list[int]:
    """Remove leftover attribution lines, except a forward's own marker.

    A marker directly above header lines belongs to a forwarded email that
    the customer sent without a comment; keeping it keeps the forward whole.
    """
    doomed: list[int] = []
    span: list[int] = []
    following: str | None = None  # the next non-empty class below the current line
    for pos in range(len(seq) - 1, -1, -1):
        kind = seq[pos]
        if kind == MARKER:
            span.append(pos)
            continue
        if span and following not in HEADERS:
            doomed += span
        span = []
        if kind != EMPTY:
            following = kind
    if span and following not in HEADERS:
        doomed += span
    return doomed


def _count_after(seq: list[str], kind: str) -> list[int]:
    """For each position, how many later entries are ``kind``."""
    counts = [0] * len(seq)
    running = 0
    for pos in range(len(seq) - 1, -1, -1):
        counts[pos] = running
        running += seq[pos] == kind
    return counts


def _last_index(seq: list[str], kinds: tuple[str, ...]) -> int:
    for pos in range(len(seq) - 1, -1, -1):
        if seq[pos] in kinds:
            return pos
    return -1
