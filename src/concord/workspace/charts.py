"""Report charts as server-side SVG, drawn by pygal.

pygal ships everything in its Python package; its tooltip script would come
from a CDN, so it is switched off (``js=[]``): the charts are static SVG, and
every chart on a page has its numbers in a table beside it for screen readers
and for copying. Labels are escaped by pygal's XML writer, so customer-made
names (categories, tags) cannot inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# The workspace palette (workspace.css), then distinguishable extras.
_COLOURS = (
    "#2563eb",
    "#16a34a",
    "#d97706",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#4b5563",
    "#db2777",
)
_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1f2937",
    foreground_strong="#111827",
    foreground_subtle="#e5e7eb",
    colors=_COLOURS,
    font_family="system-ui, -apple-system, Segoe UI, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    no_data_font_size=18,
    opacity=".85",
    opacity_hover=".95",
)
Series = Mapping[str, Sequence[float | None]]


def _config(*, title: str, x_labels: Sequence[str], y_title: str) -> dict[str, object]:
    # A label on every bucket would overlap past about seven; show seven, evenly spread.
    crowded = len(x_labels) > 7
    return {
        "title": title,
        "y_title": y_title,
        "x_labels": list(x_labels),
        "x_labels_major_count": 7 if crowded else None,
        "show_minor_x_labels": not crowded,
        "style": _STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 720,
        "height": 340,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": 8,
        # pygal under-reserves room for a bottom legend and the last x label.
        "margin_bottom": 30,
        "margin_right": 28,
        "no_data_text": "No data in this period",
    }


# What pygal writes for its tooltip script, which is off: the inline config
# script, and the hidden tooltip group's inline style. Under the workspace's
# Content-Security-Policy both would be refused (and logged) by the browser.
_TOOLTIP_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
_HIDDEN_STYLE = 'style="opacity: 0"'


def _svg(chart: Any) -> SafeString:
    rendered = str(chart.render(is_unicode=True))
    rendered = _TOOLTIP_SCRIPT.sub("", rendered).replace(_HIDDEN_STYLE, 'opacity="0"')
    return mark_safe(rendered)  # noqa: S308 - pygal's XML writer escaped every label


def with_style_nonce(svg: str, *, nonce: str) -> SafeString:
    """The chart with the response's CSP nonce on its ``<style>``, so its CSS applies."""
    if not nonce:
        return mark_safe(svg)  # noqa: S308 - a chart from _svg
    return mark_safe(svg.replace("<style", f'<style nonce="{nonce}"', 1))  # noqa: S308


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Series,
    y_title: str,
    empty_text: str | None = None,
) -> SafeString:
    """Lines over buckets; a None is a gap (too few samples), not a zero.

    ``empty_text`` is what a chart without a single point says instead.
    """
    config = _config(title=title, x_labels=x_labels, y_title=y_title)
    if empty_text:
        config["no_data_text"] = empty_text
    chart = pygal.Line(
        **config,
        allow_interruptions=True,
        # Always dots: a bucket between two gaps is a dot or nothing at all.
        dots_size=3 if len(x_labels) <= 16 else 1.5,
    )
    for name, values in series.items():
        chart.add(name, list(values))
    return _svg(chart)


def stacked_bar_chart(
    *, title: str, x_labels: Sequence[str], series: Series, y_title: str
) -> SafeString:
    chart = pygal.StackedBar(**_config(title=title, x_labels=x_labels, y_title=y_title))
    for name, values in series.items():
        chart.add(name, list(values))
    return _svg(chart)
