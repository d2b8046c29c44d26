import pytest

from baitwatch.policy import skip_reason
from baitwatch.urls import canonicalize


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("mailto:someone@example.com", "not-web"),
        ("chrome://settings", "not-web"),
        ("ftp://example.com/file", "not-web"),
        ("http://localhost:8080/", "private-address"),
        ("http://app.localhost/", "private-address"),
        ("http://printer.local/", "private-address"),
        ("http://127.0.0.1/", "private-address"),
        ("http://10.1.2.3/", "private-address"),
        ("http://192.168.0.1/admin", "private-address"),
        ("http://169.254.1.1/", "private-address"),
        ("http://[::1]/", "private-address"),
        ("http://[fd00::1]/", "private-address"),
        ("http://0.0.0.0/", "private-address"),
        ("https://example.com/", None),
        ("http://8.8.8.8/", None),
        ("http://[2606:4700::1111]/", None),
    ],
)
def test_skip_reason(raw, reason):
    assert skip_reason(canonicalize(raw)) == reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("https://outlook.live.com/owa/", "brand-site"),  # Microsoft's own mail sign-in, which the model flagged
        ("https://mail.outlook.live.com/", "brand-site"),  # a host under a listed one
        ("https://www.paypal.com/signin", "brand-site"),
        ("https://live.com/", None),  # only outlook.live.com is listed, not all of live.com
        ("https://drive.google.com/file/d/abc/view", None),  # listed, but a shared platform's host: anyone's file
        ("https://outlook.live.com.evil.example/", None),
    ],
)
def test_a_brands_own_site_skips_the_model_unless_it_holds_users_pages(raw, reason):
    from baitwatch.page.brands import shipped_brand_sites

    assert skip_reason(canonicalize(raw), brand_sites=shipped_brand_sites()) == reason
