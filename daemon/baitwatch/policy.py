"""Which URLs are never given to the model, and why."""

from __future__ import annotations

from collections.abc import Container

from baitwatch.platforms import shipped_platforms, trust_scope_or_none
from baitwatch.urls import CanonicalUrl

# Names that only ever resolve inside the user's own machine or network.
_LOCAL_NAME_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")


def skip_reason(
    url: CanonicalUrl,
    *,
    enabled: bool = True,
    user_allowlist: Container[str] = frozenset(),
    known_good: Container[str] = frozenset(),
    brand_sites: Container[str] = frozenset(),
) -> str | None:
    """Why ``url`` is not scored, or None to score it. The first rule that applies wins:
    ``disabled``, ``not-web``, ``private-address``, ``user-allowlist`` (the URL's trust
    scope, see platforms.py, is on it), ``known-good`` (its registrable domain or, for a
    platform that also hosts users' pages, its exact host is on it), ``brand-site`` (a brand's
    own site in page/brands.json: its host or a domain above it is listed there, and it is no
    user's page on a shared platform)."""
    if not enabled:
        return "disabled"
    if not url.is_web:
        return "not-web"
    if is_private_host(url):
        return "private-address"
    if trust_scope_or_none(url) in user_allowlist:
        return "user-allowlist"
    if url.registrable_domain in known_good or url.host in known_good:
        return "known-good"
    if is_brand_site(url, brand_sites):
        return "brand-site"
    return None


def is_brand_site(url: CanonicalUrl, brand_sites: Container[str]) -> bool:
    labels = url.host.split(".")
    listed = any(".".join(labels[start:]) in brand_sites for start in range(len(labels) - 1))
    return listed and not shipped_platforms().is_shared(url.host)


def is_private_host(url: CanonicalUrl) -> bool:
    ip = url.ip
    if ip is not None:
        return not ip.is_global
    return url.host == "localhost" or url.host.endswith(_LOCAL_NAME_SUFFIXES)
