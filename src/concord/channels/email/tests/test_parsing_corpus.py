"""Parsing every real-world email of the corpus: no crash, no false reports, known cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from concord.channels.email.parsing import (
    EmailRejected,
    ParsedEmail,
)
from concord.channels.email.tests.mime import MB, parse
from concord.common.testing.corpus import EMAIL_CORPUS

CORPUS = EMAIL_CORPUS


# ---------------------------------------------------------------- the corpus


def _corpus_files(*folders: str, recursive: bool = False) -> list[Path]:
    files = []
    for folder in folders:
        base = CORPUS / folder
        found = base.rglob("*") if recursive else base.glob("*")
        files += [f for f in found if f.is_file() and f.name != "LICENSE"]
    # An empty list would turn the parametrized tests into silent skips.
    return sorted(files) or [CORPUS / "missing"]


def _read(path: Path) -> bytes:
    if not path.is_file():
        pytest.fail(f"The email corpus is missing: expected files under {CORPUS}")
    return path.read_bytes()


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS)) if path.is_relative_to(CORPUS) else str(path)


ALL = _corpus_files("mime", "helpdesk-samples", recursive=True)
BOUNCES = _corpus_files("mime/bounce")
COMPLAINTS = _corpus_files("mime/complaints")
ORDINARY = [p for p in ALL if p.parent.name not in ("bounce", "complaints")]
REJECTED = {"mime/dkim/email.01": "empty"}  # a zero-byte file


def test_the_corpus_is_where_the_tests_expect_it() -> None:
    assert CORPUS.is_dir(), f"The email corpus is missing: expected it at {CORPUS}"
    assert len(ALL) >= 70
    assert len(BOUNCES) == 9
    assert len(COMPLAINTS) == 2


def _has_surrogates(value: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in value)


def _strings(parsed: ParsedEmail) -> list[str]:
    values: list[str] = []
    for item in dataclasses.astuple(parsed):
        stack = [item]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                values.append(value)
            elif isinstance(value, tuple):
                stack.extend(value)
    return values


@pytest.mark.parametrize("path", ALL, ids=_name)
def test_every_corpus_email_parses_or_is_rejected_with_a_reason(path: Path) -> None:
    raw = _read(path)
    if _name(path) in REJECTED:
        with pytest.raises(EmailRejected, match=REJECTED[_name(path)]):
            parse(raw, max_attachment=10 * MB)
        return
    parsed = parse(raw, max_attachment=10 * MB)
    assert parsed.size == len(raw)
    for value in _strings(parsed):
        assert not _has_surrogates(value)
        assert "\x00" not in value
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert "\n" not in parsed.subject
    assert "\t" not in parsed.subject


@pytest.mark.parametrize("path", ORDINARY, ids=_name)
def test_ordinary_corpus_email_is_not_taken_for_a_report(path: Path) -> None:
    if _name(path) in REJECTED:
        return  # checked above
    parsed = parse(_read(path), max_attachment=10 * MB)
    assert parsed.report is None
    assert parsed.auto_submitted in {
        "",
        "Precedence: bulk",  # mailing-list posts from the Apache httpd archive
        "read receipt",  # disposition-notification.eml, an RFC 8098 receipt
    }


def corpus(name: str, **limits: int) -> ParsedEmail:
    return parse(_read(CORPUS / name), **limits)


def test_corpus_mailing_list_and_receipt_are_automatic() -> None:
    assert corpus("mime/apache-message-news-mime.eml").auto_submitted == "Precedence: bulk"
    assert corpus("mime/disposition-notification.eml").auto_submitted == "read receipt"


def test_corpus_a_second_text_plain_alternative_is_not_the_text() -> None:
    # quoted-printable.eml has two text/plain alternatives; the second is HTML.
    parsed = corpus("mime/quoted-printable.eml")
    assert parsed.text.startswith("Hello Bob,\n\nPlease note that this email contains")
    assert "<div" not in parsed.text


def test_corpus_iphone_photo_is_inline_between_the_texts() -> None:
    parsed = corpus("mime/iphone.eml")
    assert parsed.text == "Hello\n\n~Danielle"
    (photo,) = parsed.attachments
    assert (photo.filename, photo.content_type, photo.inline) == ("photo.JPG", "image/jpeg", True)
    assert photo.payload.startswith(b"\xff\xd8")


def test_corpus_8bit_utf8_filename_cut_mid_letter_is_kept_readable() -> None:
    (picture,) = corpus("mime/russian-attachment-yahoo.eml").attachments
    name = "Картинка с очень, очень длинным предлинным именем"  # noqa: RUF001
    assert picture.filename.startswith(name)
    assert picture.content_type == "image/png"
    assert picture.payload.startswith(b"\x89PNG")


def test_corpus_enclosed_message_is_one_attachment_even_when_endless() -> None:
    endless = _read(CORPUS / "mime/enclosed-endless.eml")
    parsed = parse(endless, max_attachment=10 * MB)
    assert parsed.text == "Hello\n"
    (enclosed,) = parsed.attachments
    assert (enclosed.filename, enclosed.content_type) == ("thanks.eml", "message/rfc822")
    assert len(enclosed.payload) > 2 * MB

    capped = parse(endless, max_attachment=MB)
    assert capped.attachments == ()
    assert capped.skipped[0].filename == "thanks.eml"


def test_corpus_message_global_keeps_its_type() -> None:
    (enclosed,) = corpus("mime/enclosed-global.eml").attachments
    assert enclosed.content_type == "message/global"


def test_corpus_external_body_is_reported_as_not_kept() -> None:
    parsed = corpus("mime/message-external-body.eml")
    assert [s.filename for s in parsed.skipped] == ["", "draft-ietf-http-authentication-00.txt"]
    assert parsed.text.startswith("I am amazed.")


def test_corpus_pgp_signature_is_dropped_and_the_text_kept() -> None:
    parsed = corpus("helpdesk-samples/pgp.eml")
    assert parsed.attachments == ()
    assert parsed.text.startswith("hi, thanks for looking into this :)")


def test_corpus_malformed_8bit_headers_are_decoded() -> None:
    parsed = corpus("mime/mailformed-headers.eml")
    assert parsed.from_name == "Юникод запрещен\ufffd"  # the last letter was cut in the file
    assert parsed.subject == "\u00b4!"  # a lone cp1252 byte: an acute accent
    assert parsed.from_address == "headers@gmail.com"


def test_corpus_split_encoded_word_subject_is_joined() -> None:
    parsed = corpus("helpdesk-samples/utf-nondecodable.eml")
    assert parsed.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    assert "Ahoj Johne," in parsed.text


def test_corpus_html_only_mail_has_derived_text() -> None:
    parsed = corpus("mime/long-links.eml")
    assert parsed.html
    assert parsed.text.startswith("http://www.longurlmaker.com/")
