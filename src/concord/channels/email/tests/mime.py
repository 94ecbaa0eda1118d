"""Building and parsing test emails, shared by the parsing tests."""

from __future__ import annotations

from email.message import EmailMessage

from concord.channels.email.parsing import ParsedEmail, parse_email

MB = 1024 * 1024


def parse(
    email: EmailMessage | bytes, *, max_message: int = 25 * MB, max_attachment: int = MB
) -> ParsedEmail:
    raw = email if isinstance(email, bytes) else email.as_bytes()
    return parse_email(raw=raw, max_message_bytes=max_message, max_attachment_bytes=max_attachment)


def build(subject: str = "Order 4411", **headers: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = "Dana Miller <Dana@Customer.test>"
    email["To"] = "Acme Support <support@acme.test>"
    email["Subject"] = subject
    email["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    email["Message-ID"] = "<first@customer.test>"
    for name, value in headers.items():
        email[name.replace("_", "-")] = value
    return email


def text_email(body: bytes, **params: str) -> EmailMessage:
    email = build()
    email.set_content(body, maintype="text", subtype="plain", cte="8bit", params=params)
    return email
