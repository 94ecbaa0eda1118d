# ruff: noqa: RUF001
# (the fixtures are text in many scripts, on purpose)
"""Every charset read: declared, extended, mislabelled and undeclared, in every part of an email.

Each fixture is built here, byte by byte, the way the mailers that write such
mail do; subject, display name, body and attachment file name are asserted
exactly. See docs/email.md, *Charsets*, for the order these tests pin down.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote_from_bytes

import pytest

from concord.channels.email.decoding import decode_bytes
from concord.channels.email.models import Mailbox
from concord.channels.email.parsing import ParsedEmail
from concord.channels.email.tests.conftest import deliver
from concord.channels.email.tests.mime import parse
from concord.conversations.models import Attachment

# ---------------------------------------------------------------- building the fixtures


def word(data: bytes, label: str) -> bytes:
    """An RFC 2047 encoded word carrying these bytes under this label (right or not)."""
    return b"=?" + label.encode() + b"?B?" + base64.b64encode(data) + b"?="


def rfc2231(data: bytes, label: str) -> bytes:
    return label.encode() + b"''" + quote_from_bytes(data, safe="").encode()


def email(
    *,
    subject: bytes,
    sender: bytes,
    body: bytes,
    charset: str | None,
    disposition: bytes = b"",
    cte: bytes = b"8bit",
) -> bytes:
    """A text body and, when ``disposition`` names a file, a PDF attached under that name."""
    ctype = b"text/plain" + (b"; charset=" + charset.encode() if charset else b"")
    head = (
        b"From: " + sender + b" <customer@customer.test>\r\n"
        b"To: support@acme.test\r\n"
        b"Subject: " + subject + b"\r\n"
        b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <charsets@customer.test>\r\nMIME-Version: 1.0\r\n"
    )
    text = b"Content-Type: " + ctype + b"\r\nContent-Transfer-Encoding: " + cte + b"\r\n"
    if not disposition:
        return head + text + b"\r\n" + body + b"\r\n"
    return (
        head + b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        b"--XYZ\r\n" + text + b"\r\n" + body + b"\r\n"
        b"--XYZ\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; " + disposition + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--XYZ--\r\n"
    )


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


# ISO-2022-JP as Japanese mailers write the NEC special characters (row 13) and
# the NEC-selected IBM extensions (row 92): ESC $ B then the JIS pairs, which no
# Python iso2022 codec reads. ① 2D21, ② 2D22, Ⅲ 2D37, ㈱ 2D6A, 髙 7C62.
JIS_ON, JIS_OFF = b"\x1b$B", b"\x1b(B"
NEC = {"①": b"-!", "②": b'-"', "Ⅲ": b"-7", "㈱": b"-j", "髙": b"|b"}


def jis(text: str) -> bytes:
    """Text in ISO-2022-JP, with the NEC/IBM extension characters Python cannot encode."""
    out = b""
    for char in text:
        if char in NEC:
            out += JIS_ON + NEC[char] + JIS_OFF
        else:
            out += char.encode("iso2022_jp")
    return out


# ---------------------------------------------------------------- Japanese


def test_iso2022jp_with_nec_and_ibm_extensions_is_decoded_everywhere() -> None:
    raw = email(
        subject=word(jis("ご注文①と②の件"), "ISO-2022-JP"),
        sender=word(jis("髙橋太郎"), "ISO-2022-JP"),
        body=jis("㈱アクメ御中\r\nⅢ番の商品が届きません。"),
        charset="ISO-2022-JP",
        cte=b"7bit",
        disposition=b'filename="' + word(jis("見積書①.pdf"), "ISO-2022-JP") + b'"',
    )
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
    raw = email(
        subject=b"Quote",
        sender=b"Taro",
        body=b"See attached",
        charset="us-ascii",
        disposition=b"filename*=" + rfc2231(jis("請求書②.pdf"), "iso-2022-jp"),
    )
    assert parse(raw).attachments[0].filename == "請求書②.pdf"


def test_raw_iso2022jp_headers_without_encoded_words_are_decoded() -> None:
    raw = email(
        subject=jis("納期について①"),
        sender=jis("山田花子"),
        body=jis("よろしくお願いします。"),
        charset="iso-2022-jp",
        cte=b"7bit",
    )
    read(parse(raw), subject="納期について①", name="山田花子", body="よろしくお願いします。")


def test_shift_jis_labelled_iso2022jp_is_read_as_shift_jis() -> None:
    raw = email(
        subject=word("ソフトの不具合について①".encode("cp932"), "ISO-2022-JP"),
        sender=word("佐藤一郎".encode("cp932"), "iso-2022-jp"),
        body="再起動すると直ります。\r\n".encode("cp932"),
        charset="iso-2022-jp",
        disposition=b'filename="' + word("ログ.txt".encode("cp932"), "ISO-2022-JP") + b'"',
    )
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
    raw = email(
        subject="お問い合わせ：請求書".encode("cp932"),
        sender="鈴木次郎".encode("cp932"),
        body="請求書を添付します。".encode("cp932"),
        charset="Shift_JIS",
        disposition=b'filename="' + "請求書.pdf".encode("cp932") + b'"',
    )
    read(
        parse(raw),
        subject="お問い合わせ：請求書",
        name="鈴木次郎",
        body="請求書を添付します。",
        filename="請求書.pdf",
    )


def test_iso2022jp_escapes_in_mail_labelled_ascii_or_unlabelled_are_not_left_as_escapes() -> None:
    for charset in ("us-ascii", "utf-8", None):
        raw = email(
            subject=b"Re: order",
            sender=b"Ken",
            body=jis("届きました①"),
            charset=charset,
            cte=b"7bit",
        )
        parsed = parse(raw)
        assert parsed.text.rstrip("\n") == "届きました①", charset


def test_a_7bit_decode_that_leaves_escape_sequences_does_not_count() -> None:
    data = jis("注文②")
    assert data.decode("utf-8")  # "decodes" as UTF-8, yet is not decoded
    assert decode_bytes(data, "utf-8")[0] == "注文②"
    assert decode_bytes(data, None)[0] == "注文②"


# ---------------------------------------------------------------- Chinese


def test_gbk_labelled_gb2312_is_read_as_gbk() -> None:
    # 玥, 喆, 堃 and 镕 are GBK, not GB2312: a strict GB2312 decoder fails on them.
    raw = email(
        subject=word("关于订单的问题：朱镕基".encode("gbk"), "GB2312"),
        sender="王玥".encode("gbk"),
        body="您好，我叫张喆，订单还没有到。".encode("gbk"),
        charset="gb2312",
        disposition=b'filename="' + word("发票堃.pdf".encode("gbk"), "gb2312") + b'"',
    )
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
    raw = email(
        subject="訂單查詢".encode("big5"),
        sender=word("陳大文".encode("big5"), "big5"),
        body="您好，我的訂單還沒有到。".encode("big5"),
        charset="big5",
        disposition=b"filename*=" + rfc2231("報價單.pdf".encode("big5"), "big5"),
    )
    read(
        parse(raw),
        subject="訂單查詢",
        name="陳大文",
        body="您好，我的訂單還沒有到。",
        filename="報價單.pdf",
    )


# ---------------------------------------------------------------- Cyrillic


def test_koi8r_declared_reads_raw_headers_and_the_file_name() -> None:
    raw = email(
        subject="Заказ не пришёл".encode("koi8-r"),
        sender=word("Иван Петров".encode("koi8-r"), "KOI8-R"),
        body="Добрый день, заказ 4411 не пришёл.".encode("koi8-r"),
        charset="KOI8-R",
        disposition=b'filename="' + "Счёт.pdf".encode("koi8-r") + b'"',
    )
    read(
        parse(raw),
        subject="Заказ не пришёл",
        name="Иван Петров",
        body="Добрый день, заказ 4411 не пришёл.",
        filename="Счёт.pdf",
    )


def test_undeclared_windows_1251_is_detected() -> None:
    body = (
        "Здравствуйте! Мой заказ номер 4411 до сих пор не пришёл. "
        "Проверьте, пожалуйста, что с ним случилось, и сообщите мне."
    )
    raw = email(
        subject="Где мой заказ?".encode("cp1251"),
        sender="Ольга Смирнова".encode("cp1251"),
        body=body.encode("cp1251"),
        charset=None,
        disposition=b'filename="' + "Квитанция.pdf".encode("cp1251") + b'"',
    )
    parsed = parse(raw)
    read(
        parsed,
        subject="Где мой заказ?",
        name="Ольга Смирнова",
        body=body,
        filename="Квитанция.pdf",
    )
    assert parsed.defects == ("text/plain: no charset declared; decoded as cp1251 (detected)",)


# ---------------------------------------------------------------- Western European


def test_windows_1252_labelled_latin1_keeps_euro_and_quotes() -> None:
    raw = email(
        subject=word("Rückerstattung „4411“ – 50 €".encode("cp1252"), "iso-8859-1"),
        sender=word("François Müller".encode("cp1252"), "ISO-8859-1"),
        body="Bitte erstatten Sie 50 € zurück – danke.".encode("cp1252"),
        charset="iso-8859-1",
        disposition=b"filename*=" + rfc2231("Quittung Nr. 1 – März.pdf".encode("cp1252"), "latin1"),
    )
    read(
        parse(raw),
        subject="Rückerstattung „4411“ – 50 €",
        name="François Müller",
        body="Bitte erstatten Sie 50 € zurück – danke.",
        filename="Quittung Nr. 1 – März.pdf",
    )


def test_undeclared_8bit_western_mail_is_read_as_cp1252() -> None:
    raw = email(
        subject="Réclamation – commande n° 4411".encode("cp1252"),
        sender="Hélène Dubois".encode("cp1252"),
        body="Bonjour, la commande n’est pas arrivée. Merci d’avance.".encode("cp1252"),
        charset=None,
        disposition=b'filename="' + "Facture été.pdf".encode("cp1252") + b'"',
    )
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
    subject = "הַזְמָנָה 4411 לא הגיעה"
    raw = email(
        subject=word(subject.encode("cp1255"), "iso-8859-8-i"),
        sender="משה כהן".encode("cp1255"),
        body="שָׁלוֹם, ההזמנה שלי לא הגיעה. מחיר: 50 ₪".encode("cp1255"),
        charset="iso-8859-8",
        disposition=b'filename="' + word("חשבונית.pdf".encode("cp1255"), "windows-1255") + b'"',
    )
    with pytest.raises(UnicodeDecodeError):
        subject.encode("cp1255").decode("iso8859-8")
    parsed = parse(raw)
    read(
        parsed,
        subject=subject,
        name="משה כהן",
        body="שָׁלוֹם, ההזמנה שלי לא הגיעה. מחיר: 50 ₪",
        filename="חשבונית.pdf",
    )
    assert parsed.defects == ("text/plain: bytes invalid in 'iso-8859-8'; decoded as cp1255",)


def test_arabic_windows_1256_declared_reads_raw_headers() -> None:
    raw = email(
        subject="طلب رقم 4411".encode("cp1256"),
        sender=word("أحمد علي".encode("cp1256"), "windows-1256"),
        body="مرحبا، لم يصل طلبي حتى الآن.".encode("cp1256"),
        charset="windows-1256",
        disposition=b'filename="' + "فاتورة.pdf".encode("cp1256") + b'"',
    )
    read(
        parse(raw),
        subject="طلب رقم 4411",
        name="أحمد علي",
        body="مرحبا، لم يصل طلبي حتى الآن.",
        filename="فاتورة.pdf",
    )


def test_undeclared_hebrew_is_detected() -> None:
    body = "שלום, ההזמנה שלי לא הגיעה. אני מחכה כבר שבועיים, מה קורה עם המשלוח?"
    raw = email(
        subject="ההזמנה שלי".encode("cp1255"),
        sender="דנה לוי".encode("cp1255"),
        body=body.encode("cp1255"),
        charset=None,
    )
    read(parse(raw), subject="ההזמנה שלי", name="דנה לוי", body=body)


# ---------------------------------------------------------------- mislabelled and undeclared


def test_an_unknown_label_on_an_encoded_word_uses_the_charsets_the_email_declares() -> None:
    raw = email(
        subject=word("Счёт за октябрь".encode("cp1251"), "x-unknown"),
        sender=word("Анна".encode("cp1251"), "unknown-8bit"),
        body="Добрый день".encode("cp1251"),
        charset="windows-1251",
    )
    read(parse(raw), subject="Счёт за октябрь", name="Анна", body="Добрый день")


def test_utf8_raw_headers_stay_utf8_next_to_a_single_byte_body() -> None:
    raw = email(
        subject="Grüße aus Köln".encode(),
        sender="Jürgen Groß".encode(),
        body="Grüße".encode("cp1252"),
        charset="iso-8859-1",
    )
    read(parse(raw), subject="Grüße aus Köln", name="Jürgen Groß", body="Grüße")


# ---------------------------------------------------------------- uuencoded files


def _uuencode(data: bytes) -> str:
    lines = [binascii.b2a_uu(data[i : i + 45]).decode("ascii") for i in range(0, len(data), 45)]
    return "".join(lines) + "`\n"


def test_a_uuencoded_file_in_a_text_body_becomes_an_attachment() -> None:
    payload = bytes(range(256)) * 3
    body = (
        "Hello, the log is attached.\n\n"
        f"begin 644 Übersicht.bin\n{_uuencode(payload)}end\n\n"
        "Regards, Dana\n"
    )
    raw = email(subject=b"Log", sender=b"Dana", body=body.encode(), charset="utf-8")
    parsed = parse(raw)
    assert parsed.text.rstrip("\n") == "Hello, the log is attached.\n\n\nRegards, Dana"
    (attachment,) = parsed.attachments
    assert attachment.filename == "Übersicht.bin"
    assert attachment.content_type == "application/octet-stream"
    assert attachment.payload == payload


def test_two_uuencoded_files_and_a_type_from_the_name() -> None:
    body = (
        f"begin 600 notes.txt\n{_uuencode(b'first file')}end\n"
        f"begin 644 ../../etc/photo.png\n{_uuencode(b'PNG bytes')}end\n"
    )
    parsed = parse(email(subject=b"Files", sender=b"Dana", body=body.encode(), charset="utf-8"))
    assert [(a.filename, a.content_type, a.payload) for a in parsed.attachments] == [
        ("notes.txt", "text/plain", b"first file"),
        ("photo.png", "image/png", b"PNG bytes"),
    ]
    assert parsed.text.strip() == ""


def test_a_uuencoded_file_whose_trailing_spaces_were_stripped_still_decodes() -> None:
    payload = b"\x00" * 50 + b"abc"
    encoded = "\n".join(line.rstrip() for line in _uuencode(payload).split("\n"))
    body = f"begin 644 zeros.bin\n{encoded}end\n"
    parsed = parse(email(subject=b"Zeros", sender=b"Dana", body=body.encode(), charset="utf-8"))
    assert [a.payload for a in parsed.attachments] == [payload]


def test_a_begin_line_without_its_end_stays_text() -> None:
    body = "begin 644 plan.txt\nthis is not uuencoding at all\n"
    parsed = parse(email(subject=b"Plan", sender=b"Dana", body=body.encode(), charset="utf-8"))
    assert parsed.attachments == ()
    assert parsed.text.rstrip("\n") == body.rstrip("\n")


# ---------------------------------------------------------------- end to end


@pytest.mark.django_db
def test_a_japanese_email_is_stored_with_its_name_subject_body_and_file(mailbox: Mailbox) -> None:
    raw = email(
        subject=word(jis("ご注文①の件"), "ISO-2022-JP"),
        sender=word(jis("髙橋太郎"), "ISO-2022-JP"),
        body=jis("商品が届きません。"),
        charset="ISO-2022-JP",
        cte=b"7bit",
        disposition=b'filename="' + word(jis("見積書②.pdf"), "ISO-2022-JP") + b'"',
    )
    inbound = deliver(mailbox, raw)
    message = inbound.message
    assert message is not None, inbound.reason
    assert message.conversation.subject == "ご注文①の件"
    assert message.conversation.customer.name == "髙橋太郎"
    assert message.body_text.strip() == "商品が届きません。"
    assert Attachment.objects.get(message=message).original_name == "見積書②.pdf"
