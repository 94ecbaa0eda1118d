"""Slack message text: what every app that posts to Slack must do to words it did not write."""

from __future__ import annotations


def slack_escape(text: str) -> str:
    """Slack's own escaping: the three characters its message markup is made of."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
