import pytest

from baitwatch.redact import redacted_url
from baitwatch.urls import canonicalize


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("https://me:secret@shop.example/cart?session=42&item", "https://shop.example/cart?session=&item"),
        ("https://paypal.com@evil.example/signin", "https://evil.example/signin"),
        ("https://a.example:8443/x/y?a=1&&b==2&c", "https://a.example:8443/x/y?a=&&b=&c"),
        ("https://u@h.example?email=me%40mail.example#top", "https://h.example/?email="),
        ("http://[::1]:8080/p?token=abc", "http://[::1]:8080/p?token="),
        ("HTTPS://Reset.Example/pw/reset?", "https://reset.example/pw/reset"),
        ("http://a.example", "http://a.example/"),
    ],
)
def test_credentials_and_query_values_are_dropped(raw, kept):
    assert redacted_url(canonicalize(raw)) == kept


def test_only_web_urls_are_redacted():
    with pytest.raises(ValueError):
        redacted_url(canonicalize("mailto:me@mail.example?subject=hi"))
