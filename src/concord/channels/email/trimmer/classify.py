"""Give every line of an email a class; the rules (``rules``) work on the classes.

A line's class comes first from its own text, then from two passes
that need its neighbours: attributions wrapped over several lines, and
Apple Mail's quoted attribution on top. The words the classes are told
apart by are in ``patterns``.
"""

# The fullwidth colon is what CJK mailers end attributions with.
# ruff: noqa: RUF001

from __future__ import annotations

import re

from concord.channels.email.trimmer.patterns import (
    ATTRIBUTION_INTRO,
    ATTRIBUTION_VERB,
    DATE_SOMEONE_EMAIL,
    DATED_ADDRESS_COLON,
    EVIDENCE,
    FORWARD_MARKER,
    FRAMED,
    FROM_LINE,
    HEADER_LINE,
    ONE_LINE_HEADERS,
    QUOTED_ATTRIBUTION_TAIL,
    SHORT_DEVICE_SIGNATURE,
    SIGNATURE_SUBJECT,
    SIGNATURES,
    SUBJECT_LINE,
    VERB_WINDOW,
    WORD_AND_DOT,
)

__all__ = [
    "DELIM",
    "EMPTY",
    "FROM_ADDRESS",
    "FROM_HEADER",
    "HEADER",
    "HEADERS",
    "HEADER_EVIDENCE",
    "HEADER_WITH_EVIDENCE",
    "MARKER",
    "QUOTE",
    "SIG",
    "TEXT",
    "classify",
]

EMPTY, TEXT, QUOTE, DELIM, SIG, HEADER, MARKER = "e", "t", "q", "d", "s", "h", "b"
# Header lines of an embedded email, by what they show: a "From:" line
# without or with an address, and any other header line without or with
# evidence of an email (an address, or the Subject). A block counts only with
# evidence, so "From: Berlin / To: Munich / Date: 12 May" stays the customer's.
FROM_HEADER, FROM_ADDRESS, HEADER_EVIDENCE = "f", "F", "H"
HEADERS = (HEADER, FROM_HEADER, FROM_ADDRESS, HEADER_EVIDENCE)
HEADER_WITH_EVIDENCE = (FROM_ADDRESS, HEADER_EVIDENCE)

# Longer lines are never markers, headers or signatures; skipping the pattern
# work for them keeps pathological input (one huge line) linear and cheap.
_MAX_SPECIAL_LINE = 1000
# An attribution line wrapped by the mail client spans at most this many lines.
_MAX_ATTRIBUTION_LINES = 6

# Characters that show nothing; Gmail appends U+1427 as a tracking mark.
_INVISIBLE = "\u1427\u200b\u200c\u200d\u2060\ufeff"
_NAMED_QUOTE = re.compile(r"[A-Za-z]{1,12}>(?:\s|$)")
_DELIM_CHARS = frozenset("-_*#~=+")


def classify(lines: list[str]) -> list[str]:
    classes: list[str] = []
    in_fence = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            # Code blocks are the customer's own text, whatever they contain.
            in_fence = not in_fence
            classes.append(TEXT)
        elif in_fence:
            classes.append(TEXT)
        else:
            classes.append(_classify_line(stripped))
    _mark_wrapped_attributions(lines, classes)
    _mark_quoted_opening_attribution(lines, classes)
    return classes


def _mark_quoted_opening_attribution(lines: list[str], classes: list[str]) -> None:
    """Apple Mail's bottom-posting quotes the attribution too: "> On … wrote:" first."""
    first = next((i for i, kind in enumerate(classes) if kind != EMPTY), None)
    if first is None or classes[first] != QUOTE or len(lines[first]) > _MAX_SPECIAL_LINE:
        return
    unquoted = lines[first].strip().lstrip(">").strip()
    if (
        unquoted.endswith((":", "："))
        and ATTRIBUTION_VERB.match(unquoted[-VERB_WINDOW:])
        and EVIDENCE.search(unquoted)
        and ATTRIBUTION_INTRO.match(unquoted)
    ):
        classes[first] = MARKER


def _classify_line(stripped: str) -> str:
    if not stripped or not stripped.strip(_INVISIBLE).strip():
        return EMPTY
    if _is_quote(stripped):
        return QUOTE
    if _is_delimiter(stripped):
        return DELIM
    if len(stripped) > _MAX_SPECIAL_LINE:
        return TEXT
    if (
        FORWARD_MARKER.fullmatch(stripped)
        or DATE_SOMEONE_EMAIL.match(stripped)
        or DATED_ADDRESS_COLON.fullmatch(stripped)
        or (ONE_LINE_HEADERS.match(stripped) and _shows_an_email(stripped))
        or _is_framed_attribution(stripped)
    ):
        return MARKER
    if HEADER_LINE.match(stripped):
        address = "@" in stripped
        if FROM_LINE.match(stripped):
            return FROM_ADDRESS if address else FROM_HEADER
        return HEADER_EVIDENCE if address or SUBJECT_LINE.match(stripped) else HEADER
    if (SIGNATURES.fullmatch(stripped) and SIGNATURE_SUBJECT.search(stripped)) or (
        len(stripped) <= 40 and SHORT_DEVICE_SIGNATURE.fullmatch(stripped)
    ):
        return SIG
    return TEXT


