"""Shared platforms, where third parties publish pages, and the scope "Trust this site" trusts.

A host is on a shared platform when its public suffix comes from the Public Suffix List's
PRIVATE section (``alice.github.io``), or when ``shared_platforms.txt`` lists its platform
(``alice.substack.com``, ``blogspot.com.es``, ``sites.google.com``). Such hosts never ride on
the known-good list, and trusting one page there trusts one user's site, never the platform:

* an ordinary site: its registrable domain (``www.example.com`` -> ``example.com``);
* under a PSL private suffix: the registrable domain, which is already one user's
  (``alice.github.io``), unless the file lists the host as shared: the list makes
  ``storage.googleapis.com`` one site, where each bucket is one user's
  (``storage.googleapis.com/BUCKET``, ``BUCKET.storage.googleapis.com``);
* on a listed platform: the host (``alice.substack.com``);
* on a platform's shared host with user paths: host and the user's path segment
  (``sites.google.com/view/alice``);
* any other host of a platform that also has shared hosts: that host (``www.google.com``,
  never ``google.com``, which would cover ``sites.google.com``).

A public suffix (``com``, ``github.io``) and a platform itself (``substack.com``,
``sites.google.com`` without a user's path) cannot be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from publicsuffixlist import PublicSuffixList

from baitwatch.errors import BaitwatchError
from baitwatch.host_memo import HostMemo
from baitwatch.shipped_files import read_shipped_text
from baitwatch.urls import PUBLIC_SUFFIXES, CanonicalUrl, host_ip, registrable_domain

SHARED_PLATFORMS_FILE = Path(__file__).resolve().parent / "shared_platforms.txt"
_ICANN_PSL = PublicSuffixList(only_icann=True)


class UntrustableSite(BaitwatchError):
    """A public suffix or a whole shared platform, which no one can vouch for."""


@dataclass(frozen=True)
class SharedPlatforms:
    domains: frozenset[str]  # registrable domains where every host is a user's site
    any_suffix_names: frozenset[str]  # "blogspot" for blogspot.*
    hosts: frozenset[str]  # shared hosts of platforms that also have their own pages
    user_paths: dict[str, tuple[str, ...]]  # host -> path prefixes, longest first
    mixed_domains: frozenset[str]  # registrable domains of those hosts (google.com)

    def __post_init__(self):
        # A check asks for its host's scope two or three times (rules, reports, visits): what
        # depends on the host alone is remembered for the person's recent hosts.
        object.__setattr__(self, "_host_scopes", HostMemo())

    @classmethod
    def parse(cls, text: str) -> SharedPlatforms:
        domains, names, hosts, paths = set(), set(), set(), {}
        for line in text.splitlines():
            entry = line.strip().lower()
            if not entry or entry.startswith("#"):
                continue
            if "/" in entry:
                host, _, path = entry.partition("/")
                prefix = "/" + path.removesuffix("*")
                paths[host] = tuple(sorted({*paths.get(host, ()), prefix}, key=len, reverse=True))
                hosts.add(host)
            elif entry.endswith(".*"):
                names.add(entry[:-2])
            elif registrable_domain(entry) == entry:
                domains.add(entry)
            else:
                hosts.add(entry)
        mixed = frozenset(registrable_domain(host) for host in hosts)
        return cls(frozenset(domains), frozenset(names), frozenset(hosts), paths, mixed)

    def is_platform_domain(self, domain: str) -> bool:
        """Every host under this registrable domain is a user's site."""
        return domain in self.domains or domain.split(".", 1)[0] in self.any_suffix_names or is_private_suffix_site(domain)

    def shared_host(self, host: str) -> str | None:
        """The listed shared host that ``host`` is or is under."""
        labels = host.split(".")
        return next((name for i in range(len(labels) - 1) if (name := ".".join(labels[i:])) in self.hosts), None)

    def is_shared(self, host: str) -> bool:
        return self.is_platform_domain(registrable_domain(host)) or self.shared_host(host) is not None

    def trust_scope(self, url: CanonicalUrl) -> str:
        """What trusting ``url`` trusts; raises UntrustableSite for a suffix or a platform."""
        scope = self._host_scopes.answer(url.host, self._host_scope)
        return self._user_path_scope(url) if scope is None else scope

    def _host_scope(self, host: str) -> str | None:
        """``trust_scope`` as far as the host decides it; None for a platform's shared host,
        where a user's path decides."""
        host = host.strip("[]")
        if host_ip(host) is not None:
            return host
        if PUBLIC_SUFFIXES.privatesuffix(host) is None:
            raise UntrustableSite(f"{host} is a public suffix, under which anyone can register a site; trust one site instead")
        # A listed shared host first: the Public Suffix List makes storage.googleapis.com one
        # site, where each bucket is one user's (its path's first segment, or a subdomain).
        shared = self.shared_host(host)
        if shared == host:
            return None
        if shared is not None:
            return host
        domain = registrable_domain(host)
        if is_private_suffix_site(host):
            return domain
        if self.is_platform_domain(domain):
            if host in (domain, "www." + domain):
                raise UntrustableSite(f"{domain} is a platform where anyone can publish pages; trust one site on it instead")
            return host
        if domain in self.mixed_domains:
            return host
        return domain

    def _user_path_scope(self, url: CanonicalUrl) -> str:
        path = url.path.split("?", 1)[0]
        for prefix in self.user_paths.get(url.host, ()):
            user = path[len(prefix) :].split("/", 1)[0] if path.startswith(prefix) else ""
            if user:
                return url.host + prefix + user
        raise UntrustableSite(f"{url.host} is a platform where anyone can publish pages; trust one site on it instead")


def is_private_suffix_site(host: str) -> bool:
    """The host's public suffix comes from the PSL's PRIVATE section (github.io, blogspot.com)."""
    return PUBLIC_SUFFIXES.publicsuffix(host) != _ICANN_PSL.publicsuffix(host)


@lru_cache(maxsize=1)
def shipped_platforms() -> SharedPlatforms:
    return SharedPlatforms.parse(read_shipped_text(SHARED_PLATFORMS_FILE))


def trust_scope_or_none(url: CanonicalUrl) -> str | None:
    """The scope an allowlist entry for ``url`` would have, or None where none can."""
    try:
        return shipped_platforms().trust_scope(url)
    except UntrustableSite:
        return None
