"""Which URLs are never given to the model, and why."""

from __future__ import annotations

from baitwatch.urls import CanonicalUrl

# Names that only ever resolve inside the user's own machine or network.
_LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


def skip_reason(url: CanonicalUrl) -> str | None:
    """The reason a URL is not scored (``not-web``, ``private-address``), or None to score it."""
    if not url.is_web:
        return "not-web"
    if is_private_host(url):
        return "private-address"
    return None


def is_private_host(url: CanonicalUrl) -> bool:
    ip = url.ip
    if ip is not None:
        return not ip.is_global
    return url.host == "localhost" or url.host.endswith(_LOCAL_NAME_SUFFIXES)