def _is_quote(stripped: str) -> bool:
    first = stripped[0]
    if first == ">":
        return True
    if first == "|":
        # "| quoted" but not a Markdown table row ("| a | b |").
        return len(stripped) == 1 or (stripped[1].isspace() and not stripped.endswith("|"))
    return first.isascii() and first.isalpha() and bool(_NAMED_QUOTE.match(stripped))


def _shows_an_email(stripped: str) -> bool:
    """An address or a Subject: "From: Berlin, date: 12 May" is not an email's header."""
    return "@" in stripped or any(
        SUBJECT_LINE.match(stripped, found.end()) for found in re.finditer(r"\s", stripped)
    )


def _is_framed_attribution(stripped: str) -> bool:
    framed = FRAMED.fullmatch(stripped)
    if framed is None:
        return False
    inner = framed.group("inner").rstrip(":：") + ":"
    return bool(ATTRIBUTION_VERB.match(inner[-VERB_WINDOW:]) and EVIDENCE.search(inner))


def _is_delimiter(stripped: str) -> bool:
    compact = stripped.replace(" ", "")
    return len(compact) >= 2 and _DELIM_CHARS.issuperset(compact)


def _mark_wrapped_attributions(lines: list[str], classes: list[str]) -> None:
    """Find "On <date>, <someone> wrote:" lines, also when wrapped over several lines."""
    quote_below = _quote_below(classes)
    for end, line in enumerate(lines):
        tail = line.rstrip()
        if not tail.endswith((":", "：")) or len(tail) > _MAX_SPECIAL_LINE:
            continue
        kind = classes[end]
        if kind == QUOTE:
            if not (QUOTED_ATTRIBUTION_TAIL.fullmatch(tail) and ATTRIBUTION_VERB.match(tail)):
                continue
        elif kind != TEXT:
            continue
        start = _attribution_start(lines, classes, end, quote_below=quote_below[end])
        if start is not None:
            for i in range(start, end + 1):
                classes[i] = MARKER


def _attribution_start(
    lines: list[str], classes: list[str], end: int, *, quote_below: bool
) -> int | None:
    """The first line of the attribution ending at ``end``, if it is one.

    Tries the fewest lines first. One that starts like an attribution ("On",
    a date…) and names a date or an address wins; otherwise the shortest one
    that names a date or an address, or that a quote follows.
    """
    candidates: list[tuple[int, str]] = [(end, lines[end].strip())]  # (first line, joined)
    i = end - 1
    while i >= 0 and end - i < _MAX_ATTRIBUTION_LINES:
        if classes[i] == EMPTY:
            i -= 1
            continue
        stripped = lines[i].strip()
        if classes[i] != TEXT or len(stripped) > 300 or _ends_sentence(stripped):
            break
        candidates.append((i, stripped + " " + candidates[-1][1]))
        i -= 1
    # Every candidate is a suffix of the longest, so one search for the
    # rightmost verb tells which candidates contain it.
    longest = candidates[-1][1]
    window = longest[-VERB_WINDOW:]
    verb = ATTRIBUTION_VERB.match(window)
    verb_reach = len(window) - verb.start("verb") if verb else None
    if verb_reach is None and "@" not in longest:
        return None
    fallback: int | None = None
    for start, joined in candidates:
        if start == end and classes[end] == QUOTE:
            continue  # "> wrote:" alone is just a quote
        if not (
            (verb_reach is not None and len(joined) >= verb_reach)
            or DATE_SOMEONE_EMAIL.match(joined)
        ):
            continue
        evidence = bool(EVIDENCE.search(joined))
        if evidence and ATTRIBUTION_INTRO.match(joined):
            return start
        if fallback is None and (evidence or quote_below):
            fallback = start
    return fallback


def _ends_sentence(stripped: str) -> bool:
    """A wrapped attribution never continues a line that ends a sentence."""
    core = stripped.rstrip("\"')]")
    if not core or core[-1] not in ".!?":
        return False
    return core[-1] != "." or bool(WORD_AND_DOT.search(core))


def _quote_below(classes: list[str]) -> list[bool]:
    """For each line, whether the next non-empty line below it is a quote."""
    below = [False] * len(classes)
    following: str | None = None
    for pos in range(len(classes) - 1, -1, -1):
        below[pos] = following == QUOTE
        if classes[pos] != EMPTY:
            following = classes[pos]
    return below
