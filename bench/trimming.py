"""Reply-trimming accuracy: tuning half, held-out half and hand-written cases.

    .venv/bin/python bench/trimming.py                 # Concord's trimmer
    .venv/bin/python bench/trimming.py --show-failures
    PYTHONPATH=src other-venv/bin/python bench/trimming.py --mail-parser-reply

The shared reply-trimming corpus (tests/corpus/email/reply-trimmer: emails/ and
the expected trimmed/ text) is split once and for all by a SHA-256 of each
file name: the files are ordered by that hash, the first half is the *tuning*
half (rules may be written while looking at it), the second half is *held out*
(never looked at while changing the trimmer; only its score is read). The
third set is our own multilingual cases
(``concord.channels.email.tests.trimming_cases``). A result counts when the
kept text equals the expected text with runs of white space collapsed.
*Fresh cases* are a second hand-written set, written after the rules for the
first were settled and scored once before any further change. The last set
is our own HTML replies (Gmail, Apple Mail, Outlook web and desktop, Yahoo,
Thunderbird), each trimmed as sent and after sanitising (as Concord stores
it); the kept HTML's text is compared.

``--mail-parser-reply`` scores the PyPI package ``mail-parser-reply`` (all its
languages switched on) on the same sets instead, as a baseline; it must be
installed in the interpreter that runs this script.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from concord.channels.email.tests.trimming_cases import (  # noqa: E402
    CASES,
    FRESH_CASES,
    HTML_CASES,
)
from concord.common.testing.corpus import EMAIL_CORPUS  # noqa: E402

CORPUS = EMAIL_CORPUS / "reply-trimmer"


def corpus_split() -> tuple[list[str], list[str]]:
    """(tuning, held_out) file names of the reply-trimming corpus."""
    names = sorted(p.name for p in (CORPUS / "emails").glob("*.txt"))
    by_hash = sorted(names, key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    half = (len(by_hash) + 1) // 2
    return sorted(by_hash[:half]), sorted(by_hash[half:])


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _concord() -> Callable[[str], str]:
    from concord.channels.email.trimmer import trim_reply

    return lambda text: trim_reply(text=text).text


def _concord_html() -> Callable[[str], str]:
    from concord.channels.email.trimmer import trim_html
    from concord.common.html import html_to_text, sanitize_html

    return lambda html: html_to_text(sanitize_html(trim_html(html=html).html))


def _html_items() -> list[tuple[str, str, str]]:
    from concord.common.html import sanitize_html

    items = [(f"{c.name} (as sent)", c.email, c.expected) for c in HTML_CASES]
    items += [(f"{c.name} (sanitised)", sanitize_html(c.email), c.expected) for c in HTML_CASES]
    return items


def _mail_parser_reply() -> Callable[[str], str]:
    from mailparser_reply import EmailReplyParser  # type: ignore[import-not-found]
    from mailparser_reply.constants import MAIL_LANGUAGES  # type: ignore[import-not-found]

    parser = EmailReplyParser(languages=[lang for lang in MAIL_LANGUAGES if lang != "david"])
    return lambda text: parser.parse_reply(text=text) or ""


def _score(
    trim: Callable[[str], str], items: list[tuple[str, str, str]], show: bool
) -> tuple[int, int]:
    passed = 0
    for name, email, expected in items:
        got = trim(email)
        if _normalised(got) == _normalised(expected):
            passed += 1
        elif show:
            print(f"--- FAIL {name}\n{got}\n--- expected\n{expected}\n")
    return passed, len(items)


def _corpus_items(names: list[str]) -> list[tuple[str, str, str]]:
    return [
        (
            name,
            (CORPUS / "emails" / name).read_text(encoding="utf-8"),
            (CORPUS / "trimmed" / name).read_text(encoding="utf-8"),
        )
        for name in names
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mail-parser-reply", action="store_true")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument(
        "--held-out-failures",
        action="store_true",
        help="also print held-out failures (do not tune on them)",
    )
    args = parser.parse_args()
    trim = _mail_parser_reply() if args.mail_parser_reply else _concord()
    tuning, held_out = corpus_split()
    sets = [
        ("tuning half", _corpus_items(tuning), args.show_failures),
        ("held-out half", _corpus_items(held_out), args.held_out_failures),
        ("own cases", [(c.name, c.email, c.expected) for c in CASES], args.show_failures),
        ("fresh cases", [(c.name, c.email, c.expected) for c in FRESH_CASES], args.show_failures),
    ]
    label = "mail-parser-reply" if args.mail_parser_reply else "concord"
    scored = [(title, trim, items, show) for title, items, show in sets]
    if not args.mail_parser_reply:  # it reads plain text only
        scored.append(("own HTML", _concord_html(), _html_items(), args.show_failures))
    for title, trim_one, items, show in scored:
        passed, total = _score(trim_one, items, show)
        seconds = _time_per_email(trim_one, items)
        print(
            f"{label:18} {title:14} {passed:3}/{total:<3} {passed / total:6.1%}"
            f"  {seconds * 1e6:8.0f} µs/email"
        )


def _time_per_email(trim: Callable[[str], str], items: list[tuple[str, str, str]]) -> float:
    """The best of five passes over the set, per email (time.perf_counter)."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _name, email, _expected in items:
            trim(email)
        best = min(best, time.perf_counter() - start)
    return best / len(items)


if __name__ == "__main__":
    main()
