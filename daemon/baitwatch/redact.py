"""What of a URL the daemon keeps when it stores one (feedback now, retraining later):
enough to learn from, nothing that logs anyone in.

Kept: scheme, host, port, path and the query's parameter names. Dropped: the userinfo
(``user:password@``) and every query value (session ids, e-mail addresses, reset tokens).
``https://me:pw@shop.example/cart?session=42&item`` becomes ``https://shop.example/cart?session=&item``.
"""

from __future__ import annotations

from baitwatch.urls import CanonicalUrl


def redacted_url(url: CanonicalUrl) -> str:
    """The web URL ``url`` without userinfo and query values."""
    if not url.is_web:
        raise ValueError("only web URLs are redacted")
    after_scheme = url.text[len(url.scheme) + 3 :]
    # A canonical web URL's path starts at the first "/" after the authority, and neither
    # the userinfo nor the host holds one.
    path, _, query = after_scheme[after_scheme.index("/") :].partition("?")
    authority = url.host + ("" if url.port is None else f":{url.port}")
    text = f"{url.scheme}://{authority}{path}"
    return text + "?" + "&".join(_without_value(part) for part in query.split("&")) if query else text


def _without_value(parameter: str) -> str:
    name, equals, _ = parameter.partition("=")
    return name + equals
