"""The shipped model through the classifier: a URL's score never depends on its batch."""

import csv
import gzip
import random

import numpy as np

from baitwatch.classifier import Classifier
from tests.conftest import CORPUS


def test_shipped_model_scores_each_url_the_same_alone_and_in_any_batch():
    classifier, _ = Classifier.from_model_dir()
    with gzip.open(CORPUS, "rt", encoding="utf-8", newline="") as stream:
        urls = [row["url"] for row in random.Random(11).sample(list(csv.DictReader(stream)), 120)]
    together = classifier.score(urls)
    shuffled_order = np.random.default_rng(5).permutation(len(urls))
    shuffled = classifier.score([urls[i] for i in shuffled_order])
    alone = np.array([classifier.score([url])[0] for url in urls])
    assert np.abs(together - alone).max() < 1e-6
    assert np.abs(shuffled - together[shuffled_order]).max() < 1e-6
