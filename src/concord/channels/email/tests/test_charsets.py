# ruff: noqa: RUF001
# (the fixtures are text in many scripts, on purpose)
"""Every charset read: declared, extended, mislabelled and undeclared, in every part of an email.

Each fixture is built byte by byte in ``charset_fixtures`` (``test_corpus``
feeds them all through ingestion too); subject, display name, body and
attachment file name are asserted exactly. See docs/email.md, *Charsets*,
for the order these tests pin down.
"""

from __future__ import annotations

import pytest

from concord.channels.email.decoding import decode_bytes
from concord.channels.email.models import Mailbox
from concord.channels.email.parsing import ParsedEmail
from concord.channels.email.tests.charset_fixtures import (
    CYRILLIC_BODY,
    FIXTURES,
    HEBREW_BODY,
    HEBREW_SUBJECT,
    SHORT_JAPANESE_SUBJECT,
    UNDECLARED_CJK,
    UU_PAYLOAD,
    UU_ZEROS,
    jis,
)
from concord.channels.email.tests.conftest import deliver
from concord.channels.email.tests.mime import parse
from concord.conversations.models import Attachment


def read(
    parsed: ParsedEmail, *, subject: str, name: str, body: str, filename: str | None = None
) -> None:
    assert parsed.subject == subject
    assert parsed.from_name == name
    assert parsed.from_address == "customer@customer.test"
    assert parsed.text.rstrip("\n") == body
    if filename is not None:
        (attachment,) = parsed.attachments
        assert attachment.filename == filename
        assert attachment.payload == b"%PDF-1.4"
    for value in (parsed.subject, parsed.from_name, parsed.text):
        assert "\x1b" not in value
        assert "\ufffd" not in value


# ---------------------------------------------------------------- Japanese


def test_iso2022jp_with_nec_and_ibm_extensions_is_decoded_everywhere() -> None:
    raw = FIXTURES["iso2022jp_nec_ibm"]
    parsed = parse(raw)
    read(
        parsed,
        subject="ご注文①と②の件",
        name="髙橋太郎",
        body="㈱アクメ御中\nⅢ番の商品が届きません。",
        filename="見積書①.pdf",
    )
    assert parsed.defects == (
        "text/plain: bytes invalid in 'iso-2022-jp'; decoded as iso2022_jp_ms",
    )


def test_an_iso2022jp_filename_in_rfc2231_form_is_decoded_with_its_extensions() -> None:
    raw = FIXTURES["iso2022jp_rfc2231_filename"]
    assert parse(raw).attachments[0].filename == "請求書②.pdf"


def test_raw_iso2022jp_headers_without_encoded_words_are_decoded() -> None:
    raw = FIXTURES["iso2022jp_raw_headers"]
    read(parse(raw), subject="納期について①", name="山田花子", body="よろしくお願いします。")


def test_shift_jis_labelled_iso2022jp_is_read_as_shift_jis() -> None:
    raw = FIXTURES["shift_jis_labelled_iso2022jp"]
    parsed = parse(raw)
    read(
        parsed,
        subject="ソフトの不具合について①",
        name="佐藤一郎",
        body="再起動すると直ります。",
        filename="ログ.txt",
    )
    assert parsed.defects == ("text/plain: bytes invalid in 'iso-2022-jp'; decoded as cp932",)


def test_raw_shift_jis_headers_use_the_charset_the_body_declares() -> None:
    raw = FIXTURES["shift_jis_raw_headers"]
    read(
        parse(raw),
        subject="お問い合わせ：請求書",
        name="鈴木次郎",
        body="請求書を添付します。",
        filename="請求書.pdf",
    )


def test_iso2022jp_escapes_in_mail_labelled_ascii_or_unlabelled_are_not_left_as_escapes() -> None:
    for charset in ("us-ascii", "utf-8", "nothing"):
        parsed = parse(FIXTURES[f"iso2022jp_escapes_labelled_{charset}"])
        assert parsed.text.rstrip("\n") == "届きました①", charset


def test_a_7bit_decode_that_leaves_escape_sequences_does_not_count() -> None:
    data = jis("注文②")
    assert data.decode("utf-8")  # "decodes" as UTF-8, yet is not decoded
    assert decode_bytes(data, "utf-8")[0] == "注文②"
    assert decode_bytes(data, None)[0] == "注文②"


# ---------------------------------------------------------------- Chinese


