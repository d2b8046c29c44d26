import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baitwatch.urls import (
    MAX_URL_CHARS,
    MAX_USERINFO_CHARS,
    InvalidUrl,
    canonicalize,
    host_ip,
    host_text,
    is_homepage,
    registrable_domain,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://PayPal.COM/Login?Next=/A", "https://paypal.com/Login?Next=/A"),
        ("  https://example.com/path \n", "https://example.com/path"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?q=1", "https://example.com/?q=1"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com./", "https://example.com/"),
        ("https://bücher.de/straße", "https://xn--bcher-kva.de/straße"),
        ("https://ExAmple.com/a b\tc", "https://example.com/a%20bc"),
        ("https://example.com/a\x08#top", "https://example.com/a%08"),  # else stripped as an edge once the fragment goes
        ("https://example.com/%7Euser/", "https://example.com/%7Euser/"),
        ("paypal.com/login", "http://paypal.com/login"),
        ("//cdn.example.com/x", "http://cdn.example.com/x"),
        ("localhost:3000", "http://localhost:3000/"),
        ("http://[2001:DB8::1]:8080/", "http://[2001:db8::1]:8080/"),
        # Browsers read a backslash before the query as a slash: this goes to evil.example.
        ("https://evil.example\\@paypal.com/", "https://evil.example/@paypal.com/"),
        ("https:\\\\evil.example\\login?next=\\a", "https://evil.example/login?next=\\a"),
        # They skip any number of slashes after the scheme.
        ("https:evil.example/login", "https://evil.example/login"),
        ("HTTPS:/\\//evil.example", "https://evil.example/"),
        ("http:///evil.example?a", "http://evil.example/?a"),
        ("https:8080", "https://0.0.31.144/"),  # a number after the scheme is a host, not a port
        ("https:80@8.8.8.8", "https://80@8.8.8.8/"),
    ],
)
def test_canonical_form(raw, canonical):
    assert canonicalize(raw).text == canonical


def test_userinfo_keeps_its_tell_tale_shape_but_not_the_host():
    url = canonicalize("https://PayPal.com@Evil.Example/signin")
    assert url.text == "https://PayPal.com@evil.example/signin"
    assert url.host == "evil.example"
    assert url.registrable_domain == "evil.example"


def test_non_web_schemes_are_recognised_not_parsed():
    for raw, scheme in [("mailto:a@b.example", "mailto"), ("JavaScript:alert(1)", "javascript"), ("about:blank", "about"), ("file:///etc/passwd", "file")]:
        url = canonicalize(raw)
        assert url.scheme == scheme
        assert not url.is_web


