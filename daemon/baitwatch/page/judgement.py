"""The page's verdict, and one verdict from the address and the page.

The page alone is **phishing** when
* it asks for a secret (a password, a card, a one-time code, a wallet's phrase, an identity
  number) and presents itself as a brand whose own sites do not include this one (the brand
  rule: ``imitates`` names the brand's domain), and the page model finds it at least a little
  like phishing (``with_brand``: a real site that shows a partner's name, a bank's card
  partner say, reads like itself, not like a kit); or
* the page model alone scores it at or above ``phishing``.

It is **safe** (it *asks for nothing*) when it has no field that asks for a secret or for who
you are, claims no brand, has words enough to be read, and scores below ``asks_nothing``.
Otherwise it says nothing either way (``suspicious`` is not used for a page alone).

Joined with the address's verdict (``combine``): the page can only raise a verdict of the model
(``safe`` or ``suspicious`` becomes ``phishing``, reason ``page``), or calm one: an address the
model flagged whose page asks for nothing gets the quiet ``suspicious`` notice instead of the
full warning (reason ``page-asks-nothing``). A page never overrides the rules: a lookalike, a
skipped site, your own trust. A page that could not be read changes nothing: an error is
never taken as safe.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from baitwatch.page.brands import BrandIndex, Claim
from baitwatch.page.evidence import SECRET_KINDS, PageEvidence
from baitwatch.page.page_model import PageModel
from baitwatch.platforms import shipped_platforms
from baitwatch.urls import CanonicalUrl
from baitwatch.verdict import Verdict

MIN_WORDS = 30  # fewer words than this and a page cannot be told to ask for nothing (a challenge, a blank shell)
SECRET_WORDS = {
    "password": "a password", "one-time code": "a one-time code", "card": "card details",
    "secret phrase": "a wallet's secret phrase", "identity number": "an identity number",
}


@dataclass(frozen=True)
class PageVerdict:
    score: float | None  # the page model's, 0..1; None when the page could not be read
    verdict: str  # "phishing", "safe" (asks for nothing), "unsure", or "error"
    reasons: list[str]  # plain words, most telling first
    imitates: str | None = None  # the brand's domain, when the brand rule decided
    error: str | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key != "error" or value is not None}

    @classmethod
    def unreadable(cls, error: str) -> PageVerdict:
        return cls(None, "error", [], None, error)


def judge_page(evidence: PageEvidence, url: CanonicalUrl, model: PageModel, brands: BrandIndex) -> PageVerdict:
    claim = brands.claim(evidence)
    return decide(evidence, url, claim, model.score(evidence, claim), model.levels, brands)


def decide(evidence: PageEvidence, url: CanonicalUrl, claim: Claim | None, score: float, levels: dict, brands: BrandIndex) -> PageVerdict:
    """The page's verdict from its evidence, the brand it claims and its page-model score."""
    score = round(score, 6)
    asks = [f"asks for {SECRET_WORDS[kind]}" for kind in SECRET_KINDS if evidence.fields.get(kind)]
    foreign = imitated(evidence, url, claim, brands)
    if foreign and score >= levels["with_brand"]:
        domain = foreign.brand.domains[0]
        return PageVerdict(score, "phishing", [f"presents itself as {foreign.brand.name}, but {domain} is not this site", *asks], domain)
    if score >= levels["phishing"]:
        return PageVerdict(score, "phishing", ["reads like a phishing page", *asks])
    if asks_for_nothing(evidence, claim) and score < levels["asks_nothing"]:
        return PageVerdict(score, "safe", ["asks for nothing and presents itself as no other site"])
    return PageVerdict(score, "unsure", asks)


def imitated(evidence: PageEvidence, url: CanonicalUrl, claim: Claim | None, brands: BrandIndex) -> Claim | None:
    """The brand rule: the claim of a page that asks for a secret under a brand not its site's own."""
    return claim if claim and evidence.asks_secrets() and not owns(brands, claim, url) else None


def asks_for_nothing(evidence: PageEvidence, claim: Claim | None) -> bool:
    """No field asks for a secret or for who you are, no brand is claimed, and there are words
    enough to tell; and the page was read whole (a page padded past the copy's size could hide
    its form beyond it)."""
    return not evidence.asks_anything() and claim is None and len(evidence.text.split()) >= MIN_WORDS and not evidence.truncated


def owns(brands: BrandIndex, claim: Claim, url: CanonicalUrl) -> bool:
    """Whether ``url`` is on the claimed brand's own site. The same name under another suffix
    (``paypal.de`` for ``paypal.com``) may be the brand's too, as for lookalikes; a user's site
    on a shared platform never is (a page on ``square.site`` that names Square is someone's)."""
    domain = url.registrable_domain
    if not domain or shipped_platforms().is_shared(url.host):
        return False
    return domain in claim.brand.domains or domain.split(".", 1)[0] in {own.split(".", 1)[0] for own in claim.brand.domains}


def combine(address: Verdict, page: PageVerdict) -> Verdict:
    """The verdict from the address's and the page's."""
    if address.reason != "model":  # rules (lookalike, skips) and familiar sites stand as they are
        return replace(address, page=page.as_dict())
    if page.verdict == "phishing" and address.verdict != "phishing":
        return replace(address, verdict="phishing", reason="page", imitates=page.imitates, page=page.as_dict())
    if page.verdict == "safe" and address.verdict == "phishing":
        return replace(address, verdict="suspicious", reason="page-asks-nothing", page=page.as_dict())
    return replace(address, page=page.as_dict())