def test_gbk_labelled_gb2312_is_read_as_gbk() -> None:
    # 玥, 喆, 堃 and 镕 are GBK, not GB2312: a strict GB2312 decoder fails on them.
    raw = FIXTURES["gbk_labelled_gb2312"]
    with pytest.raises(UnicodeDecodeError):
        "王玥".encode("gbk").decode("gb2312")
    parsed = parse(raw)
    read(
        parsed,
        subject="关于订单的问题：朱镕基",
        name="王玥",
        body="您好，我叫张喆，订单还没有到。",
        filename="发票堃.pdf",
    )
    assert parsed.defects == ()


def test_big5_everywhere_including_raw_headers() -> None:
    raw = FIXTURES["big5_everywhere"]
    read(
        parse(raw),
        subject="訂單查詢",
        name="陳大文",
        body="您好，我的訂單還沒有到。",
        filename="報價單.pdf",
    )


# ---------------------------------------------------------------- undeclared CJK


@pytest.mark.parametrize("name", sorted(UNDECLARED_CJK))
def test_undeclared_cjk_is_detected_in_subject_name_and_body(name: str) -> None:
    # No charset anywhere: the bytes alone say which (charset-normalizer ranks
    # the readings; see decoding.guess_charset for how a double-byte one is judged).
    _codec, subject, sender, body = UNDECLARED_CJK[name]
    parsed = parse(FIXTURES[f"undeclared_{name}"])
    read(parsed, subject=subject, name=sender, body=body)
    (defect,) = parsed.defects
    assert defect.startswith("text/plain: no charset declared; decoded as "), defect
    assert defect.endswith("(detected)"), defect


def _east_asian_only(value: str) -> bool:
    return all(ord(char) < 0x80 or 0x2E80 <= ord(char) <= 0xFFEF for char in value)


def test_a_short_undeclared_japanese_subject_over_an_english_body() -> None:
    # One line is the whole sample: few bytes to tell charsets apart. A line
    # with kana reads only as Japanese; the guarantee for any short CJK line is
    # weaker (next test), but never replacement characters or Latin mojibake.
    parsed = parse(FIXTURES["undeclared_short_japanese_subject"])
    assert parsed.subject == SHORT_JAPANESE_SUBJECT
    assert parsed.from_name == "Ken Sato"
    assert parsed.text.startswith("Hello, my order 4411")


def test_a_short_undeclared_chinese_subject_is_at_least_not_latin_mojibake() -> None:
    # Big5, GBK, Shift_JIS and UHC bytes of four ideographs are valid in each
    # other; only more text tells them apart, so a neighbouring CJK charset's
    # reading may win (this one reads as Korean). Latin mojibake ("¼q³æ") or
    # replacement characters would say nothing; these at least show an East
    # Asian text, and the raw email is kept.
    parsed = parse(FIXTURES["undeclared_short_big5_subject"])
    assert parsed.subject
    assert "\ufffd" not in parsed.subject
    assert _east_asian_only(parsed.subject), parsed.subject
    assert parsed.from_name == "David Chan"


def test_undeclared_western_text_that_decodes_as_double_byte_stays_western() -> None:
    # "ção" and "Süß" put two 8-bit bytes side by side, as double-byte text
    # does; Big5, GBK and cp932 read them as ideographs inside Latin words.
    for text in ("Informações da encomenda", "Ação não", "Süßigkeiten für Jürgen"):
        assert decode_bytes(text.encode("cp1252"), None)[0] == text, text


# ---------------------------------------------------------------- Cyrillic


def test_koi8r_declared_reads_raw_headers_and_the_file_name() -> None:
    raw = FIXTURES["koi8r_declared"]
    read(
        parse(raw),
        subject="Заказ не пришёл",
        name="Иван Петров",
        body="Добрый день, заказ 4411 не пришёл.",
        filename="Счёт.pdf",
    )


def test_undeclared_windows_1251_is_detected() -> None:
    raw = FIXTURES["undeclared_windows_1251"]
    parsed = parse(raw)
    read(
        parsed,
        subject="Где мой заказ?",
        name="Ольга Смирнова",
        body=CYRILLIC_BODY,
        filename="Квитанция.pdf",
    )
    assert parsed.defects == ("text/plain: no charset declared; decoded as cp1251 (detected)",)


# ---------------------------------------------------------------- Western European


def test_windows_1252_labelled_latin1_keeps_euro_and_quotes() -> None:
    raw = FIXTURES["windows_1252_labelled_latin1"]
    read(
        parse(raw),
        subject="Rückerstattung „4411“ – 50 €",
        name="François Müller",
        body="Bitte erstatten Sie 50 € zurück – danke.",
        filename="Quittung Nr. 1 – März.pdf",
    )


