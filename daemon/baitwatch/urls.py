"""The canonical form of a URL: the one function training, export and serving all use.

The model only ever sees ``CanonicalUrl.text``, so a URL scores the same at training time
and in the browser. The rules, each pinned by tests/test_urls.py:

* Surrounding whitespace and control characters are stripped. Inside the URL, tabs and
  newlines are removed and spaces and other control characters are percent-encoded (``%20``,
  ``%08``), as a browser does before it sends a URL.
* A string with no scheme is read as ``http://`` (``paypal.com/login``); ``//host/`` too.
* The host is read as browsers read it (the WHATWG URL standard): mapped by UTS 46
  (non-transitional, the ``idna`` package's table: lower case, ``ß`` kept, full-width dots
  become dots), written in punycode label by label (``paßpal.example`` ->
  ``xn--papal-mqa.example``), and a trailing dot is dropped. A host that ends in a number
  is an IPv4 address in any of its forms (``134744072``, ``0x8.0x8.0x8.0x8``, ``010.8.8.8``)
  and is written dotted-decimal (``8.8.8.8``), or refused if it is not a valid one. A host
  with a forbidden code point (controls such as NUL, spaces, ``<>^|%`` and the like, or an
  invisible joiner) is refused as a bad URL.
* The scheme's default port (80 for http, 443 for https) is dropped; any other port is kept.
* The fragment is dropped: it never reaches the server and says nothing about the site.
* The userinfo is kept as written: ``https://paypal.com@evil.example/`` is a classic
  phishing shape and the model must see it. The host is still ``evil.example``.
* A backslash before the query is a slash, as browsers read it: the site of
  ``https://evil.example\\@paypal.com/`` is ``evil.example``. Any number of slashes after
  ``http:`` or ``https:`` is skipped, so ``https:evil.example`` and ``https:///evil.example``
  are ``https://evil.example/``, as browsers read an address typed or sent alone (a link
  inside a page is read against the page's URL first; the extension sends what the browser read).
* Path and query are kept verbatim (no percent-decoding, no case change), as in the corpus;
  an empty path becomes ``/``.
* Length: the userinfo is cut to ``MAX_USERINFO_CHARS`` and then path and query are cut so
  the whole URL is at most ``MAX_URL_CHARS``. Scheme, host and port are never cut, so the
  site a verdict is about is always the real one. The model reads far fewer tokens anyway.
* The registrable domain comes from the Public Suffix List snapshot bundled with the
  ``publicsuffixlist`` package (ICANN and private sections, no network): ``a.b.co.uk`` ->
  ``b.co.uk``, ``alice.github.io`` -> ``alice.github.io``. Using the private section means
  trusting one GitHub Pages site never trusts them all. An IP address is its own domain.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import idna
from publicsuffixlist import PublicSuffixList

from baitwatch.errors import BaitwatchError
from baitwatch.host_memo import REMEMBERED_HOSTS

MAX_URL_CHARS = 2048
MAX_USERINFO_CHARS = 256
MAX_HOST_CHARS = 253  # DNS's limit for a whole name
WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_EDGE_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f"
# WHATWG's forbidden domain code points (controls, space, #%/:<>?@[\\]^|, DEL), other
# whitespace, the quotes and braces no DNS name has, and the zero-width joiners that UTS 46
# keeps but that only show as nothing.
_FORBIDDEN_HOST_CHARS = re.compile(r"[\x00-\x20\x7f\s<>\"'`{}|\\^/?#@%:\[\]\u200c\u200d]")
_ENDS_IN_NUMBER = re.compile(r"(?:^|\.)(?:[0-9]+|0[xX][0-9a-fA-F]*)$")
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")
# Left inside a URL, these would be stripped as edge junk once a fragment after them is dropped,
# so canonical text would not be canonical again; browsers percent-encode them too.
_ENCODED_INSIDE = re.compile(r"[\x00-\x20\x7f]")
# The bundled list, ICANN and private sections; shared by the modules that read it (1.3 MB each).
PUBLIC_SUFFIXES = PublicSuffixList()
# Where a canonical URL's authority ends: a userinfo or host never holds these (canonicalize cuts there).
_AUTHORITY_END = re.compile(r"[/?#]")


class InvalidUrl(BaitwatchError):
    """The text cannot be read as a URL."""


@dataclass(frozen=True)
class CanonicalUrl:
    text: str
    scheme: str
    host: str = ""
    port: int | None = None
    userinfo: str = ""  # as kept in ``text``: the lookalike check reads it

    @property
    def is_web(self) -> bool:
        return self.scheme in WEB_SCHEMES

    @cached_property  # read by several rules per check
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        return host_ip(self.host)

    @property
    def registrable_domain(self) -> str:
        return registrable_domain(self.host)

    @property
    def path(self) -> str:
        """Path and query of a web URL, as kept in ``text``."""
        userinfo = self.userinfo + "@" if self.userinfo else ""
        port = "" if self.port is None else f":{self.port}"
        return self.text[len(f"{self.scheme}://{userinfo}{self.host}{port}") :]


def canonicalize(raw: str) -> CanonicalUrl:
    """Return the canonical form of ``raw``, or raise InvalidUrl with a one-line reason."""
    if not isinstance(raw, str):
        raise InvalidUrl("a URL must be a string")
    if not is_unicode_text(raw):
        raise InvalidUrl("the URL holds a lone surrogate, which is not a Unicode character")
    text = raw.strip(_EDGE_JUNK).replace("\t", "").replace("\n", "").replace("\r", "")
    text = _ENCODED_INSIDE.sub(lambda found: f"%{ord(found.group()):02X}", text)
    if not text:
        raise InvalidUrl("the URL is empty")
    scheme = scheme_of(text)
    if scheme is None:
        text = "http:" + text if text.startswith("//") else "http://" + text
        scheme = "http"
    rest = text[len(scheme) + 1 :]
    if scheme not in WEB_SCHEMES:
        return CanonicalUrl(text=(scheme + ":" + rest)[:MAX_URL_CHARS], scheme=scheme)
    # Browsers read a backslash before the query of a web URL as a slash (WHATWG URL), so
    # https://evil.example\@paypal.com/ goes to evil.example, not paypal.com.
    before_query, question_mark, query = rest.partition("?")
    rest = before_query.replace("\\", "/") + question_mark + query
    # And they skip any number of slashes after a web scheme: https:evil.example and
    # https:///evil.example go to evil.example too (read alone, not as a link in a page).
    return _canonical_web_url(scheme, rest.lstrip("/"))


def is_homepage(text: str) -> bool:
    """Whether a canonical web URL is a bare site address (path "/" and an empty query or none):
    the shape of SMS phishing and of typed-in sites, whose scores the model reads from the name
    alone. Read from the canonical layout, not parsed again: the userinfo is kept as written,
    and a parser may refuse it (``https://a[b@host/``)."""
    authority, after = _authority_and_after(text)
    return authority is not None and after in ("", "/", "/?", "?")


def host_text(text: str) -> str:
    """The host (and port) of a canonical web URL, without userinfo; "" for other text. Read from
    the canonical layout, like ``is_homepage``."""
    authority, _ = _authority_and_after(text)
    return (authority or "").rpartition("@")[2]


def _authority_and_after(text: str) -> tuple[str | None, str]:
    """A canonical web URL's authority (userinfo, host, port) and the text after it; None and
    "" for other text."""
    scheme, separator, rest = text.partition("://")
    if not separator or scheme not in WEB_SCHEMES:
        return None, ""
    end = _AUTHORITY_END.search(rest)
    return (rest, "") if end is None else (rest[: end.start()], rest[end.start() :])


def is_unicode_text(text: str) -> bool:
    """False for a string with a lone surrogate (JSON's "\\ud800" makes one), which no
    encoder, the tokenizer's included, can write out."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scheme_of(text: str) -> str | None:
    """The scheme ``text`` starts with, lower-cased; None for a bare host (and port) or path."""
    match = _SCHEME.match(text)
    if not match:
        return None
    name, after = match.group(1).lower(), text[match.end() :]
    # "paypal.com:8080/x" and "localhost:3000" are a host and a port, not a scheme; "https:8080"
    # is the address 0.0.31.144 to a browser, not a host named https.
    if name not in WEB_SCHEMES and ("." in name or (after[:1].isdigit() and not after.startswith("//"))):
        return None
    return name


def _canonical_web_url(scheme: str, rest: str) -> CanonicalUrl:
    rest = rest.split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path_and_query = rest[:cut], rest[cut:]
    userinfo, _, hostport = authority.rpartition("@")
    host, port = _split_host_port(hostport)
    host = _canonical_host(host)
    if port == DEFAULT_PORTS[scheme]:
        port = None
    if not path_and_query.startswith("/"):
        path_and_query = "/" + path_and_query
    prefix = f"{scheme}://"
    userinfo = userinfo[:MAX_USERINFO_CHARS]
    if userinfo:
        prefix += userinfo + "@"
    prefix += host + (f":{port}" if port is not None else "")
    text = prefix + path_and_query[: max(1, MAX_URL_CHARS - len(prefix))]
    return CanonicalUrl(text=text, scheme=scheme, host=host, port=port, userinfo=userinfo)


def _split_host_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise InvalidUrl("the IPv6 address in the URL has no closing bracket")
        host, port_text = hostport[: end + 1], hostport[end + 1 :]
        if port_text and not port_text.startswith(":"):
            raise InvalidUrl("unexpected text after the IPv6 address in the URL")
        port_text = port_text[1:]
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host, None
    if not port_text.isascii() or not port_text.isdigit() or int(port_text) > 65535:
        raise InvalidUrl(f"the port {port_text[:20]!r} is not a number from 0 to 65535")
    return host, int(port_text)


def _canonical_host(host: str) -> str:
    if host.startswith("["):
        # A zone ID (fe80::1%eth0), or a control character encoded as %XX, is no host a browser takes.
        if "%" in host:
            raise InvalidUrl("the host is not a valid IPv6 address")
        try:
            return "[" + ipaddress.IPv6Address(host[1:-1]).compressed + "]"
        except ValueError:
            raise InvalidUrl("the host is not a valid IPv6 address") from None
    try:
        host = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except UnicodeError:
        raise InvalidUrl("the host is not a valid internationalised domain name") from None
    host = host.rstrip(".")
    if not host:
        raise InvalidUrl("the URL has no host")
    if _FORBIDDEN_HOST_CHARS.search(host):
        raise InvalidUrl("the host contains characters a domain name cannot have")
    if not host.isascii():
        host = ".".join(_punycode(label) for label in host.split("."))
    # Before the number parsing too: a million-digit host would stall int() on the event loop.
    if len(host) > MAX_HOST_CHARS:
        raise InvalidUrl(f"the host is longer than the {MAX_HOST_CHARS} characters a domain name may have")
    if _ENDS_IN_NUMBER.search(host):
        return _ipv4(host)
    return host


def _punycode(label: str) -> str:
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


def _ipv4(host: str) -> str:
    """WHATWG's IPv4 parser: up to four parts, each decimal, 0x-hex or 0-octal; the last
    part fills the remaining bytes (``134744072`` is 8.8.8.8, ``127.1`` is 127.0.0.1)."""
    parts = host.split(".")
    if len(parts) > 4:
        raise InvalidUrl("the host ends in a number but is not an IPv4 address")
    if not all(_IPV4_PART.fullmatch(part) for part in parts):
        raise InvalidUrl("the host ends in a number but is not an IPv4 address")
    numbers = [_ipv4_number(part) for part in parts]
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        raise InvalidUrl("the host is an IPv4 address with a part out of range")
    value = last + sum(number << (8 * (3 - position)) for position, number in enumerate(leading))
    return str(ipaddress.IPv4Address(value))


def _ipv4_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    return int(part, 8 if part.startswith("0") else 10)


# A browser's recent hosts: 65,536 entries held 16 MB once full, 5 MB of it from the start-up's
# site lists, which keep their own copies of the domains.
@lru_cache(maxsize=REMEMBERED_HOSTS)
def registrable_domain(host: str) -> str:
    """The part of ``host`` a person registers: ``b.co.uk`` for ``a.b.co.uk``."""
    host = host.strip("[]").rstrip(".").lower()
    if host_ip(host) is not None:
        return host
    return PUBLIC_SUFFIXES.privatesuffix(host) or host


def host_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` is (brackets around an IPv6 one allowed), or None for a name."""
    host = host.strip("[]")
    # Only an IPv4 address ends in a digit, and only an IPv6 one holds a colon: a name is told
    # apart without a failed parse, which raises (slow) for nearly every check.
    if not host[-1:].isdigit() and ":" not in host:
        return None
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
