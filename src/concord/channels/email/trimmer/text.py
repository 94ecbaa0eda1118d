"""Separate a customer's new text from the quoted history of an email reply.

Every line gets a class (empty, text, quote, delimiter, mobile signature,
header of an embedded email, attribution/forward marker), then a few rules
over the sequence of classes decide which lines are the new text. The idea of
classifying lines first comes from Discourse's email_reply_trimmer (MIT); the
rules and patterns here are our own, checked against its test corpus.

Nothing is thrown away: whatever is removed is returned as ``quoted`` so the
UI can fold it. When the rules would leave no text of the customer's own, the
message is returned whole.
"""

# The patterns hold words in many scripts on purpose (Cyrillic, CJK, fullwidth colons).
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
from dataclasses import dataclass

EMPTY, TEXT, QUOTE, DELIM, SIG, HEADER, MARKER = "e", "t", "q", "d", "s", "h", "b"
# Header lines of an embedded email, by what they show: a "From:" line
# without or with an address, and any other header line without or with
# evidence of an email (an address, or the Subject). A block counts only with
# evidence, so "From: Berlin / To: Munich / Date: 12 May" stays the customer's.
FROM_HEADER, FROM_ADDRESS, HEADER_EVIDENCE = "f", "F", "H"
HEADERS = (HEADER, FROM_HEADER, FROM_ADDRESS, HEADER_EVIDENCE)
_HEADER_WITH_EVIDENCE = (FROM_ADDRESS, HEADER_EVIDENCE)

# Longer lines are never markers, headers or signatures; skipping the pattern
# work for them keeps pathological input (one huge line) linear and cheap.
_MAX_SPECIAL_LINE = 1000
# An attribution line wrapped by the mail client spans at most this many lines.
_MAX_ATTRIBUTION_LINES = 6
# A delimiter followed by this much plain text is more likely a horizontal
# rule inside the customer's message than the start of a signature.
_DELIMITER_MAX_TAIL_TEXT = 20
# Text below a quoted block that ends the email is usually the quoted mail's
# unquoted footer (or a signature) when the customer already wrote on top.
_FOOTER_MAX_TEXT = 7

# Characters that show nothing; Gmail appends U+1427 as a tracking mark.
_INVISIBLE = "\u1427\u200b\u200c\u200d\u2060\ufeff"
_NAMED_QUOTE = re.compile(r"[A-Za-z]{1,12}>(?:\s|$)")
_DELIM_CHARS = frozenset("-_*#~=+")

_HEADER = re.compile(
    r"\*{0,2}(?:"
    r"from|sent|to|cc|bcc|subject|date|reply-to"
    r"|von|gesendet|an|betreff|datum|kopie|antwort an"
    r"|de|envoyé|envoye|à|a|objet|répondre à"
    r"|para|asunto|enviado|enviado el|enviada|fecha|assunto|data"
    r"|da|inviato|oggetto|risposta"
    r"|van|verzonden|aan|onderwerp"
    r"|från|skickat|till|ämne|kopia|fra|sendt|til|emne|dato|kopi"
    r"|od|wysłano|wysłane|do|temat|dw"
    r"|от|отправлено|кому|тема|дата|копия"
    r"|kimden|gönderildi|kime|konu|tarih"
    r"|lähettäjä|lähetetty|vastaanottaja|aihe|päivämäärä"
    r"|feladó|elküldve|címzett|tárgy|odesláno|komu|předmět"
    r"|发件人|发送时间|收件人|主题|抄送|日期|寄件者|寄件日期|收件者|主旨|副本"
    r"|差出人|送信日時|宛先|件名"
    r")\s*[:：]\s*\*{0,2}(?:\s|$)",
    re.IGNORECASE,
)

_SIGNATURES = re.compile(
    r"[\s(<]*(?:"
    r"sent (?:from|via) .{0,100}"
    r"|sent (?:with|by|using|on) \S+(?: \S+){0,4}"
    r"|(?:get|download) \[?outlook for .{0,80}"
    r"|envoy[ée] (?:de|depuis|avec|à partir) .{0,80}"
    r"|(?:von|mit) meine[mr]? .{0,60} gesendet\.?"
    r"|diese nachricht wurde von meine[mr]? .{0,80} gesendet\.?"
    r"|gesendet (?:von|mit|aus|vom) .{0,80}"
    r"|enviad[oa] (?:desde|de|do|da|via|com|con) .{0,80}"
    r"|(?:verzonden|verstuurd) (?:met|vanaf|van|via) .{0,80}"
    r"|(?:sendt|skickat|skickad) (?:fra|från|med|via) .{0,80}"
    r"|inviato da .{0,80}"
    r"|wysłane z .{0,80}"
    r"|отправлено (?:с|из) .{0,80}"
    r"|(?:從|从)我的.{0,40}(?:傳送|发送)"
    r"|发自我的.{0,40}"
    r"|.{0,40}から送信"
    r")[\s)>]*",
    re.IGNORECASE,
)
# "Sent via DHL last week" is the customer talking: a signature names the
# sender's device or mail app, or says whose it is ("my", "mon", "我的"…).
_SIGNATURE_SUBJECT = re.compile(
    r"(?<!\w)(?:my|mon|ma|mein|meinem|meiner|mijn|min|mio|mia|mi|mój|moim|mojego|моего|моём"
    r"|meu|minha|mobile|phone|iphone|ipad|ipod|android\S*|galaxy|samsung|huawei|xiaomi"
    r"|pixel|nokia|blackberry|outlook|mail|mailbox|airmail|gmail|yahoo|device|tablet|windows"
    r"|thunderbird|spark|handy|mobil\w*|telef\w*|teléfono|celular|cell|smartphone|móvil"
    r"|portable|ios)(?!\w)|我的",
    re.IGNORECASE,
)
# "Someone from mobile", "From my iPhone 6": only when the whole line is short.
_SHORT_DEVICE_SIGNATURE = re.compile(
    r".{0,24}\bfrom (?:my |a )?(?:mobile|phone|cell|iphone|ipad|ipod|android|smartphone"
    r"|blackberry|galaxy|samsung|tablet|pixel)\b.{0,12}",
    re.IGNORECASE,
)

