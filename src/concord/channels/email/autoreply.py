"""Automatic replies (RFC 3834 and common practice): why an email was written by a machine.

Split from ``reports.py``, which reads what a bounce or complaint says; this
module only answers whether a person wrote the email, so the inbound path
knows not to answer a machine. It builds on the report readers: a bounce is
an automatic reply too, and the header readers are the same lenient ones.
"""

from __future__ import annotations

import re
from email.message import Message

from concord.channels.email.reports import (
    auto_submitted,
    content_type_param,
    has_header,
    header,
    looks_like_bounce,
    subject,
)

__all__ = ["auto_reply_reason"]

# Subjects that auto-responders put in front of the original subject. "Auto:"
# alone is a word in some languages ("Auto" is a car in German), so it needs
# its colon; the longer phrases may also be the whole subject.
_OUT_OF_OFFICE = re.compile(
    r"^\s*(?:(?:out of (?:the )?office(?: auto ?reply)?|automatic reply|auto[- ]?reply"
    r"|autoreply|auto[- ]?response|automatic response|abwesenheitsnotiz"
    r"|automatische antwort|réponse automatique|autosvar|automatisk svar"
    r"|automatisch antwoord|respuesta automática|risposta automatica"
    r"|resposta automática|odpowiedź automatyczna|automaattinen vastaus"
    r"|automatická odpověď|автоматический ответ|自动回复|自動回覆|自動応答|自動返信)"
    r"\s*(?::|\uff1a|$)|auto\s*:)",  # \uff1a: the full-width colon of CJK subjects
    re.I,
)
_SUPPRESS_VALUES = {"all", "autoreply", "oof", "dr", "rn", "nrn"}
_PRECEDENCE_VALUES = {"bulk", "junk", "list", "auto_reply"}


def auto_reply_reason(msg: Message) -> str:
    """Why this email was written by a machine, or "" if a person wrote it."""
    ctype = msg.get_content_type()
    if ctype == "multipart/report":
        kind = content_type_param(msg, "report-type")
        return "read receipt" if kind == "disposition-notification" else "delivery report"
    if ctype in ("message/delivery-status", "message/global-delivery-status"):
        return "delivery report"
    if looks_like_bounce(msg):
        return "delivery report"
    auto = auto_submitted(msg)
    if auto:
        return f"Auto-Submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Mail-Autoreply"):
        if has_header(msg, name):
            return name
    precedence = header(msg, "Precedence").lower()
    if precedence in _PRECEDENCE_VALUES:
        return f"Precedence: {precedence}"
    suppress = header(msg, "X-Auto-Response-Suppress")
    if {v.strip().lower() for v in suppress.split(",")} & _SUPPRESS_VALUES:
        return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("X-Loop", "List-Id", "List-Unsubscribe"):
        if has_header(msg, name):
            return name
    if _OUT_OF_OFFICE.search(subject(msg)):
        return "out-of-office subject"
    return ""
