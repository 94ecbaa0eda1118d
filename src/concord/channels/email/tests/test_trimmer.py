"""The reply trimmer against Discourse's email_reply_trimmer corpus, plus edge cases."""

from __future__ import annotations

import re

import pytest

from concord.channels.email.tests.trimming_cases import CASES, FRESH_CASES, Case
from concord.channels.email.trimmer import Trimmed, trim_reply
from concord.common.testing.corpus import EMAIL_CORPUS

CORPUS = EMAIL_CORPUS / "reply-trimmer"
REQUIRED_PASS_FRACTION = 0.90
MISSING = f"The reply-trimmer corpus is missing: expected {CORPUS}/emails and {CORPUS}/trimmed."


def _corpus_names() -> list[str]:
    emails = CORPUS / "emails"
    return sorted(p.name for p in emails.glob("*.txt")) if emails.is_dir() else []


# An empty parameter list would make pytest skip; a placeholder fails instead.
CORPUS_NAMES = _corpus_names() or ["(corpus missing)"]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _matches_expected(name: str) -> bool:
    email = (CORPUS / "emails" / name).read_text(encoding="utf-8")
    expected = (CORPUS / "trimmed" / name).read_text(encoding="utf-8")
    return _normalised(trim_reply(text=email).text) == _normalised(expected)


def _content_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return sorted(line.strip() for line in lines if line.strip())


def _assert_nothing_lost(source: str, result: Trimmed) -> None:
    kept_and_removed = _content_lines(result.text) + _content_lines(result.quoted)
    assert sorted(kept_and_removed) == _content_lines(source)


def test_the_corpus_is_where_the_tests_expect_it() -> None:
    assert (CORPUS / "emails").is_dir(), MISSING
    assert (CORPUS / "trimmed").is_dir(), MISSING
    assert len(_corpus_names()) >= 40, MISSING


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_it_trims_the_corpus_email_as_expected(name: str) -> None:
    assert CORPUS.is_dir(), MISSING
    assert _matches_expected(name), f"{name}: trimmed text differs from trimmed/{name}"


def test_it_meets_the_required_pass_fraction_over_the_corpus() -> None:
    names = _corpus_names()
    assert names, MISSING
    failing = [name for name in names if not _matches_expected(name)]
    passed = len(names) - len(failing)
    fraction = passed / len(names)
    assert fraction >= REQUIRED_PASS_FRACTION, (
        f"{passed}/{len(names)} ({fraction:.0%}) corpus emails match; "
        f"need {REQUIRED_PASS_FRACTION:.0%}. Failing: {', '.join(failing)}"
    )


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_it_loses_nothing_from_a_corpus_email(name: str) -> None:
    assert CORPUS.is_dir(), MISSING
    source = (CORPUS / "emails" / name).read_text(encoding="utf-8")
    _assert_nothing_lost(source, trim_reply(text=source))


@pytest.mark.parametrize("case", CASES + FRESH_CASES, ids=[c.name for c in CASES + FRESH_CASES])
def test_it_trims_a_hand_written_case_in_any_language(case: Case) -> None:
    result = trim_reply(text=case.email)
    assert _normalised(result.text) == _normalised(case.expected)
    _assert_nothing_lost(case.email, result)


def test_it_keeps_text_that_names_an_address_and_a_year_before_a_colon() -> None:
    body = (
        "Please send the 2026 invoices to <billing@customer.test>:\n"
        "- invoice 881\n- invoice 882\n\nThanks, Dana"
    )
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_keeps_a_line_that_only_looks_like_a_one_line_header() -> None:
    body = "My trip:\nFrom: Berlin, date: 12 May, back on the 14th.\n\nCan I rebook?"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_leaves_a_message_without_history_unchanged() -> None:
    body = "Hello,\n\nThe parcel arrived damaged.\n  - box torn\n  - lid cracked\n\nDana"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_keeps_a_message_that_is_only_a_quote() -> None:
    body = "> Which address should we ship to?\n>\n> Thanks"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_keeps_an_attribution_and_quote_with_nothing_new_whole() -> None:
    body = "On Mon, 23 Nov 2026 at 10:00, Acme <support@acme.test> wrote:\n> Which size?"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_keeps_a_forward_without_a_comment_whole() -> None:
    body = (
        "---------- Forwarded message ---------\n"
        "From: Shop <orders@shop.test>\n"
        "Date: Tue, Jan 01, 2019 at 12:00 PM\n"
        "Subject: Your order\n"
        "To: <dana@customer.test>\n\n"
        "Your order 1234 has shipped."
    )
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_folds_away_the_history_below_a_top_posted_reply() -> None:
    body = (
        "Yes, the new address is 12 Elm Street.\n\n"
        "On Mon, 23 Nov 2026 at 10:00, Acme Support <support@acme.test> wrote:\n"
        "> Which address should we ship to?\n> Thanks\n"
    )
    result = trim_reply(text=body)
    assert result.text == "Yes, the new address is 12 Elm Street."
    assert result.quoted.startswith("On Mon, 23 Nov 2026")
    assert result.quoted.endswith("> Thanks")
    _assert_nothing_lost(body, result)