def test_undeclared_8bit_western_mail_is_read_as_cp1252() -> None:
    raw = FIXTURES["undeclared_western"]
    read(
        parse(raw),
        subject="Réclamation – commande n° 4411",
        name="Hélène Dubois",
        body="Bonjour, la commande n’est pas arrivée. Merci d’avance.",
        filename="Facture été.pdf",
    )


# ---------------------------------------------------------------- right to left


def test_hebrew_windows_1255_labelled_iso_8859_8_keeps_its_vowel_points() -> None:
    # Niqqud (U+05B0…) exist in windows-1255 only: invalid bytes in ISO-8859-8.
    raw = FIXTURES["windows_1255_labelled_iso_8859_8"]
    with pytest.raises(UnicodeDecodeError):
        HEBREW_SUBJECT.encode("cp1255").decode("iso8859-8")
    parsed = parse(raw)
    read(
        parsed,
        subject=HEBREW_SUBJECT,
        name="משה כהן",
        body="שָׁלוֹם, ההזמנה שלי לא הגיעה. מחיר: 50 ₪",
        filename="חשבונית.pdf",
    )
    assert parsed.defects == ("text/plain: bytes invalid in 'iso-8859-8'; decoded as cp1255",)


def test_arabic_windows_1256_declared_reads_raw_headers() -> None:
    raw = FIXTURES["windows_1256_declared"]
    read(
        parse(raw),
        subject="طلب رقم 4411",
        name="أحمد علي",
        body="مرحبا، لم يصل طلبي حتى الآن.",
        filename="فاتورة.pdf",
    )


def test_undeclared_hebrew_is_detected() -> None:
    raw = FIXTURES["undeclared_hebrew"]
    read(parse(raw), subject="ההזמנה שלי", name="דנה לוי", body=HEBREW_BODY)


# ---------------------------------------------------------------- mislabelled and undeclared


def test_an_unknown_label_on_an_encoded_word_uses_the_charsets_the_email_declares() -> None:
    raw = FIXTURES["unknown_labels_on_encoded_words"]
    read(parse(raw), subject="Счёт за октябрь", name="Анна", body="Добрый день")


def test_utf8_raw_headers_stay_utf8_next_to_a_single_byte_body() -> None:
    raw = FIXTURES["utf8_raw_headers_latin1_body"]
    read(parse(raw), subject="Grüße aus Köln", name="Jürgen Groß", body="Grüße")


# ---------------------------------------------------------------- uuencoded files


def test_a_uuencoded_file_in_a_text_body_becomes_an_attachment() -> None:
    parsed = parse(FIXTURES["uuencoded_file"])
    assert parsed.text.rstrip("\n") == "Hello, the log is attached.\n\n\nRegards, Dana"
    (attachment,) = parsed.attachments
    assert attachment.filename == "Übersicht.bin"
    assert attachment.content_type == "application/octet-stream"
    assert attachment.payload == UU_PAYLOAD


def test_two_uuencoded_files_and_a_type_from_the_name() -> None:
    parsed = parse(FIXTURES["two_uuencoded_files"])
    assert [(a.filename, a.content_type, a.payload) for a in parsed.attachments] == [
        ("notes.txt", "text/plain", b"first file"),
        ("photo.png", "image/png", b"PNG bytes"),
    ]
    assert parsed.text.strip() == ""


def test_a_uuencoded_file_whose_trailing_spaces_were_stripped_still_decodes() -> None:
    parsed = parse(FIXTURES["uuencoded_trailing_spaces_stripped"])
    assert [a.payload for a in parsed.attachments] == [UU_ZEROS]


def test_a_begin_line_without_its_end_stays_text() -> None:
    parsed = parse(FIXTURES["uu_begin_without_end"])
    assert parsed.attachments == ()
    assert parsed.text.rstrip("\n") == "begin 644 plan.txt\nthis is not uuencoding at all"


# ---------------------------------------------------------------- end to end


@pytest.mark.django_db
def test_a_japanese_email_is_stored_with_its_name_subject_body_and_file(mailbox: Mailbox) -> None:
    raw = FIXTURES["iso2022jp_end_to_end"]
    inbound = deliver(mailbox, raw)
    message = inbound.message
    assert message is not None, inbound.reason
    assert message.conversation.subject == "ご注文①の件"
    assert message.conversation.customer.name == "髙橋太郎"
    assert message.body_text.strip() == "商品が届きません。"
    assert Attachment.objects.get(message=message).original_name == "見積書②.pdf"
