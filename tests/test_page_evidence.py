"""Page evidence: what a page asks for and claims, the brand rule, the page's verdict and how it
joins the address's, on saved pages of the corpus and on hostile HTML."""

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from baitwatch.classifier import SHIPPED_MODEL_DIR, ModelCard
from baitwatch.page.brands import shipped_brands
from baitwatch.page.evidence import MAX_ELEMENTS, read_page
from baitwatch.page.judgement import PageVerdict, combine, judge_page
from baitwatch.page.page_model import shipped_page_model
from baitwatch.page.parse import MAX_HTML_BYTES, PageError, decode_html
from baitwatch.page.reading import judge_html
from baitwatch.urls import canonicalize
from baitwatch.verdict import Verdict

PAGES = Path(__file__).parent / "pages"
SAVED = json.loads((PAGES / "pages.json").read_text())
NEW_SITE = canonicalize("https://brand-new-shop.example/")
SIGN_IN = """<html><head><title>{title}</title></head><body><h1>{heading}</h1>
<form action="{action}"><input type="email" name="login" value="victim@example.org">
<input type="password" name="pass" value="hunter2"><button>Sign in</button></form>
<p>{text}</p></body></html>"""


def saved(name: str) -> str:
    return (PAGES / f"{name}.html").read_text()


def judged(html: str, url=NEW_SITE) -> PageVerdict:
    return judge_page(read_page(html), url, shipped_page_model(), shipped_brands())


def test_fields_are_told_by_what_the_page_says_of_them_and_no_value_is_read():
    html = """<form action="javascript:void(0)"><input type="password"><input autocomplete="one-time-code">
    <input name="cardNumber"><input placeholder="CVV"><input id="user_email"><input name="seed_phrase">
    <input type="hidden" name="token" value="s3cret-hidden"><input type="checkbox"></form>
    <textarea name="mnemonic">typed words</textarea><input name="q" value="typed-value">"""
    evidence = read_page(html)
    assert evidence.fields == {"password": 1, "one-time code": 1, "card": 2, "email": 1, "secret phrase": 2}
    assert evidence.forms[0].action == "javascript" and evidence.forms[0].asks[:2] == ["password", "one-time code"]
    assert evidence.hidden_inputs == 1 and evidence.text_inputs == 8
    values = json.dumps(evidence.__dict__, default=lambda o: o.__dict__)
    assert "typed" not in values and "s3cret" not in values and "hunter2" not in values


def test_a_saved_kit_that_names_its_brand_on_a_new_site_is_phishing_by_the_brand_rule():
    verdict = judged(saved("facebook-kit"))
    assert verdict.verdict == "phishing" and verdict.imitates == "facebook.com"
    assert verdict.reasons[0] == "presents itself as Facebook, but facebook.com is not this site"
    assert "asks for a password" in verdict.reasons


def test_a_saved_kit_the_page_model_knows_is_phishing_without_a_brand_claim():
    verdict = judged(saved("att-yahoo-kit"))
    assert verdict.verdict == "phishing" and verdict.score >= shipped_page_model().levels["phishing"]


def test_real_pages_at_their_own_addresses_are_not_phishing():
    login = judged(saved("hamradio-login"), canonicalize(SAVED["hamradio-login"]["url"]))
    assert login.verdict == "unsure" and login.reasons == ["asks for a password"]
    home = judged(saved("acronymfinder-home"), canonicalize(SAVED["acronymfinder-home"]["url"]))
    assert home.verdict == "safe" and home.reasons == ["asks for nothing and presents itself as no other site"]


def test_the_brand_rule_needs_a_secret_a_claim_and_a_site_the_brand_does_not_own():
    paypal = SIGN_IN.format(title="PayPal: Log in to your account", heading="Log in", action="post.php", text="Welcome back")
    assert judged(paypal).imitates == "paypal.com"
    assert judged(paypal, canonicalize("https://www.paypal.com/signin")).imitates is None
    assert judged(paypal, canonicalize("https://www.paypal.de/signin")).imitates is None  # the same name elsewhere may be its own
    # A user's site on a shared platform is nobody's brand site, whatever its name.
    assert judged(paypal, canonicalize("https://paypal.weebly.com/")).imitates == "paypal.com"
    no_secret = paypal.replace('type="password"', 'type="search"').replace('name="pass"', 'name="q"')
    assert judged(no_secret).imitates is None
    # Another site's sign-in offered on a page is no claim to be that site.
    shop = SIGN_IN.format(title="Sign in with Google or your email | Meadow Shop", heading="Continue with Google", action="", text="Welcome")
    assert judged(shop).imitates is None
    assert judged(SIGN_IN.format(title="Log in to your account", heading="Home", action="", text="Shop more")).imitates is None


