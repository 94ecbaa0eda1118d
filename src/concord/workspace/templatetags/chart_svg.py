"""``{{ chart.svg|with_nonce:csp_nonce }}``: a chart whose styles pass the page's CSP."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from concord.workspace.charts import with_style_nonce

register = template.Library()


@register.filter
def with_nonce(svg: str, nonce: object) -> SafeString:
    return with_style_nonce(svg, nonce=str(nonce or ""))