def test_it_keeps_answers_written_between_quoted_lines() -> None:
    body = (
        "Hi,\n\n"
        "On Mon, 23 Nov 2026 at 10:00, Acme <support@acme.test> wrote:\n"
        "> Which size?\nLarge.\n> Which colour?\nBlue.\n> Anything else?\n"
        "No, that's all, but please send the invoice by Friday.\n"
        "It is for the office.\nThanks\nDana\n"
    )
    result = trim_reply(text=body)
    assert "> Which colour?\nBlue." in result.text
    assert result.text.endswith("Thanks\nDana")
    assert result.quoted == "On Mon, 23 Nov 2026 at 10:00, Acme <support@acme.test> wrote:"


def test_it_cuts_an_outlook_header_block_in_another_language() -> None:
    body = (
        "Danke!\n\n"
        "Von: Acme <support@acme.test>\n"
        "Gesendet: Montag, 23. November 2026 10:00\n"
        "An: Dana\nBetreff: Ihre Anfrage\n\nHallo Dana"
    )
    result = trim_reply(text=body)
    assert result.text == "Danke!"
    assert result.quoted.endswith("Hallo Dana")


def test_it_keeps_long_text_below_a_horizontal_rule() -> None:
    steps = "\n".join(f"Step {number}: click the button." for number in range(25))
    body = f"What I tried:\n\n---\n{steps}"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_treats_a_code_block_as_the_customers_text() -> None:
    body = "My config:\n\n```\n--\n> not a quote\n####\n```\n\nWhat is wrong?"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_does_not_take_a_markdown_table_for_a_quote() -> None:
    body = "Order sizes:\n\n| item | size |\n|------|------|\n| mug  | L    |"
    assert trim_reply(text=body) == Trimmed(text=body, quoted="")


def test_it_normalises_windows_line_endings() -> None:
    body = "Thanks\r\n\r\nOn Mon, 23 Nov 2026, Acme <support@acme.test> wrote:\r\n> Hi\r\n"
    result = trim_reply(text=body)
    assert result == Trimmed(
        text="Thanks", quoted="On Mon, 23 Nov 2026, Acme <support@acme.test> wrote:\n> Hi"
    )


def test_it_handles_empty_input() -> None:
    assert trim_reply(text="") == Trimmed(text="", quoted="")
    assert trim_reply(text=" \n\t\n") == Trimmed(text="", quoted="")


def test_it_completes_on_a_megabyte_of_quote_markers() -> None:
    # Speed is measured outside the suite; here it has to finish and stay correct.
    lines_of_markers = "> \n" * 350_000
    assert trim_reply(text=lines_of_markers).text == lines_of_markers.rstrip("\n")
    one_line_of_markers = ">" * 1_000_000
    assert trim_reply(text=one_line_of_markers).text == one_line_of_markers
    below_text = "Thanks!\n\n" + ">>> quoted\n" * 100_000
    result = trim_reply(text=below_text)
    assert result.text == "Thanks!"
    assert result.quoted.count(">>> quoted") == 100_000


def test_it_completes_on_many_lines_that_look_like_attributions() -> None:
    body = "On a: wrote:\n" * 30_000 + "Thanks"
    result = trim_reply(text=body)
    _assert_nothing_lost(body, result)
