"""The layer a retrain adapts: the shipped model's n-gram weights under its frozen transformer."""

import numpy as np

from baitwatch.classifier import Classifier, Fusion
from baitwatch.ngrams import count_views
from baitwatch.urls import canonicalize
from model_export.personal_layer import Rows, adapt_fused

REPLAY = [canonicalize(url).text for url in (
    "https://news.example.org/2024/05/elections", "https://www.example.com/", "https://shop.example.net/cart",
    "http://paypal-verify-account.example.top/login", "https://docs.example.io/guide/install",
)]


def rows(classifier: Classifier, urls: list[str]) -> Rows:
    return Rows(urls, classifier.transformer_logits(urls))


# Lures in shape, harmless in fact; the test reports the one nearest the line, as a person's
# reports most often are.
CANDIDATES = [canonicalize(url).text for url in (
    "https://secure-account-update.example-shop.top/login/verify", "https://account-verify.mybank-example.xyz/signin",
    "https://login-secure.example-payments.online/confirm", "https://wallet-connect.example-dapp.app/claim",
)]


def test_a_report_crosses_its_level_and_only_its_own_ngrams_move():
    classifier, card = Classifier.from_model_dir()
    fusion = classifier.fusion
    scores = fusion.probability(CANDIDATES, classifier.transformer_logits(CANDIDATES))
    nearest = int(np.argmin(np.abs(scores - card.threshold)))
    reported, score = CANDIDATES[nearest], scores[nearest]
    label = int(score < card.threshold)  # the opposite of the shipped verdict
    level = card.threshold if label else card.suspicious_threshold or card.threshold
    adapted = adapt_fused(fusion, rows(classifier, [reported]), np.array([label]), np.array([level]), rows(classifier, REPLAY), report_weight=32)
    moved = Fusion(adapted, fusion.transformer_weight, fusion.ngram_weight, fusion.bias)
    after = moved.probability([reported], classifier.transformer_logits([reported]))[0]
    assert (after >= card.threshold) if label else (after < level)
    replay_before = fusion.probability(REPLAY, classifier.transformer_logits(REPLAY))
    replay_after = moved.probability(REPLAY, classifier.transformer_logits(REPLAY))
    assert np.all((replay_before >= card.threshold) == (replay_after >= card.threshold))
    seen = count_views([reported, *REPLAY], adapted.views)[1]
    untouched = ~np.isin(adapted.vocabulary, seen)
    assert np.array_equal(adapted.weights[untouched], fusion.ngrams.weights[untouched]) and untouched.any()
    assert adapted.bias == fusion.ngrams.bias and adapted.views == fusion.ngrams.views
