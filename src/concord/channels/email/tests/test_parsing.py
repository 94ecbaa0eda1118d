"""Raw bytes → ParsedEmail: built emails for each rule, and a corpus of real, broken mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concord.channels.email.parsing import (
    EmailRejected,
    normalize_message_id,
)
from concord.channels.email.tests.mime import build, parse, text_email
from concord.common.testing.corpus import EMAIL_CORPUS

CORPUS = EMAIL_CORPUS


def _has_surrogates(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


# ---------------------------------------------------------------- headers


def test_it_reads_the_headers() -> None:
    email = build(
        In_Reply_To="<ours-1@acme.test> (Support's message)",
        References="<ours-0@acme.test> <ours-1@acme.test>  <ours-0@acme.test>",
        Cc='"Doe, John" <JOHN@customer.test>, ops@customer.test',
        Reply_To="Orders <orders@customer.test>",
        Delivered_To="support@acme.test",
        X_Original_To="help@acme.test",
    )
    email.set_content("Hello")
    parsed = parse(email)

    assert parsed.message_id == "first@customer.test"
    assert parsed.in_reply_to == ("ours-1@acme.test",)
    assert parsed.references == ("ours-0@acme.test", "ours-1@acme.test")
    assert (parsed.from_name, parsed.from_address) == ("Dana Miller", "dana@customer.test")
    assert parsed.reply_to_address == "orders@customer.test"
    assert parsed.to == ("support@acme.test",)
    assert parsed.cc == ("john@customer.test", "ops@customer.test")
    assert parsed.delivered_to == ("support@acme.test", "help@acme.test")
    assert parsed.subject == "Order 4411"
    assert parsed.date == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parsed.text == "Hello\n"
    assert parsed.html == ""
    assert parsed.auto_submitted == ""
    assert parsed.report is None
    assert parsed.defects == ()


def test_a_missing_message_id_is_empty() -> None:
    email = build()
    del email["Message-ID"]
    email.set_content("Hello")
    assert parse(email).message_id == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@host>", "abc@host"),
        ("  <abc@host>  ", "abc@host"),
        ("abc@host", "abc@host"),
        ("<abc@\r\n host>", "abc@host"),
        ("<abc@host> (added by a list)", "abc@host"),
        ("<>", ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_message_ids_are_normalised(value: str, expected: str) -> None:
    assert normalize_message_id(value) == expected


def test_a_subject_folded_over_lines_is_one_line() -> None:
    raw = (
        b"From: dana@customer.test\r\nSubject: Where is\r\n\tmy   order\r\n  4411?\r\n\r\nHello\r\n"
    )
    assert parse(raw).subject == "Where is my order 4411?"


def test_line_breaks_encoded_inside_a_subject_are_flattened() -> None:
    raw = b"From: dana@customer.test\r\nSubject: =?utf-8?q?Line_one=0D=0ALine=09two?=\r\n\r\nHi\r\n"
    assert parse(raw).subject == "Line one Line two"


def test_8bit_headers_are_decoded_as_utf8_else_cp1252() -> None:
    raw = (
        b"From: J\xc3\xbcrgen Gro\xc3\x9f <jg@customer.test>\r\n"
        b"Subject: caf\xe9 cr\xe8me\r\n\r\nHi\r\n"
    )
    parsed = parse(raw)
    assert parsed.from_name == "Jürgen Groß"
    assert parsed.subject == "café crème"


def test_an_encoded_word_in_an_unknown_charset_falls_back() -> None:
    raw = b"From: a@customer.test\r\nSubject: =?unknown-8bit?q?caf=C3=A9?=\r\n\r\nHi\r\n"
    assert parse(raw).subject == "café"


def test_an_unparseable_from_gives_no_address() -> None:
    raw = b'From: "Dana <dana@\r\nSubject: x\r\n\r\nHi\r\n'
    parsed = parse(raw)
    assert parsed.from_address == ""
    assert parsed.subject == "x"


def test_a_date_without_time_zone_is_read_as_utc_and_a_bad_date_as_none() -> None:
    unknown_zone = build()
    unknown_zone.replace_header("Date", "Tue, 07 May 2013 23:11:57 -0000")
    unknown_zone.set_content("x")
    assert parse(unknown_zone).date == datetime(2013, 5, 7, 23, 11, 57, tzinfo=UTC)

    raw = b"From: a@customer.test\r\nDate: Mon, 99 Foo 2012 25:61:00 +9999\r\n\r\nHi\r\n"
    assert parse(raw).date is None


# ---------------------------------------------------------------- charsets


def test_a_latin1_body_without_charset_is_read_as_cp1252() -> None:
    parsed = parse(text_email(b"caf\xe9 cr\xe8me \x80 5"))
    assert parsed.text == "café crème € 5"
    assert parsed.defects == ("text/plain: no charset declared; decoded as cp1252",)


def test_a_utf8_body_declared_as_ascii_is_read_as_utf8() -> None:
    parsed = parse(text_email("Grüße, café".encode(), charset="us-ascii"))
    assert parsed.text == "Grüße, café"
    assert "decoded as utf-8" in parsed.defects[0]


@pytest.mark.parametrize("charset", ["utf-8-bogus", "unknown-8bit", "x-unknown", "base64"])
def test_an_unknown_charset_falls_back_to_utf8_then_cp1252(charset: str) -> None:
    assert parse(text_email("Grüße".encode(), charset=charset)).text == "Grüße"
    parsed = parse(text_email(b"caf\xe9", charset=charset))
    assert parsed.text == "café"
    assert f"unknown charset {charset!r}" in parsed.defects[0]


def test_a_declared_charset_is_used_when_right() -> None:
    assert parse(text_email("Привет".encode("koi8-r"), charset="koi8-r")).text == "Привет"
    assert parse(text_email("Grüße €".encode("cp1252"), charset="iso-8859-1")).text == "Grüße €"


def test_mostly_utf8_with_a_broken_byte_stays_utf8() -> None:
    body = "Картинка с очень длинным именем".encode() + b"\xd1"  # noqa: RUF001
    parsed = parse(text_email(body, charset="utf-8"))
    assert parsed.text == "Картинка с очень длинным именем\ufffd"  # noqa: RUF001


def test_cp1252_undefined_bytes_still_decode() -> None:
    parsed = parse(text_email(b"\x81\x8d\x8f\x90\x9d ok"))
    assert parsed.text.endswith(" ok")
    assert not _has_surrogates(parsed.text)


def test_an_html_body_without_charset_uses_its_meta_charset() -> None:
    email = build()
    html = '<html><head><meta charset="koi8-r"></head><body><p>Привет</p></body></html>'
    email.set_content(html.encode("koi8-r"), maintype="text", subtype="html", cte="8bit")
    parsed = parse(email)
    assert parsed.html == "<p>Привет</p>"
    assert parsed.text == "Привет"


# ---------------------------------------------------------------- bodies


def test_alternative_prefers_plain_text_and_sanitised_html() -> None:
    email = build()
    email.set_content("Plain words.\n")
    email.add_alternative(
        '<p onclick="steal()">Rich <b>words</b>.</p><script>alert(1)</script>', subtype="html"
    )
    parsed = parse(email)
    assert parsed.text == "Plain words.\n"
    assert parsed.html == "<p>Rich <b>words</b>.</p>"


def test_html_only_mail_gets_text_from_the_html() -> None:
    email = build()
    email.set_content("<p>First</p><p>Second &amp; last</p><style>p{}</style>", subtype="html")
    parsed = parse(email)
    assert parsed.text == "First\nSecond & last"
    assert parsed.html == "<p>First</p><p>Second &amp; last</p>"


def test_text_parts_around_an_image_are_joined() -> None:
    email = build()
    email.set_content("Look at this:\n")
    email.add_attachment(b"\xff\xd8jpeg", maintype="image", subtype="jpeg", filename="a.jpg")
    email.add_attachment("Sent from my phone\n", disposition="inline")
    parsed = parse(email)
    assert parsed.text == "Look at this:\n\nSent from my phone"
    assert [a.filename for a in parsed.attachments] == ["a.jpg"]


def test_format_flowed_lines_are_joined() -> None:
    flowed = "This is one \nparagraph that \nflows.\n> quoted \n> more\n-- \nsig\n"
    email = text_email(flowed.encode(), charset="utf-8", format="flowed")
    assert parse(email).text == "This is one paragraph that flows.\n> quoted more\n-- \nsig\n"


def test_format_flowed_with_delsp_drops_the_soft_break_space() -> None:
    email = text_email(b"Hel \nlo\n", charset="utf-8", format="flowed", delsp="yes")
    assert parse(email).text == "Hello\n"


def test_line_endings_and_nul_bytes_are_normalised() -> None:
    raw = b"From: a@customer.test\r\nContent-Type: text/plain\r\n\r\none\r\ntwo\rthree\x00\n"
    assert parse(raw).text == "one\ntwo\nthree\n"


# ---------------------------------------------------------------- attachments


def test_a_cid_image_is_an_inline_attachment() -> None:
    email = build()
    email.set_content("See the photo")
    email.add_alternative('<p>See:</p><img src="cid:photo1@customer.test">', subtype="html")
    _, html_part = email.iter_parts()
    html_part.add_related(b"\x89PNG\r\n\x1a\n", "image", "png", cid="<photo1@customer.test>")
    email.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="b.png")
    parsed = parse(email)

    inline, attached = parsed.attachments
    assert (inline.content_id, inline.inline, inline.content_type) == (
        "photo1@customer.test",
        True,
        "image/png",
    )
    assert inline.payload == b"\x89PNG\r\n\x1a\n"
    assert (attached.filename, attached.inline) == ("b.png", False)
    assert 'src="cid:photo1@customer.test"' in parsed.html


def test_an_rfc2231_filename_is_decoded() -> None:
    email = build()
    email.set_content("Invoice attached")
    email.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="Übersicht März.pdf"
    )
    assert b"filename*=utf-8''" in email.as_bytes()  # the case under test

    (attachment,) = parse(email).attachments
    assert attachment.filename == "Übersicht März.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.payload == b"%PDF-1.4"


def test_an_rfc2047_filename_and_a_path_in_it_are_handled() -> None:
    raw = (
        b"From: a@customer.test\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nHi\r\n"
        b"--B\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?utf-8?B?Li4vUmVjaG51bmcucGRm?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--B--\r\n"
    )
    (attachment,) = parse(raw).attachments
    assert attachment.filename == "Rechnung.pdf"  # was "../Rechnung.pdf"
    assert attachment.payload == b"%PDF"


def test_an_attachment_over_the_cap_is_skipped_with_the_reason() -> None:
    email = build()
    email.set_content("Two files")
    email.add_attachment(b"x" * 5000, maintype="application", subtype="zip", filename="big.zip")
    email.add_attachment(b"small", maintype="text", subtype="plain", filename="small.txt")
    parsed = parse(email, max_attachment=2048)

    assert [a.filename for a in parsed.attachments] == ["small.txt"]
    (skipped,) = parsed.skipped
    assert (skipped.filename, skipped.size) == ("big.zip", 5000)
    assert "2048-byte limit" in skipped.reason
    assert parsed.text == "Two files\n"  # the text part was a body, not a file


def test_a_message_over_the_cap_is_rejected() -> None:
    email = build()
    email.set_content("x" * 5000)
    with pytest.raises(EmailRejected) as rejected:
        parse(email, max_message=4096)
    assert "over the 4096-byte limit" in rejected.value.reason


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n  \n"])
def test_an_empty_message_is_rejected(raw: bytes) -> None:
    with pytest.raises(EmailRejected, match="empty"):
        parse(raw)


def test_a_forwarded_email_is_one_eml_attachment() -> None:
    inner = build(subject="Re: Lost parcel / tracking?")
    inner.set_content("The inner body must not become our text.")
    email = build(subject="Fwd: Lost parcel")
    email.set_content("See below.")
    email.add_attachment(inner)
    parsed = parse(email)

    assert parsed.text == "See below.\n"
    (attachment,) = parsed.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename == "Re_ Lost parcel _ tracking_.eml"
    assert b"The inner body must not become our text." in attachment.payload
    assert b"Subject: Re: Lost parcel / tracking?" in attachment.payload


def test_deep_nesting_is_cut_off_with_a_defect() -> None:
    inner = b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for level in range(40):
        boundary = b"b%d" % level
        inner = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
            + b"\r\n" + inner + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    parsed = parse(b"From: a@customer.test\r\n" + inner)
    assert parsed.text == ""
    assert "nested deeper than 20 levels" in " ".join(parsed.defects)


def test_nesting_that_exhausts_the_parser_is_rejected() -> None:
    inner = b"From: x@customer.test\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    for _ in range(2000):
        inner = b"From: x@customer.test\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    with pytest.raises(EmailRejected, match="nested too deeply"):
        parse(inner)


def test_a_multipart_without_its_boundary_is_read_as_text() -> None:
    raw = (
        b"From: a@customer.test\r\nContent-Type: multipart/alternative; boundary=NEVER\r\n"
        b"\r\nJust some words.\r\n"
    )
    parsed = parse(raw)
    assert parsed.text == "Just some words.\n"
    assert any("StartBoundaryNotFoundDefect" in defect for defect in parsed.defects)


# ---------------------------------------------------------------- automatic mail

AUTOMATIC = [
    ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
    ({"Auto-Submitted": "auto-generated; type=oof"}, "Auto-Submitted: auto-generated"),
    ({"Precedence": "bulk"}, "Precedence: bulk"),
    ({"Precedence": "junk"}, "Precedence: junk"),
    ({"Precedence": "list"}, "Precedence: list"),
    ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
    ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress: All"),
    ({"X-Auto-Response-Suppress": "DR, RN, NRN"}, "X-Auto-Response-Suppress: DR, RN, NRN"),
    ({"X-Auto-Response-Suppress": "OOF, AutoReply"}, "X-Auto-Response-Suppress: OOF, AutoReply"),
    ({"X-Autoreply": "yes"}, "X-Autoreply"),
    ({"X-Autorespond": "yes"}, "X-Autorespond"),
    ({"X-Loop": "helpdesk@elsewhere.test"}, "X-Loop"),
    ({"List-Id": "<news.customer.test>"}, "List-Id"),
    ({"List-Unsubscribe": "<mailto:leave@customer.test>"}, "List-Unsubscribe"),
]


@pytest.mark.parametrize(("headers", "reason"), AUTOMATIC, ids=[r for _, r in AUTOMATIC])
def test_automatic_mail_is_marked_with_the_reason(headers: dict[str, str], reason: str) -> None:
    email = build()
    for name, value in headers.items():
        email[name] = value
    email.set_content("I am away.")
    assert parse(email).auto_submitted == reason


@pytest.mark.parametrize(
    "headers",
    [{"Auto-Submitted": "no"}, {"Precedence": "first-class"}, {"X-Auto-Response-Suppress": "None"}],
)
def test_mail_a_person_wrote_is_not_marked(headers: dict[str, str]) -> None:
    email = build()
    for name, value in headers.items():
        email[name] = value
    email.set_content("A real question.")
    assert parse(email).auto_submitted == ""
