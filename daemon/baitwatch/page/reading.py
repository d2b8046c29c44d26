"""One page, from its HTML to its verdict: read within the limits, judged with the shipped
page model and brands. A page that cannot be read is an ``error`` verdict, never "safe"."""

from __future__ import annotations

from baitwatch.page.brands import shipped_brands
from baitwatch.page.evidence import read_page
from baitwatch.page.judgement import PageVerdict, judge_page
from baitwatch.page.page_model import shipped_page_model
from baitwatch.page.parse import PageError
from baitwatch.urls import CanonicalUrl


def judge_html(html: str, url: CanonicalUrl, truncated: bool = False) -> PageVerdict:
    """``truncated``: the copy stopped before the page's end (the extension says so)."""
    try:
        evidence = read_page(html)
    except PageError as error:
        return PageVerdict.unreadable(str(error))
    evidence.truncated = evidence.truncated or truncated
    return judge_page(evidence, url, shipped_page_model(), shipped_brands())
