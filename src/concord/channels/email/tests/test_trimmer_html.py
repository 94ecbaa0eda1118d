"""The HTML trimmer: mailers' quote containers folded, the customer's formatting kept."""

from __future__ import annotations

import re

import pytest

from concord.channels.email.models import Mailbox
from concord.channels.email.tests.conftest import build_email, deliver
from concord.channels.email.tests.trimming_cases import HTML_CASES, Case
from concord.channels.email.trimmer import TrimmedHtml, trim_html
from concord.common.html import html_to_text, sanitize_html


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("case", HTML_CASES, ids=[case.name for case in HTML_CASES])
@pytest.mark.parametrize("sanitised", [True, False], ids=["sanitised", "as-sent"])
def test_it_folds_the_history_of_a_mailers_html_reply(case: Case, sanitised: bool) -> None:
    html = sanitize_html(case.email) if sanitised else case.email
    result = trim_html(html=html)
    assert _normalised(html_to_text(sanitize_html(result.html))) == _normalised(case.expected)
    assert bool(result.quoted) == (case.name != "no_history")


def test_it_keeps_the_customers_formatting_and_inline_images() -> None:
    gmail = next(case for case in HTML_CASES if case.name == "gmail")
    result = trim_html(html=sanitize_html(gmail.email))
    assert "<b>4711</b>" in result.html
    assert '<img src="cid:shot@customer" alt="shot">' in result.html
    assert "blockquote" not in result.html
    assert "wrote:" not in result.html


def test_it_returns_html_without_history_unchanged() -> None:
    html = "<p>Hello,</p><p>the box is <i>torn</i>.</p>"
    assert trim_html(html=html) == TrimmedHtml(html=html, quoted="")


def test_it_keeps_an_html_email_that_is_only_a_quote() -> None:
    html = "<blockquote><p>Which size?</p></blockquote>"
    assert trim_html(html=html) == TrimmedHtml(html=html, quoted="")


def test_it_keeps_answers_written_between_quoted_paragraphs() -> None:
    html = (
        "<div>On Mon, 23 Nov 2026 at 10:00, Acme &lt;support@acme.test&gt; wrote:</div>"
        "<blockquote>Which size?</blockquote><p>Large.</p>"
        "<blockquote>Which colour?</blockquote><p>Blue.</p>"
    )
    result = trim_html(html=html)
    assert result.html == (
        "<blockquote>Which size?</blockquote><p>Large.</p>"
        "<blockquote>Which colour?</blockquote><p>Blue.</p>"
    )
    assert result.quoted.startswith("On Mon, 23 Nov 2026")


def test_it_escapes_text_and_attributes_when_writing_the_html_back() -> None:
    html = (
        '<p title="a &quot;b&quot;">1 &lt; 2 &amp; <a href="https://x.test/?a=1&amp;b=2">x</a></p>'
        "<div>On Mon, 23 Nov 2026, Acme &lt;support@acme.test&gt; wrote:</div>"
        "<blockquote>&lt;script&gt;</blockquote>"
    )
    result = trim_html(html=html)
    assert result.html == (
        '<p title="a &quot;b&quot;">1 &lt; 2 &amp; <a href="https://x.test/?a=1&amp;b=2">x</a></p>'
    )


def test_it_survives_broken_html() -> None:
    html = (
        "<div><p>Thanks</b></i><div>On Mon, 23 Nov 2026, A &lt;a@b.test&gt; wrote:<blockquote>old"
    )
    result = trim_html(html=html)
    assert _normalised(html_to_text(result.html)) == "Thanks"
    assert "old" in result.quoted


def test_it_leaves_deeply_nested_html_whole() -> None:
    html = "<div>" * 5_000 + "Thanks" + "</div>" * 5_000 + "<blockquote>x</blockquote>"
    assert trim_html(html=html) == TrimmedHtml(html=html, quoted="")


def test_it_completes_on_a_lot_of_html() -> None:
    html = "<p>Thanks</p>" + "<blockquote><div>x<br></div></blockquote>" * 20_000
    result = trim_html(html=html)
    assert result.html == "<p>Thanks</p>"
    assert result.quoted.count("> x") == 20_000


def test_an_html_reply_is_recorded_as_html_with_the_history_folded(mailbox: Mailbox) -> None:
    gmail = next(case for case in HTML_CASES if case.name == "gmail")
    email = build_email(
        body=(
            "The order number is 4711.\n\n"
            "On Mon, Nov 23, 2026 at 10:00 AM Acme Support <support@acme.test> wrote:\n"
            "> Could you send us the order number?\n"
        )
    )
    email.add_alternative(gmail.email, subtype="html")
    inbound = deliver(mailbox, email)
    assert inbound.message is not None, inbound.reason
    message = inbound.message
    assert message.body_text == "The order number is 4711."
    assert message.body_html is not None
    assert "<b>4711</b>" in message.body_html
    assert "Could you send us" not in message.body_html
    assert "Could you send us the order number?" in message.quoted_text


def test_an_html_reply_whose_html_shows_no_history_is_shown_as_its_text(mailbox: Mailbox) -> None:
    email = build_email(
        body="Thanks!\n\nOn Mon, 23 Nov 2026, Acme <support@acme.test> wrote:\n> Which size?\n"
    )
    email.add_alternative("<p>Thanks!</p><p>Which size?</p>", subtype="html")
    message = deliver(mailbox, email).message
    assert message is not None
    # The trimmed text, shown as HTML (the HTML part still held the history).
    assert (message.body_text, message.body_html) == ("Thanks!", "<p>Thanks!</p>")
