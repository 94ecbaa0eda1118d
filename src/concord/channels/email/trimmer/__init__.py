"""Quoted-history trimming for email replies: plain text (``text``) and HTML (``html``)."""

from __future__ import annotations

from concord.channels.email.trimmer.html import TrimmedHtml, trim_html
from concord.channels.email.trimmer.text import Trimmed, trim_reply

__all__ = ["Trimmed", "TrimmedHtml", "trim_html", "trim_reply"]