_FORWARD_MARKER = re.compile(
    r"[\s*_=#~-]*(?:"
    r"original message|forwarded message|begin forwarded message|forwarded by .{0,80}"
    r"|mensaje original|mensaje reenviado|message d'origine|message transféré"
    r"|ursprüngliche nachricht|weitergeleitete nachricht|oorspronkelijk bericht"
    r"|doorgestuurd bericht|messaggio originale|messaggio inoltrato"
    r"|wiadomość oryginalna|przekazana wiadomość|исходное сообщение"
    r"|пересылаемое сообщение|originalmeddelande|vidarebefordrat meddelande"
    r"|opprinnelig melding|videresendt melding|oprindelig meddelelse"
    r"|videresendt meddelelse|mensagem original|mensagem encaminhada"
    r"|alkuperäinen viesti|原始邮件|原始郵件|转发的邮件|元のメッセージ"
    r")[\s*_=#~:：-]*",
    re.IGNORECASE,
)

# "... wrote:" and its translations, possibly followed by a date ("schrieb am
# Fr., 28. Apr. 2017 um 11:53 Uhr:"), ending the (joined) attribution line.
_ATTRIBUTION_VERB = re.compile(
    r"(?s:.*)(?P<verb>(?<!\w)(?:wrote|writes|schrieb|geschrieben|geschreven|écrit|schreef"
    r"|ha scritto|scrisse"
    r"|escribió|escribio|escreveu|skrev|kirjoitti|napisał(?:\(a\))?|napisała|pisze"
    r"|написал(?:\(а\))?|написала|пишет|написав(?:\(ла\))?|пише"
    r"|yazdı|írta|napsal)(?!\w)"
    r"|写道|寫道|書きました|のメッセージ)"
    r".{0,150}?[:：]\s*$",
    re.IGNORECASE,
)
_VERB_WINDOW = 220
_EVIDENCE = re.compile(r"[\d@]")
# "2013/7/20 sam via Discourse Meta <info@discourse.org>" with an optional colon.
_DATE_SOMEONE_EMAIL = re.compile(
    r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b.{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>\s*[:：]?\s*$"
)
# "пн, 23 нояб. 2026 г. в 10:00, Name <addr>:", "2026年11月23日(月) 10:00 Name <addr>:":
# Gmail's attribution in languages where it has no verb: it opens with the
# date (a number, or a short weekday name and a number), holds a time or a
# year, and ends with an address in angle brackets and a colon. "Please send
# the 2026 invoice to <billing@acme.test>:" opens with words, and stays text.
_DATED_ADDRESS_COLON = re.compile(
    r"(?=[\W_]{0,3}(?:\d|[^\W\d_]{1,6}\.?,?\s{0,2}\d))"
    r"(?=.{0,200}(?:\d{1,2}:\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)))"
    r".{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>\)?\s*[:：]\s*"
)
# Zoho's "---- On Mon, 23 Nov 2026 … <addr> wrote ----".
_FRAMED = re.compile(r"[-=_*~]{2,}\s*(?P<inner>.{4,300}?)\s*[-=_*~]{2,}")
# Outlook's header block written as one line: "From: … Sent: … To: …".
_ONE_LINE_HEADERS = re.compile(
    r"\*{0,2}(?:from|von|de|da|van|från|fra|od|от|发件人|差出人)\s*[:：].{1,200}?\s"
    r"\*{0,2}(?:sent|date|gesendet|datum|envoyé|enviado|enviada|fecha|inviato|data|verzonden"
    r"|skickat|sendt|wysłano|отправлено|дата|发送时间|送信日時)\s*[:：]",
    re.IGNORECASE,
)
# The header word that starts an embedded email's header block ("From:" …);
# with a second header below it, two lines are enough for a block.
_FROM_HEADER = re.compile(
    r"\*{0,2}(?:from|von|de|da|van|från|fra|od|от|kimden|lähettäjä|feladó|发件人|寄件者|差出人)"
    r"\s*[:：]",
    re.IGNORECASE,
)
_SUBJECT_HEADER = re.compile(
    r"\*{0,2}(?:subject|betreff|objet|asunto|assunto|oggetto|onderwerp|ämne|emne|temat|тема"
    r"|konu|aihe|tárgy|předmět|主题|主旨|件名)\s*[:：]",
    re.IGNORECASE,
)
# How attributions start: "On …", "Am …", "Le …", or a date.
_ATTRIBUTION_INTRO = re.compile(r"\s*(?:(?:On|At|Am|Le|Op|Il|El|Em|Den|Dnia|W dniu|В|Dne)\s|在|\d)")
# "interesting." ends a sentence; "28." or "Apr." in a wrapped date does not.
_WORD_AND_DOT = re.compile(r"[^\W\d_]{4,}\.$")
# "> wrote:": the tail of an attribution that the client wrapped into a quote.
_QUOTED_ATTRIBUTION_TAIL = re.compile(r"\s*>\s*\S{0,12}\s*[:：]\s*$")


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
    classes = _classify(lines)
    for i in markers:
        if classes[i] in (TEXT, DELIM, EMPTY, *HEADERS):
            classes[i] = MARKER
    if TEXT not in classes:  # only quotes (or nothing): keep it all
        return None
    dropped = _drop(classes)
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


# --- classification ---------------------------------------------------------


def _classify(lines: list[str]) -> list[str]:
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
        and _ATTRIBUTION_VERB.match(unquoted[-_VERB_WINDOW:])
        and _EVIDENCE.search(unquoted)
        and _ATTRIBUTION_INTRO.match(unquoted)
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
        _FORWARD_MARKER.fullmatch(stripped)
        or _DATE_SOMEONE_EMAIL.match(stripped)
        or _DATED_ADDRESS_COLON.fullmatch(stripped)
        or (_ONE_LINE_HEADERS.match(stripped) and _shows_an_email(stripped))
        or _is_framed_attribution(stripped)
    ):
        return MARKER
    if _HEADER.match(stripped):
        address = "@" in stripped
        if _FROM_HEADER.match(stripped):
            return FROM_ADDRESS if address else FROM_HEADER
        return HEADER_EVIDENCE if address or _SUBJECT_HEADER.match(stripped) else HEADER
    if (_SIGNATURES.fullmatch(stripped) and _SIGNATURE_SUBJECT.search(stripped)) or (
        len(stripped) <= 40 and _SHORT_DEVICE_SIGNATURE.fullmatch(stripped)
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
        _SUBJECT_HEADER.match(stripped, found.end()) for found in re.finditer(r"\s", stripped)
    )