def test_long_urls_are_cut_in_path_and_query_only():
    host = "a" * 60 + ".example.com"
    url = canonicalize(f"https://{'u' * 5000}@{host}/{'p' * 10_000}?{'q' * 10_000}")
    assert len(url.text) == MAX_URL_CHARS
    assert url.host == host
    assert url.text.startswith("https://" + "u" * MAX_USERINFO_CHARS + "@" + host + "/ppp")


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "https://", "https:///", "https:?x", "http://exa mple.com/", "https://example.com:99999/", "https://example.com:12ab/", "http://[::1/", None, 42],
)
def test_unreadable_urls_raise_invalid_url(raw):
    with pytest.raises(InvalidUrl):
        canonicalize(raw)


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.paypal.com", "paypal.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("paypal.com.account-verify.example", "account-verify.example"),
        ("alice.github.io", "alice.github.io"),
        ("xn--pypal-4ve.com", "xn--pypal-4ve.com"),
        ("192.0.2.7", "192.0.2.7"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("co.uk", "co.uk"),
    ],
)
def test_registrable_domain(host, domain):
    assert registrable_domain(host) == domain


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_canonical_or_a_clear_error_and_canonical_is_stable(raw):
    try:
        url = canonicalize(raw)
    except InvalidUrl as error:
        assert str(error)
        return
    assert len(url.text) <= MAX_URL_CHARS
    assert canonicalize(url.text) == url
    # The n-gram model's host view reads the host from the canonical text's layout.
    assert host_text(url.text) == (url.host + ("" if url.port is None else f":{url.port}") if url.is_web else "")


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    # The last label starts with a letter: a host that ends in a number, "12" or "0x" (hex, WHATWG) alike, is an IPv4 address.
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z][a-z0-9]{0,9}){1,3}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs")), max_size=80),
)
def test_web_urls_keep_scheme_host_and_path(scheme, host, path):
    url = canonicalize(f"{scheme}://{host}/{path}")
    assert url.host == host
    assert url.text.startswith(f"{scheme.lower()}://{host}/")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        # UTS 46 non-transitional, as browsers: ß stays a letter of its own.
        ("http://paßpal.example/", "http://xn--papal-mqa.example/"),
        ("http://PAYPAL\u3002com/", "http://paypal.com/"),
        ("http://\u0440\u0430\u0443\u0440\u0430l.com/", "http://xn--l-7sba6dbr.com/"),
        ("http://\u2603.com/", "http://xn--n3h.com/"),
        # WHATWG IPv4: decimal, hex, octal and short forms are one address.
        ("http://134744072/", "http://8.8.8.8/"),
        ("http://0x8.0x8.0x8.0x8/x", "http://8.8.8.8/x"),
        ("http://010.8.8.8/", "http://8.8.8.8/"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("https://8.8.8.8./", "https://8.8.8.8/"),
    ],
)
def test_hosts_are_read_as_browsers_read_them(raw, canonical):
    assert canonicalize(raw).text == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "http://pay\x00pal.com/", "http://pay\x07pal.com/", "http://pay\x7fpal.com/", "http://pay\u200dpal.com/", "http://a[b.com/",
        "http://1.2.3.4.5/", "http://256.0.0.1/", "http://09.1.1.1/", "http://4294967296/", "http://example.0x12/",
        "http://[::1\x08]/", "http://[fe80::1%eth0]/",  # no zone IDs, and no control character read as one
    ],
)
def test_forbidden_hosts_and_bad_ipv4_are_refused(raw):
    with pytest.raises(InvalidUrl):
        canonicalize(raw)


@pytest.mark.parametrize(
    ("host", "address"),
    [("8.8.8.8", "8.8.8.8"), ("[::1]", "::1"), ("fe80::a", "fe80::a"), ("example.com", None), ("a.b1", None), ("xn--80ak6aa92e.com", None), ("", None)],
)
def test_host_ip_reads_addresses_and_leaves_names(host, address):
    found = host_ip(host)
    assert (None if found is None else str(found)) == address


def test_a_decimal_ip_host_is_a_private_address_when_it_is_one():
    url = canonicalize("http://2130706433/admin")
    assert url.host == "127.0.0.1" and url.ip is not None and url.ip.is_loopback


@pytest.mark.parametrize(
    ("raw", "homepage"),
    [
        ("example.com", True),
        ("https://sub.example.com:8443/#top", True),
        ("https://example.com/?ref=sms", False),
        ("https://example.com/login", False),
        ("https://example.com//", False),
        ("https://example.com/?", True),
        ("https://a[b@evil-login.example/", True),  # a userinfo urllib.parse refuses
        ("https://x\uff1f@evil-login.example/account", False),
        ("file:///", False),
    ],
)
def test_a_homepage_is_a_bare_site_address(raw, homepage):
    assert is_homepage(canonicalize(raw).text) is homepage


@pytest.mark.parametrize(
    ("raw", "host"),
    [
        ("Example.COM/Login", "example.com"),
        ("https://sub.example.com:8443/a?b#c", "sub.example.com:8443"),
        ("https://paypal.com@evil-login.example/paypal.com/", "evil-login.example"),
        ("https://a[b@x@evil-login.example/", "evil-login.example"),  # userinfo kept as written, with an @ of its own
        ("http://[2001:db8::1]/", "[2001:db8::1]"),
        ("https://evil.example\\@paypal.com/", "evil.example"),  # a backslash is a slash to browsers
        ("file:///etc/passwd", ""),
    ],
)
def test_the_host_of_a_canonical_url_is_read_without_its_userinfo(raw, host):
    assert host_text(canonicalize(raw).text) == host