def address_verdict(url: str, score: float, reason: str = "model") -> Verdict:
    card = ModelCard.read(Path(__file__).resolve().parent.parent / "daemon" / "baitwatch" / "model")
    verdict = Verdict.scored(canonicalize(url), score, card)
    return verdict if reason == "model" else replace(verdict, verdict="phishing", score=None, reason=reason, imitates="paypal.com")


def test_the_page_raises_a_missed_address_and_calms_a_flagged_one_that_asks_for_nothing():
    raised = combine(address_verdict("https://brand-new-shop.example/", 0.2), judged(saved("facebook-kit")))
    assert (raised.verdict, raised.reason, raised.imitates) == ("phishing", "page", "facebook.com")
    quiet = judged(saved("acronymfinder-home"))
    calmed = combine(address_verdict("https://brand-new-shop.example/", 0.9999), quiet)
    assert (calmed.verdict, calmed.reason) == ("suspicious", "page-asks-nothing") and calmed.page["verdict"] == "safe"


def test_a_copy_cut_short_never_calms_a_flagged_address():
    html = saved("acronymfinder-home")
    assert judge_html(html, NEW_SITE).verdict == "safe"
    assert judge_html(html, NEW_SITE, truncated=True).verdict == "unsure"  # its form could be past the cut


def test_the_page_never_overrides_a_rule_and_an_unreadable_page_changes_nothing():
    lookalike = address_verdict("https://paypa1.com/", 0.0, reason="lookalike")
    assert combine(lookalike, judged(saved("acronymfinder-home"))).verdict == "phishing"
    flagged = address_verdict("https://brand-new-shop.example/", 0.9999)
    kept = combine(flagged, PageVerdict.unreadable("The page holds no HTML document."))
    assert (kept.verdict, kept.reason, kept.page["verdict"]) == ("phishing", "model", "error")
    # Nor what the model in use learnt from the person's reports, either way.
    card, site = ModelCard.read(SHIPPED_MODEL_DIR), canonicalize("https://brand-new-shop.example/")
    assert combine(Verdict.learnt(site, "phishing", card), judged(saved("acronymfinder-home"))).verdict == "phishing"
    assert combine(Verdict.learnt(site, "safe", card), judged(saved("facebook-kit"))).reason == "learnt-safe"


# --- hostile pages -------------------------------------------------------------------------
def test_a_page_over_the_size_limit_is_one_clear_error():
    with pytest.raises(PageError, match="more than the 5 MiB read") as error:
        read_page("<p>" + "x" * MAX_HTML_BYTES)
    assert error.value.code == "page-too-large"
    assert judge_html("<p>" + "x" * (50 << 20), NEW_SITE).verdict == "error"  # 50 MB


@pytest.mark.parametrize("html", [
    "<div>" * 1_000_000,  # a million nested elements (5 MB of tags)
    "<div>" * 400_000 + "<form><input type=password></form>",
    "<select>" + "<option>" * 600_000,  # quadratic in an HTML5 parser we tried
    "<font>x</p>" * 300_000,
    "<b><i><u>x" * 200_000,
])
def test_pathological_markup_is_read_in_time_or_refused(html):
    started = time.monotonic()
    verdict = judge_html(html, NEW_SITE)
    assert verdict.verdict in ("unsure", "safe", "error")  # never a crash, never a hang
    assert time.monotonic() - started < 60  # an HTML5 parser took minutes on these


def test_a_page_of_more_elements_than_read_is_judged_on_its_first_ones():
    evidence = read_page("<span>a</span>" * (MAX_ELEMENTS + 10))
    assert evidence.truncated and evidence.elements == MAX_ELEMENTS + 1


def test_broken_encodings_are_read_with_replacements():
    assert "caf" in decode_html(b"<p>caf\xe9 \xff\xfe</p>")  # not UTF-8: Windows-1252
    assert decode_html(b'<meta charset="shift_jis"><title>\x83\x8d\x83O\x83C\x83\x93</title>').endswith("ログイン</title>")
    assert decode_html(b"\xef\xbb\xbf<p>ok</p>") == "<p>ok</p>"
    assert decode_html(b'<meta charset="no-such-charset"><p>\xff</p>').endswith("\xff</p>")
    assert read_page("<title>\ud800 lone</title><p>x</p>").title == "? lone"  # a lone surrogate


def test_a_document_without_html_is_an_error_and_never_safe():
    for html in ("", "   ", "<?xml version='1.0' encoding='utf-8'?>"):
        assert judge_html(html, NEW_SITE).verdict == "error"
