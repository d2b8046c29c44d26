"""Shared platforms never ride on the known-good list, and trust on them stays one user's."""

import pytest

from baitwatch.host_memo import remembering
from baitwatch.known_good import shipped_known_good
from baitwatch.platforms import UntrustableSite, shipped_platforms, trust_scope_or_none
from baitwatch.policy import skip_reason
from baitwatch.urls import canonicalize
from model_export.known_good import excluded_platform

# Pages third parties publish, one or more per category of shared_platforms.txt, and every
# platform that the known-good list once waved through.
SHARED_PLATFORM_PAGES = {
    "hosting": [
        "https://secure-login.serv00.net/index.php",
        "http://paypal-verify.tripod.com/",
        "https://bank-update.neocities.org/login.html",
        "http://account-check.ucoz.ru/",
        "https://alice.github.io/signin/",
        "https://login-portal.vercel.app/",
        "https://storage.googleapis.com/bucket/index.html",
        "http://kornienk0.imgix.net/wp-content/index.php",
        "http://static.120.74.161.5.clients.your-server.de/login/",
        "https://codepen.io/someone/full/AbCdEf",
        "https://someone.web.fc2.com/login.html",
    ],
    "site builders": [
        "https://office365-login.multiscreensite.com/",
        "https://verify.wixsite.com/account",
        "https://bank.weebly.com/",
        "https://crypto-phantom-wallet.teachable.com/",
        "https://someone-s-school.thinkific.com/",
        "https://coinbase-pro-sign-in.company.site/",
        "https://static.wixstatic.com/ugd/abc123_def456.pdf",
    ],
    "blogs": [
        "https://someone.blogspot.com.es/2024/01/post.html",
        "https://someone.blogspot.in/",
        "https://someone.blogspot.co.uk/",
        "https://someone.blogspot.ca/",
        "https://someone.blogspot.fr/",
        "https://someone.blogspot.de/",
        "https://someone.blogspot.com/",
        "https://newsletter.substack.com/p/claim-your-refund",
        "https://someone.livejournal.com/123.html",
        "https://someone.tistory.com/12",
    ],
    "link-in-bio": [
        "https://support.link.space/",
        "https://linkr.bio/wallet-support",
        "https://beacons.ai/metamask-help",
        "https://linktr.ee/helpdesk",
    ],
    "forms and surveys": [
        "https://www.surveymonkey.com/r/ABCD123",
        "https://www.cognitoforms.com/Company1/VerifyYourAccount",
        "https://forms.zoho.com/company/form/AccountUpdate",
        "https://airtable.com/shrAbCdEf123456",
        "https://forms.yandex.ru/u/65a1b2c3d4/",
        "https://docs.qq.com/form/page/DABCDEFG",
        "https://docs.google.com/forms/d/e/1FAIpQLSf-example/viewform",
        "https://form.jotform.com/230000000000",
    ],
    "file sharing": [
        "https://www.dropbox.com/s/abc123/invoice.html",
        "https://drive.google.com/file/d/1abc/view",
        "https://www.mediafire.com/file/abc/invoice.zip/file",
        "https://public.bn.files.1drv.com/y4mAbC/invoice.html",
    ],
    "documents, boards and designs": [
        "https://www.canva.com/design/DAGk3x9Yb2Q/view",
        "https://www.figma.com/proto/AbCdEf123456/Secure-Login",
        "https://www.flipsnack.com/8F7A9B6C5D4/secure-document-portal.html",
        "https://lucid.app/lucidchart/1234abcd/view",
        "https://online.fliphtml5.com/abcde/fghij/",
        "https://gamma.app/docs/Secure-Document-abc123",
    ],
    "paste, text and image hosting": [
        "https://teletype.in/@someone/secure-verify",
        "https://pastebin.com/AbCdEf12",
        "https://imagizer.imageshack.com/img922/1354/iwJDVH.png",
        "https://justpaste.it/abc12",
    ],
    "link shorteners": ["https://linkvertise.com/445286/b33ld", "https://t.me/someone/14", "https://telegram.me/someone"],
    "archives": ["https://archive.ph/AbCd1", "https://archive.is/AbCd1"],
    "IPFS gateways": [
        "https://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.infura-ipfs.io/",
        "https://ipfs.io/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    ],
    "tunnels": ["https://abcd-1-2-3-4.ngrok-free.app/login", "https://random-words.trycloudflare.com/"],
    "newsletters": ["https://mailchi.mp/abcdef/account-notice", "https://us1.campaign-archive.com/?u=1&id=2"],
    "wikis": ["https://someone.fandom.com/wiki/Login", "https://someone.wikidot.com/"],
    "tenant SaaS": [
        "https://company.atlassian.net/wiki/spaces/X",
        "https://login-portal.powerappsportals.com/",
        "https://helpdesk.zendesk.com/hc/en-us",
        "https://paypal-com-resolution.my.site.com/s/login",  # Salesforce Experience Cloud
    ],
    "user sites on a platform with its own pages": [
        "https://sites.google.com/view/account-verify/home",
        "https://script.google.com/macros/s/AKfycb/exec",
        "https://cdn.discordapp.com/attachments/1036656684493459478/1039127081243660328/invoice.zip",
        "https://media.discordapp.net/attachments/1036656684493459478/1039127081243660328/invoice.png",
        "https://res.cloudinary.com/dravfmr66/image/upload/v1615205725/excel.jpg",
    ],
}
ALL_PAGES = [url for urls in SHARED_PLATFORM_PAGES.values() for url in urls]


@pytest.mark.parametrize("raw", ALL_PAGES)
def test_no_shared_platform_page_skips_the_model_as_known_good(raw):
    url = canonicalize(raw)
    assert skip_reason(url, known_good=shipped_known_good()) is None
    assert shipped_platforms().is_shared(url.host)


def test_no_entry_of_the_shipped_known_good_list_is_a_shared_platform():
    platforms = shipped_platforms()
    for entry in shipped_known_good():
        assert not platforms.is_shared(entry) and not excluded_platform(entry), entry


@pytest.mark.parametrize(
    "raw",
    ["https://www.paypal.com/signin", "https://paypal.com/", "https://mail.google.com/mail/u/0/", "https://myaccount.google.com/", "https://www.wikipedia.org/"],
)
def test_popular_sites_and_a_platforms_own_hosts_stay_known_good(raw):
    assert skip_reason(canonicalize(raw), known_good=shipped_known_good()) == "known-good"


@pytest.mark.parametrize(
    ("raw", "scope"),
    [
        ("https://www.example.com/a?b", "example.com"),
        ("https://alice.github.io/project/", "alice.github.io"),
        ("https://alice.substack.com/p/1", "alice.substack.com"),
        ("https://someone.blogspot.com.es/", "someone.blogspot.com.es"),
        ("https://x.serv00.net/", "x.serv00.net"),
        ("https://sites.google.com/view/alice/home", "sites.google.com/view/alice"),
        ("https://sites.google.com/site/bob", "sites.google.com/site/bob"),
        ("https://docs.google.com/forms/d/e/1FAIpQL/viewform", "docs.google.com/forms/d/e/1FAIpQL"),
        ("https://www.google.com/search?q=x", "www.google.com"),
        # Cloud storage serves every customer's bucket from one host: a bucket is one site.
        ("https://storage.googleapis.com/evil-bucket/index.html", "storage.googleapis.com/evil-bucket"),
        ("https://evil-bucket.storage.googleapis.com/index.html", "evil-bucket.storage.googleapis.com"),
        ("https://firebasestorage.googleapis.com/v0/b/evil.appspot.com/o/login.html", "firebasestorage.googleapis.com/v0/b/evil.appspot.com"),
        ("https://storage.googleapis.com/download/storage/v1/b/evil-bucket/o/login.html", "storage.googleapis.com/download/storage/v1/b/evil-bucket"),
        ("https://commondatastorage.googleapis.com/evil-bucket/login.html", "commondatastorage.googleapis.com/evil-bucket"),
        ("https://storage.cloud.google.com/evil-bucket/login.html", "storage.cloud.google.com/evil-bucket"),
        ("https://raw.githubusercontent.com/mallory/kit/main/login.html", "raw.githubusercontent.com/mallory"),
        ("https://form.jotform.com/230000000000", "form.jotform.com/230000000000"),
        ("https://forms.office.com/r/AbC123", "forms.office.com/r/AbC123"),
        ("https://gateway.pinata.cloud/ipfs/bafyevil/login.html", "gateway.pinata.cloud/ipfs/bafyevil"),
        ("https://storageapi.fleek.co/0a7d490b-bucket/sites/login.html", "storageapi.fleek.co/0a7d490b-bucket"),
        # A registration zone that the Public Suffix List lacks: each name is its own site.
        ("https://bkevfjby.ne.pw/login", "bkevfjby.ne.pw"),
        ("https://www.aaosmeusnuuu.ghfxpbt.presse.ci/", "www.aaosmeusnuuu.ghfxpbt.presse.ci"),
        ("http://8.8.8.8/", "8.8.8.8"),
    ],
)
def test_trust_scope_is_one_site_never_a_platform(raw, scope):
    assert shipped_platforms().trust_scope(canonicalize(raw)) == scope


@pytest.mark.parametrize(
    "raw",
    ["https://com/", "https://co.uk/", "https://github.io/", "https://substack.com/", "https://www.substack.com/", "https://blogspot.com.es/", "https://sites.google.com/", "https://docs.google.com/document/d/1/edit",
     "https://storage.googleapis.com/", "https://forms.office.com/Pages/ResponsePage.aspx?id=AbC", "https://presse.ci/",
     # link shorteners v2's feeds send phishing through: a short link is anyone's
     "https://t2m.io/AbC", "https://goo.su/AbC", "https://cutt.us/AbC", "https://qrs.ly/AbC", "https://reurl.cc/AbC"],
)
def test_a_public_suffix_or_a_platform_itself_cannot_be_trusted(raw):
    with pytest.raises(UntrustableSite, match="trust one site"):
        shipped_platforms().trust_scope(canonicalize(raw))


def test_a_remembered_shared_host_still_reads_each_users_path():
    with remembering():
        scopes = [trust_scope_or_none(canonicalize(f"https://sites.google.com/view/{user}/")) for user in ("alice", "bob", "alice")]
        for _ in range(2):
            with pytest.raises(UntrustableSite):
                shipped_platforms().trust_scope(canonicalize("https://substack.com/"))
    assert scopes == ["sites.google.com/view/alice", "sites.google.com/view/bob", "sites.google.com/view/alice"]


def test_trusting_one_user_site_does_not_trust_the_platform_or_its_neighbours():
    trusted = frozenset({shipped_platforms().trust_scope(canonicalize("https://sites.google.com/view/alice/"))})
    assert skip_reason(canonicalize("https://sites.google.com/view/alice/page"), user_allowlist=trusted) == "user-allowlist"
    for raw in ["https://sites.google.com/view/mallory/", "https://docs.google.com/forms/d/e/1/viewform", "https://www.google.com/"]:
        assert skip_reason(canonicalize(raw), user_allowlist=trusted) is None, raw
