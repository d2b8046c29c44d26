"""The lookalike rule: each kind catches its imitations and never flags the real site's twins."""

import pytest

from baitwatch.errors import BaitwatchError
from baitwatch.host_memo import remembering
from baitwatch.known_good import read_site_list, shipped_known_good, shipped_protected_sites
from baitwatch.lookalike import LookalikeDetector, find_lookalike, skeleton
from baitwatch.urls import canonicalize, registrable_domain


def lookalike(raw, allowlist=frozenset()):
    return find_lookalike(canonicalize(raw), allowlist)


@pytest.mark.parametrize(
    ("raw", "imitates", "kind"),
    [
        ("http://xn--pypal-4ve.com/", "paypal.com", "homoglyph"),  # Cyrillic а
        ("http://\u0440\u0430\u0443\u0440\u0430l.com/", "paypal.com", "homoglyph"),  # раураl
        ("https://\u0430\u0440\u0440\u04cf\u0435.com/", "apple.com", "homoglyph"),  # аррӏе
        ("https://www.\u0430\u0440\u0440\u04cf\u0435.com/signin", "apple.com", "homoglyph"),
        ("http://paypa1.com/", "paypal.com", "homoglyph"),
        ("http://g00gle.com/", "google.com", "homoglyph"),
        ("http://rnicrosoft.com/", "microsoft.com", "homoglyph"),
        ("http://vvikipedia.org/", "wikipedia.org", "homoglyph"),
        ("http://pay-pal.com/", "paypal.com", "homoglyph"),
        ("http://paypall.com/", "paypal.com", "near-miss"),
        ("http://gooogle.com/", "google.com", "near-miss"),
        ("http://paypal.com.evil.example/", "paypal.com", "embedded"),
        ("http://paypal-com.evil.example/", "paypal.com", "embedded"),
        ("http://secure.paypal-com-login.example/x", "paypal.com", "embedded"),
        ("http://secure-\u0440\u0430\u0443\u0440\u0430l.com.evil.example/", "paypal.com", "embedded"),
        ("http://ebay.com.account-verify.example/", "ebay.com", "embedded"),
        ("https://paypal.com@evil.example/", "paypal.com", "userinfo"),
        ("https://www.paypal.com:login@evil.example/", "paypal.com", "userinfo"),
        # Sites that are not known-good (anyone publishes there, or phishers abuse them) are protected too.
        ("https://linkedln.com/", "linkedin.com", "homoglyph"),
        ("https://dropbox.com.file-share.example/", "dropbox.com", "embedded"),
        ("https://login.microsoftonline.com.evil.example/", "microsoftonline.com", "embedded"),
        ("https://instagraam.com/", "instagram.com", "near-miss"),
        # On a shared platform, the subdomain is the phisher's to name.
        ("https://paypal-com.weebly.com/", "paypal.com", "embedded"),
        ("https://secure-paypal.com.verify.wordpress.com/", "paypal.com", "embedded"),
    ],
)
def test_imitations_are_caught_with_what_they_imitate(raw, imitates, kind):
    found = lookalike(raw)
    assert found is not None and (found.imitates, found.kind) == (imitates, kind)


def test_a_remembered_host_is_judged_again_with_its_userinfo():
    # A host's answer is remembered without its userinfo: the same host with a brand's name
    # before the @, asked after it was asked bare (and the other way round), is caught, and the
    # bare one not.
    for order in (("https://evil-host.example/", "https://paypal.com@evil-host.example/"), ("https://paypal.com@evil-host2.example/", "https://evil-host2.example/")):
        with remembering():
            answers = {raw: lookalike(raw) for raw in order for _ in range(2)}
        assert [(raw, found and found.imitates) for raw, found in answers.items()] == [
            (raw, "paypal.com" if "@" in raw else None) for raw in order
        ]


@pytest.mark.parametrize(
    "raw",
    [
        "https://paypal.com/", "https://www.paypal.com/signin", "https://paypal.me/alice", "https://www.paypalobjects.com/x.js",
        "https://www.paypal.com.br/", "https://paypal.co.uk/", "https://www.amazon.co.uk/", "https://www.google.com.mx/",
        "https://sites.google.com/view/x", "https://mail.google.com/", "https://apple.com/", "https://support.apple.com/",
        "https://example.com/", "https://myqcloud.com/", "https://a1.si/", "https://ibi.com/", "https://open-table.org/",
        "https://user:secret@example.org/", "http://8.8.8.8/", "https://bücher.de/", "https://президент.рф/", "https://яндекс.рф/",
        "https://www.linkedin.com/in/alice", "https://www.dropbox.com/s/x", "https://alice.github.io/", "https://x.blogspot.com/",
        "https://login.microsoftonline.com.mcas.ms/",  # a company's Defender for Cloud Apps proxy: the real site, proxied
    ],
)
def test_real_sites_and_their_twins_are_never_lookalikes(raw):
    assert lookalike(raw) is None


def test_the_users_allowlist_is_protected_too():
    allowlist = frozenset({"my-credit-union.example", "alice.substack.com"})
    found = lookalike("https://my-credit-union.example.evil.example/", allowlist)
    assert found is not None and found.imitates == "my-credit-union.example"
    assert lookalike("https://my-credit-union.example.evil.example/") is None
    assert lookalike("https://my-credit-union.example/", allowlist) is None
    found = lookalike("https://my-credit-union-example.weebly.com/", allowlist)  # a platform is no one's own site
    assert found is not None and found.imitates == "my-credit-union.example"


def test_skeletons_follow_unicode_confusables():
    assert skeleton("\u0440\u0430\u0443\u0440\u0430l") == skeleton("paypal")
    assert skeleton("m") == skeleton("rn")
    assert skeleton("paypa1") == skeleton("paypal") and skeleton("0") == skeleton("o")
    assert skeleton("paypal") != skeleton("paypai\u0301")


def test_a_detector_over_a_small_list_checks_only_that_list():
    detector = LookalikeDetector(["examplebank.com"])
    assert detector.check(canonicalize("https://examp1ebank.com/")).imitates == "examplebank.com"
    assert detector.check(canonicalize("https://paypa1.com/")) is None


def test_every_known_good_site_is_protected_and_public_suffixes_are_not():
    protected = shipped_protected_sites()
    assert {registrable_domain(entry) for entry in shipped_known_good()} <= protected
    assert {"linkedin.com", "dropbox.com", "github.com"} <= protected  # scored by the model, imitated all the same
    assert not {"github.io", "blogspot.com", "com.se"} & protected  # other people's sites live under these


@pytest.mark.parametrize("content", [None, b"\xff\xfe not UTF-8"])
def test_a_shipped_list_that_is_missing_or_unreadable_is_one_clear_error(tmp_path, content):
    path = tmp_path / "protected_sites.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BaitwatchError, match=r"missing or unreadable \((No such file or directory|'utf-8' codec .*)\); reinstall baitwatch$"):
        read_site_list(path)