def _is_framed_attribution(stripped: str) -> bool:
    framed = _FRAMED.fullmatch(stripped)
    if framed is None:
        return False
    inner = framed.group("inner").rstrip(":：") + ":"
    return bool(_ATTRIBUTION_VERB.match(inner[-_VERB_WINDOW:]) and _EVIDENCE.search(inner))


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
            if not (_QUOTED_ATTRIBUTION_TAIL.fullmatch(tail) and _ATTRIBUTION_VERB.match(tail)):
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
    window = longest[-_VERB_WINDOW:]
    verb = _ATTRIBUTION_VERB.match(window)
    verb_reach = len(window) - verb.start("verb") if verb else None
    if verb_reach is None and "@" not in longest:
        return None
    fallback: int | None = None
    for start, joined in candidates:
        if start == end and classes[end] == QUOTE:
            continue  # "> wrote:" alone is just a quote
        if not (
            (verb_reach is not None and len(joined) >= verb_reach)
            or _DATE_SOMEONE_EMAIL.match(joined)
        ):
            continue
        evidence = bool(_EVIDENCE.search(joined))
        if evidence and _ATTRIBUTION_INTRO.match(joined):
            return start
        if fallback is None and (evidence or quote_below):
            fallback = start
    return fallback


def _ends_sentence(stripped: str) -> bool:
    """A wrapped attribution never continues a line that ends a sentence."""
    core = stripped.rstrip("\"')]")
    if not core or core[-1] not in ".!?":
        return False
    return core[-1] != "." or bool(_WORD_AND_DOT.search(core))


def _quote_below(classes: list[str]) -> list[bool]:
    """For each line, whether the next non-empty line below it is a quote."""
    below = [False] * len(classes)
    following: str | None = None
    for pos in range(len(classes) - 1, -1, -1):
        below[pos] = following == QUOTE
        if classes[pos] != EMPTY:
            following = classes[pos]
    return below


# --- rules ------------------------------------------------------------------
# Each rule looks only at the lines earlier rules kept ("live" lines) and runs
# in linear time: suffix facts are computed once, never by rescanning the tail.


def _drop(classes: list[str]) -> list[bool]:
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
        evidence = any(kind in _HEADER_WITH_EVIDENCE for kind in block)
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
