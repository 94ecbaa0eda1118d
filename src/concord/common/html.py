"""HTML sanitising with nh3 (an allow-list sanitiser) and plain-text rendering."""

from __future__ import annotations

import html
import re

import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# cid: keeps inline e-mail images addressable; everything else is web or mail links.
_URL_SCHEMES = {"http", "https", "mailto", "cid"}

_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|tr|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n{3,}")


_IMAGE_SCHEMES = {"http", "https", "cid"}


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Drop image sources that are not absolute web or inline (cid:) URLs.

    nh3 checks the scheme of absolute URLs only. A relative ``<img src>`` in a
    customer's message would make every reader's browser request a URL of
    this very site, with their session cookie, just by opening the page.
    """
    if element == "img" and attribute == "src":
        scheme, sep, _rest = value.strip().partition(":")
        return value if sep and scheme.lower() in _IMAGE_SCHEMES else None
    return value


def sanitize_html(raw: str) -> str:
    """Return ``raw`` with scripts, handlers, styles and unsafe URLs removed."""
    return nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def html_to_text(clean_html: str) -> str:
    """Plain text of already-sanitised HTML, keeping paragraph breaks."""
    text = _BLOCK_END.sub("\n", clean_html)
    text = html.unescape(_TAG.sub("", text))
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Escape plain text and keep its line breaks as paragraphs."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
