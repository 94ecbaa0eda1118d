# ruff: noqa: RUF001
# (the fixtures are text in many scripts, on purpose)
"""The charset fixtures: emails built byte by byte, the way the mailers that write such mail do.

Kept apart from their tests because two suites use them: ``test_charsets``
asserts what each one reads as, ``test_corpus`` feeds every one (with the
shared corpus) through ingestion and accounts for each. All share one
Message-ID on purpose (``<charsets@customer.test>``): ingestion keys emails by
content, so each is still its own email.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import quote_from_bytes

# ---------------------------------------------------------------- building them


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


def crlf(text: str, codec: str) -> bytes:
    """Text of several lines in this charset, with the CRLF line ends mail has."""
    return text.replace("\n", "\r\n").encode(codec)


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


def uuencode(data: bytes) -> str:
    lines = [binascii.b2a_uu(data[i : i + 45]).decode("ascii") for i in range(0, len(data), 45)]
    return "".join(lines) + "`\n"


# ---------------------------------------------------------------- the texts several fixtures read

CYRILLIC_BODY = (
    "Здравствуйте! Мой заказ номер 4411 до сих пор не пришёл. "
    "Проверьте, пожалуйста, что с ним случилось, и сообщите мне."
)
HEBREW_SUBJECT = "הַזְמָנָה 4411 לא הגיעה"
HEBREW_BODY = "שלום, ההזמנה שלי לא הגיעה. אני מחכה כבר שבועיים, מה קורה עם המשלוח?"
UU_PAYLOAD = bytes(range(256)) * 3
UU_ZEROS = b"\x00" * 50 + b"abc"


# Undeclared CJK: no charset on the body, raw 8-bit Subject and display name,
# a few lines of what customers write; (codec, subject, name, body).
UNDECLARED_CJK: dict[str, tuple[str, str, str, str]] = {
    "shift_jis": (
        "cp932",
        "商品の配送について",
        "山田太郎",
        "いつもお世話になっております。\n"
        "先週注文した商品がまだ届いておりません。\n"
        "お手数ですが、配送状況を確認していただけますでしょうか。\n"
        "よろしくお願いいたします。",
    ),
    "euc_jp": (
        "euc_jp",
        "返品の手続きについて",
        "佐藤花子",
        "お世話になっております。\n"
        "届いた商品に傷がありましたので、返品をお願いしたいです。\n"
        "返送の方法を教えていただけますか。\n"
        "どうぞよろしくお願いいたします。",
    ),
    "gbk": (
        "gbk",
        "关于退款的问题",
        "王小明",
        "您好！\n"
        "我上周购买的耳机到现在还没有收到，订单号是四四一一。\n"
        "请帮我查一下物流情况，如果无法送达，请给我退款。\n"
        "谢谢！",
    ),
    "gb18030": (
        "gb18030",
        "发票抬头需要修改",
        "李娜",
        "客服您好，\n"
        "我的订单发票抬头写错了，应该是“上海明远贸易有限公司”。\n"
        "麻烦重新开具一张电子发票发到这个邮箱，谢谢。\n"
        "李娜",
    ),
    "big5": (
        "big5",
        "訂單尚未送達",
        "陳大文",
        "您好：\n"
        "我在上個月訂購的商品到現在還沒有收到，訂單編號是四四一一。\n"
        "麻煩幫我查詢一下配送的進度，謝謝。\n"
        "陳大文 敬上",
    ),
    "euc_kr": (
        "euc_kr",
        "주문 배송 문의",
        "김민수",
        "안녕하세요.\n"
        "지난주에 주문한 상품이 아직 도착하지 않았습니다.\n"
        "배송 상태를 확인해 주시면 감사하겠습니다.\n"
        "좋은 하루 되세요.",
    ),
}

SHORT_JAPANESE_SUBJECT = "ご注文の商品について"
SHORT_CHINESE_SUBJECT = "訂單查詢"


def _undeclared_cjk(codec: str, subject: str, name: str, body: str) -> bytes:
    return email(
        subject=subject.encode(codec),
        sender=name.encode(codec),
        body=crlf(body, codec),
        charset=None,
    )


# ---------------------------------------------------------------- every fixture, by name

FIXTURES: dict[str, bytes] = {
    "iso2022jp_nec_ibm": email(
        subject=word(jis("ご注文①と②の件"), "ISO-2022-JP"),
        sender=word(jis("髙橋太郎"), "ISO-2022-JP"),
        body=jis("㈱アクメ御中\r\nⅢ番の商品が届きません。"),
        charset="ISO-2022-JP",
        cte=b"7bit",
        disposition=b'filename="' + word(jis("見積書①.pdf"), "ISO-2022-JP") + b'"',
    ),
    "iso2022jp_rfc2231_filename": email(
        subject=b"Quote",
        sender=b"Taro",
        body=b"See attached",
        charset="us-ascii",
        disposition=b"filename*=" + rfc2231(jis("請求書②.pdf"), "iso-2022-jp"),
    ),
    "iso2022jp_raw_headers": email(
        subject=jis("納期について①"),
        sender=jis("山田花子"),
        body=jis("よろしくお願いします。"),
        charset="iso-2022-jp",
        cte=b"7bit",
    ),
    "shift_jis_labelled_iso2022jp": email(
        subject=word("ソフトの不具合について①".encode("cp932"), "ISO-2022-JP"),
        sender=word("佐藤一郎".encode("cp932"), "iso-2022-jp"),
        body="再起動すると直ります。\r\n".encode("cp932"),
        charset="iso-2022-jp",
        disposition=b'filename="' + word("ログ.txt".encode("cp932"), "ISO-2022-JP") + b'"',
    ),
    "shift_jis_raw_headers": email(
        subject="お問い合わせ：請求書".encode("cp932"),
        sender="鈴木次郎".encode("cp932"),
        body="請求書を添付します。".encode("cp932"),
        charset="Shift_JIS",
        disposition=b'filename="' + "請求書.pdf".encode("cp932") + b'"',
    ),
    **{
        f"iso2022jp_escapes_labelled_{charset or 'nothing'}": email(
            subject=b"Re: order",
            sender=b"Ken",
            body=jis("届きました①"),
            charset=charset,
            cte=b"7bit",
        )
        for charset in ("us-ascii", "utf-8", None)
    },
    "gbk_labelled_gb2312": email(
        subject=word("关于订单的问题：朱镕基".encode("gbk"), "GB2312"),
        sender="王玥".encode("gbk"),
        body="您好，我叫张喆，订单还没有到。".encode("gbk"),
        charset="gb2312",
        disposition=b'filename="' + word("发票堃.pdf".encode("gbk"), "gb2312") + b'"',
    ),
    "big5_everywhere": email(
        subject="訂單查詢".encode("big5"),
        sender=word("陳大文".encode("big5"), "big5"),
        body="您好，我的訂單還沒有到。".encode("big5"),
        charset="big5",
        disposition=b"filename*=" + rfc2231("報價單.pdf".encode("big5"), "big5"),
    ),
    **{f"undeclared_{name}": _undeclared_cjk(*case) for name, case in UNDECLARED_CJK.items()},
    "undeclared_short_japanese_subject": email(
        subject=SHORT_JAPANESE_SUBJECT.encode("cp932"),
        sender=b"Ken Sato",
        body=b"Hello, my order 4411 has not arrived yet. Could you check?",
        charset=None,
    ),
    "undeclared_short_big5_subject": email(
        subject=SHORT_CHINESE_SUBJECT.encode("big5"),
        sender=b"David Chan",
        body=b"Hello, my order 4411 has not arrived yet. Could you check?",
        charset=None,
    ),
    "koi8r_declared": email(
        subject="Заказ не пришёл".encode("koi8-r"),
        sender=word("Иван Петров".encode("koi8-r"), "KOI8-R"),
        body="Добрый день, заказ 4411 не пришёл.".encode("koi8-r"),
        charset="KOI8-R",
        disposition=b'filename="' + "Счёт.pdf".encode("koi8-r") + b'"',
    ),
    "undeclared_windows_1251": email(
        subject="Где мой заказ?".encode("cp1251"),
        sender="Ольга Смирнова".encode("cp1251"),
        body=CYRILLIC_BODY.encode("cp1251"),
        charset=None,
        disposition=b'filename="' + "Квитанция.pdf".encode("cp1251") + b'"',
    ),
    "windows_1252_labelled_latin1": email(
        subject=word("Rückerstattung „4411“ – 50 €".encode("cp1252"), "iso-8859-1"),
        sender=word("François Müller".encode("cp1252"), "ISO-8859-1"),
        body="Bitte erstatten Sie 50 € zurück – danke.".encode("cp1252"),
        charset="iso-8859-1",
        disposition=b"filename*=" + rfc2231("Quittung Nr. 1 – März.pdf".encode("cp1252"), "latin1"),
    ),
    "undeclared_western": email(
        subject="Réclamation – commande n° 4411".encode("cp1252"),
        sender="Hélène Dubois".encode("cp1252"),
        body="Bonjour, la commande n’est pas arrivée. Merci d’avance.".encode("cp1252"),
        charset=None,
        disposition=b'filename="' + "Facture été.pdf".encode("cp1252") + b'"',
    ),
    "windows_1255_labelled_iso_8859_8": email(
        subject=word(HEBREW_SUBJECT.encode("cp1255"), "iso-8859-8-i"),
        sender="משה כהן".encode("cp1255"),
        body="שָׁלוֹם, ההזמנה שלי לא הגיעה. מחיר: 50 ₪".encode("cp1255"),
        charset="iso-8859-8",
        disposition=b'filename="' + word("חשבונית.pdf".encode("cp1255"), "windows-1255") + b'"',
    ),
    "windows_1256_declared": email(
        subject="طلب رقم 4411".encode("cp1256"),
        sender=word("أحمد علي".encode("cp1256"), "windows-1256"),
        body="مرحبا، لم يصل طلبي حتى الآن.".encode("cp1256"),
        charset="windows-1256",
        disposition=b'filename="' + "فاتورة.pdf".encode("cp1256") + b'"',
    ),
    "undeclared_hebrew": email(
        subject="ההזמנה שלי".encode("cp1255"),
        sender="דנה לוי".encode("cp1255"),
        body=HEBREW_BODY.encode("cp1255"),
        charset=None,
    ),
    "unknown_labels_on_encoded_words": email(
        subject=word("Счёт за октябрь".encode("cp1251"), "x-unknown"),
        sender=word("Анна".encode("cp1251"), "unknown-8bit"),
        body="Добрый день".encode("cp1251"),
        charset="windows-1251",
    ),
    "utf8_raw_headers_latin1_body": email(
        subject="Grüße aus Köln".encode(),
        sender="Jürgen Groß".encode(),
        body="Grüße".encode("cp1252"),
        charset="iso-8859-1",
    ),
    "uuencoded_file": email(
        subject=b"Log",
        sender=b"Dana",
        body=(
            "Hello, the log is attached.\n\n"
            f"begin 644 Übersicht.bin\n{uuencode(UU_PAYLOAD)}end\n\n"
            "Regards, Dana\n"
        ).encode(),
        charset="utf-8",
    ),
    "two_uuencoded_files": email(
        subject=b"Files",
        sender=b"Dana",
        body=(
            f"begin 600 notes.txt\n{uuencode(b'first file')}end\n"
            f"begin 644 ../../etc/photo.png\n{uuencode(b'PNG bytes')}end\n"
        ).encode(),
        charset="utf-8",
    ),
    "uuencoded_trailing_spaces_stripped": email(
        subject=b"Zeros",
        sender=b"Dana",
        body=(
            "begin 644 zeros.bin\n"
            + "\n".join(line.rstrip() for line in uuencode(UU_ZEROS).split("\n"))
            + "end\n"
        ).encode(),
        charset="utf-8",
    ),
    "uu_begin_without_end": email(
        subject=b"Plan",
        sender=b"Dana",
        body=b"begin 644 plan.txt\nthis is not uuencoding at all\n",
        charset="utf-8",
    ),
    "iso2022jp_end_to_end": email(
        subject=word(jis("ご注文①の件"), "ISO-2022-JP"),
        sender=word(jis("髙橋太郎"), "ISO-2022-JP"),
        body=jis("商品が届きません。"),
        charset="ISO-2022-JP",
        cte=b"7bit",
        disposition=b'filename="' + word(jis("見積書②.pdf"), "ISO-2022-JP") + b'"',
    ),
}
