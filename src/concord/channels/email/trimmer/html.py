"""Fold the quoted history out of an HTML email, keeping the customer's formatting.

The HTML is read into a small tree (the standard library's ``html.parser``),
and the tree is read out as the lines a reader sees: a line per block
(paragraph, div, list item, table row, ``<br>``), a ``<hr>`` as a rule, an
image as ``[image]``, and every line inside ``<blockquote>`` prefixed with
``>`` once per level. Those lines go through the same rules as plain-text
mail (``text.dropped_lines``), so an attribution, an Outlook header block or a
quote is recognised in HTML in every language the text rules know. Then every
node whose lines are all history leaves the tree, and what is left is written
back as HTML: the customer's markup, links and inline images stay as they were.

Mailers' own quote containers also mark where history starts when the HTML
still has their classes and ids (it does before sanitising): Gmail's
``gmail_quote``, Yahoo's ``yahoo_quoted``, Thunderbird's ``moz-cite-prefix``,
Outlook's ``divRplyFwdMsg`` and ``appendonsend``, ProtonMail's and Zoho's.
Apple Mail and Thunderbird quote with ``<blockquote type="cite">``, which the
quote prefix covers. After sanitising (classes gone) the structure alone
decides, which is how Concord calls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from concord.channels.email.trimmer.text import dropped_lines

_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})  # fmt: skip
_SKIPPED = frozenset(("script", "style", "head", "title", "template"))
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip
_MARKER_CLASSES = frozenset(
    ("gmail_quote", "gmail_attr", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
)
_MARKER_CLASS_PREFIXES = ("yahoo_quoted", "zmail_extra")
_MARKER_IDS = frozenset(("divrplyfwdmsg", "appendonsend"))
# Deeper HTML is left whole (the text part is shown instead): the tree is
# walked recursively, and no mailer nests anywhere near this deep.
MAX_DEPTH = 200
_SPACE = re.compile(r"\s+")
_RULE_LINE = "-" * 10
_IMAGE_LINE = "[image]"


@dataclass(frozen=True)
class TrimmedHtml:
    html: str  # the HTML without the history; the input itself when nothing was found
    quoted: str  # the history as plain text, empty when nothing was found


@dataclass(eq=False)
class _Node:
    tag: str  # "" for a text node
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    text: str = ""
    lines: set[int] = field(default_factory=set)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node(tag="#root")
        self._stack = [self.root]
        self._skipping = 0
        self.too_deep = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
            return
        if self._skipping:
            return
        node = _Node(tag=tag, attrs=attrs)
        self._stack[-1].children.append(node)
        if tag not in _VOID:
            self._stack.append(node)
            self.too_deep = self.too_deep or len(self._stack) > MAX_DEPTH

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _SKIPPED and not self._skipping:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
            return
        if self._skipping:
            return
        # Close up to the matching open element; a stray end tag is ignored.
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._skipping and data:
            self._stack[-1].children.append(_Node(tag="", text=data))


@dataclass
class _Reader:
    """Reads the tree out as lines, remembering which nodes made each line."""

    lines: list[str] = field(default_factory=list)
    markers: set[int] = field(default_factory=set)
    _parts: list[str] = field(default_factory=list)
    _nodes: list[_Node] = field(default_factory=list)
    _depth: int = 0
    _pre: int = 0
    _marker_pending: bool = False

    def read(self, node: _Node) -> None:
        for child in node.children:
            self._visit(child)
        self._flush()

    def _visit(self, node: _Node) -> None:
        if not node.tag:
            self._text(node)
            return
        if _is_marker(node):
            self._flush()
            self._marker_pending = True
        if node.tag == "br":
            self._nodes.append(node)
            self._flush(force=True)
        elif node.tag == "hr":
            self._flush()
            self._parts.append(_RULE_LINE)
            self._nodes.append(node)
            self._flush()
        elif node.tag == "img":
            self._parts.append(f" {_IMAGE_LINE} ")
            self._nodes.append(node)
        elif node.tag in _BLOCK:
            self._flush()
            quote = node.tag == "blockquote"
            pre = node.tag == "pre"
            self._depth += quote
            self._pre += pre
            for child in node.children:
                self._visit(child)
            self._flush()
            self._depth -= quote
            self._pre -= pre
        else:
            for child in node.children:
                self._visit(child)

    def _text(self, node: _Node) -> None:
        if not self._pre:
            self._parts.append(node.text)
            self._nodes.append(node)
            return
        pieces = node.text.split("\n")
        for number, piece in enumerate(pieces):
            self._parts.append(piece)
            self._nodes.append(node)
            if number < len(pieces) - 1:
                self._flush(force=True)

    def _flush(self, *, force: bool = False) -> None:
        if not self._nodes and not force:
            return
        raw = "".join(self._parts)
        text = raw.rstrip() if self._pre else _SPACE.sub(" ", raw).strip()
        if not text and not force and all(not n.tag for n in self._nodes):
            # White space between blocks is no line of its own.
            self._parts, self._nodes = [], []
            return
        index = len(self.lines)
        self.lines.append(("> " * self._depth) + text)
        for node in self._nodes:
            node.lines.add(index)
        if self._marker_pending and text:
            self.markers.add(index)
            self._marker_pending = False
        self._parts, self._nodes = [], []


def _is_marker(node: _Node) -> bool:
    for name, value in node.attrs:
        if not value:
            continue
        if name == "class":
            for cls in value.split():
                if cls in _MARKER_CLASSES or cls.startswith(_MARKER_CLASS_PREFIXES):
                    return True
        elif name == "id":
            ident = value.lower()
            if ident in _MARKER_IDS or ident.startswith(_MARKER_CLASS_PREFIXES):
                return True
    return False


def trim_html(*, html: str) -> TrimmedHtml:
    """Remove the quoted history from ``html``; nothing found leaves it as it is."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    if builder.too_deep:
        return TrimmedHtml(html=html, quoted="")
    reader = _Reader()
    reader.read(builder.root)
    dropped = dropped_lines(reader.lines, markers=frozenset(reader.markers))
    if dropped is None or not any(dropped):
        return TrimmedHtml(html=html, quoted="")
    _collect_lines(builder.root)
    _prune(builder.root, dropped)
    quoted = "\n".join(line for line, gone in zip(reader.lines, dropped, strict=True) if gone)
    return TrimmedHtml(html=_serialise(builder.root).strip(), quoted=quoted.strip())


def _collect_lines(node: _Node) -> set[int]:
    for child in node.children:
        node.lines |= _collect_lines(child)
    return node.lines


def _prune(node: _Node, dropped: list[bool]) -> None:
    kept: list[_Node] = []
    for child in node.children:
        if child.lines and all(dropped[i] for i in child.lines):
            continue
        if child.tag and child.children:
            _prune(child, dropped)
            if not child.children and child.lines:
                continue  # an element whose content all went
        kept.append(child)
    node.children = kept


def _serialise(node: _Node) -> str:
    out: list[str] = []
    _write(node, out)
    return "".join(out)


def _write(node: _Node, out: list[str]) -> None:
    for child in node.children:
        if not child.tag:
            out.append(escape(child.text, quote=False))
            continue
        attrs = "".join(
            f" {name}" if value is None else f' {name}="{escape(value)}"'
            for name, value in child.attrs
        )
        out.append(f"<{child.tag}{attrs}>")
        if child.tag in _VOID:
            continue
        _write(child, out)
        out.append(f"</{child.tag}>")
