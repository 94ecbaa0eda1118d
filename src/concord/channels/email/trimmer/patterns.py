"""The words mailers write around quoted history, in the languages we see.

Apart from the line classification (``classify``) because this is knowledge
of what mail clients write (attribution lines, forward markers, header
blocks, mobile signatures, per language), which grows whenever a new
mailer or language turns up, while the rules that use it rarely change.
"""

# The patterns hold words in many scripts on purpose (Cyrillic, CJK, fullwidth colons).
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re

__all__ = [
    "ATTRIBUTION_INTRO",
    "ATTRIBUTION_VERB",
    "DATED_ADDRESS_COLON",
    "DATE_SOMEONE_EMAIL",
    "EVIDENCE",
    "FORWARD_MARKER",
    "FRAMED",
    "FROM_LINE",
    "HEADER_LINE",
    "ONE_LINE_HEADERS",
    "QUOTED_ATTRIBUTION_TAIL",
    "SHORT_DEVICE_SIGNATURE",
    "SIGNATURES",
    "SIGNATURE_SUBJECT",
    "SUBJECT_LINE",
    "VERB_WINDOW",
    "WORD_AND_DOT",
]

HEADER_LINE = re.compile(
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

SIGNATURES = re.compile(
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
SIGNATURE_SUBJECT = re.compile(
    r"(?<!\w)(?:my|mon|ma|mein|meinem|meiner|mijn|min|mio|mia|mi|mój|moim|mojego|моего|моём"
    r"|meu|minha|mobile|phone|iphone|ipad|ipod|android\S*|galaxy|samsung|huawei|xiaomi"
    r"|pixel|nokia|blackberry|outlook|mail|mailbox|airmail|gmail|yahoo|device|tablet|windows"
    r"|thunderbird|spark|handy|mobil\w*|telef\w*|teléfono|celular|cell|smartphone|móvil"
    r"|portable|ios)(?!\w)|我的",
    re.IGNORECASE,
)
# "Someone from mobile", "From my iPhone 6": only when the whole line is short.
SHORT_DEVICE_SIGNATURE = re.compile(
    r".{0,24}\bfrom (?:my |a )?(?:mobile|phone|cell|iphone|ipad|ipod|android|smartphone"
    r"|blackberry|galaxy|samsung|tablet|pixel)\b.{0,12}",
    re.IGNORECASE,
)

FORWARD_MARKER = re.compile(
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
ATTRIBUTION_VERB = re.compile(
    r"(?s:.*)(?P<verb>(?<!\w)(?:wrote|writes|schrieb|geschrieben|geschreven|écrit|schreef"
    r"|ha scritto|scrisse"
    r"|escribió|escribio|escreveu|skrev|kirjoitti|napisał(?:\(a\))?|napisała|pisze"
    r"|написал(?:\(а\))?|написала|пишет|написав(?:\(ла\))?|пише"
    r"|yazdı|írta|napsal)(?!\w)"
    r"|写道|寫道|書きました|のメッセージ)"
    r".{0,150}?[:：]\s*$",
    re.IGNORECASE,
)
VERB_WINDOW = 220
EVIDENCE = re.compile(r"[\d@]")
# "2013/7/20 sam via Discourse Meta <info@discourse.org>" with an optional colon.
DATE_SOMEONE_EMAIL = re.compile(
    r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b.{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>\s*[:：]?\s*$"
)
# "пн, 23 нояб. 2026 г. в 10:00, Name <addr>:", "2026年11月23日(月) 10:00 Name <addr>:":
# Gmail's attribution in languages where it has no verb: it opens with the
# date (a number, or a short weekday name and a number), holds a time or a
# year, and ends with an address in angle brackets and a colon. "Please send
# the 2026 invoice to <billing@acme.test>:" opens with words, and stays text.
DATED_ADDRESS_COLON = re.compile(
    r"(?=[\W_]{0,3}(?:\d|[^\W\d_]{1,6}\.?,?\s{0,2}\d))"
    r"(?=.{0,200}(?:\d{1,2}:\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)))"
    r".{0,200}<\s*[^<>\s]+@[^<>\s]+\s*>\)?\s*[:：]\s*"
)
# Zoho's "---- On Mon, 23 Nov 2026 … <addr> wrote ----".
FRAMED = re.compile(r"[-=_*~]{2,}\s*(?P<inner>.{4,300}?)\s*[-=_*~]{2,}")
# Outlook's header block written as one line: "From: … Sent: … To: …".
ONE_LINE_HEADERS = re.compile(
    r"\*{0,2}(?:from|von|de|da|van|från|fra|od|от|发件人|差出人)\s*[:：].{1,200}?\s"
    r"\*{0,2}(?:sent|date|gesendet|datum|envoyé|enviado|enviada|fecha|inviato|data|verzonden"
    r"|skickat|sendt|wysłano|отправлено|дата|发送时间|送信日時)\s*[:：]",
    re.IGNORECASE,
)
# The header word that starts an embedded email's header block ("From:" …);
# with a second header below it, two lines are enough for a block.
FROM_LINE = re.compile(
    r"\*{0,2}(?:from|von|de|da|van|från|fra|od|от|kimden|lähettäjä|feladó|发件人|寄件者|差出人)"
    r"\s*[:：]",
    re.IGNORECASE,
)
SUBJECT_LINE = re.compile(
    r"\*{0,2}(?:subject|betreff|objet|asunto|assunto|oggetto|onderwerp|ämne|emne|temat|тема"
    r"|konu|aihe|tárgy|předmět|主题|主旨|件名)\s*[:：]",
    re.IGNORECASE,
)
# How attributions start: "On …", "Am …", "Le …", or a date.
ATTRIBUTION_INTRO = re.compile(r"\s*(?:(?:On|At|Am|Le|Op|Il|El|Em|Den|Dnia|W dniu|В|Dne)\s|在|\d)")
# "interesting." ends a sentence; "28." or "Apr." in a wrapped date does not.
WORD_AND_DOT = re.compile(r"[^\W\d_]{4,}\.$")
# "> wrote:": the tail of an attribution that the client wrapped into a quote.
QUOTED_ATTRIBUTION_TAIL = re.compile(r"\s*>\s*\S{0,12}\s*[:：]\s*$")
