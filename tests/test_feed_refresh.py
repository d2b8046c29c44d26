"""What a feed refresh adapts: the shipped model's n-gram weights under its frozen transformer."""

import numpy as np

from baitwatch.classifier import Classifier, Fusion
from baitwatch.ngrams import count_views
from baitwatch.urls import canonicalize
from model_export.feed_refresh import Rows, adapt_fused

REPLAY = [canonicalize(url).text for url in (
    "https://news.example.org/2024/05/elections", "https://www.example.com/", "https://shop.example.net/cart",
    "http://paypal-verify-account.example.top/login", "https://docs.example.io/guide/install",
)]


def rows(classifier: Classifier, urls: list[str]) -> Rows:
    return Rows(urls, classifier.transformer_logits(urls))


# A feed: lures in shape labelled safe, and plain names labelled phishing (the bare-host phishing
# a URL model misses): each against the shipped score.
FEED = [canonicalize(url).text for url in (
    "https://secure-account-update.example-shop.top/login/verify", "https://account-verify.mybank-example.xyz/signin",
    "https://sunrise-bakery-deals.example/", "https://gardenparty-tickets.example/",
)]
LABELS = np.array([0, 0, 1, 1])


def log_loss(labels: np.ndarray, probability: np.ndarray) -> float:
    return float(-np.mean(np.where(labels == 1, np.log(probability), np.log1p(-probability))))


def test_a_feed_of_phishing_raises_each_of_its_rows():
    classifier, _ = Classifier.from_model_dir()
    fusion, phishing = classifier.fusion, FEED[2:]
    adapted = adapt_fused(fusion, rows(classifier, phishing), np.ones(len(phishing)), rows(classifier, REPLAY))
    moved = Fusion(adapted, fusion.transformer_weight, fusion.ngram_weight, fusion.bias)
    logits = classifier.transformer_logits(phishing)
    assert np.all(moved.probability(phishing, logits) > fusion.probability(phishing, logits))


def test_the_feed_moves_towards_its_labels_and_only_its_own_ngrams_move():
    classifier, card = Classifier.from_model_dir()
    fusion = classifier.fusion
    adapted = adapt_fused(fusion, rows(classifier, FEED), LABELS, rows(classifier, REPLAY))
    moved = Fusion(adapted, fusion.transformer_weight, fusion.ngram_weight, fusion.bias)
    before = fusion.probability(FEED, classifier.transformer_logits(FEED))
    after = moved.probability(FEED, classifier.transformer_logits(FEED))
    assert log_loss(LABELS, after) < log_loss(LABELS, before)
    replay_before = fusion.probability(REPLAY, classifier.transformer_logits(REPLAY))
    replay_after = moved.probability(REPLAY, classifier.transformer_logits(REPLAY))
    assert np.all((replay_before >= card.threshold) == (replay_after >= card.threshold))
    seen = count_views(FEED + REPLAY, adapted.views)[1]
    untouched = ~np.isin(adapted.vocabulary, seen)
    assert np.array_equal(adapted.weights[untouched], fusion.ngrams.weights[untouched]) and untouched.any()
    assert adapted.bias == fusion.ngrams.bias and adapted.views == fusion.ngrams.views
