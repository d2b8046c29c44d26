"""The retrained model's memory of reported sites: what it scores, and how it is kept on disk."""

import json
import shutil

import numpy as np
import pytest

from baitwatch.classifier import CARD_FILE, SHIPPED_MODEL_DIR, Classifier, file_sha256
from baitwatch.errors import BaitwatchError
from baitwatch.learnt_sites import LEARNT_SITES_FILE, LearntSites, site_digest
from baitwatch.urls import canonicalize

URLS = [canonicalize(url).text for url in (
    "https://login.new-name.example/verify",  # a reported phishing site: every host and path of its domain
    "https://new-name.example/",
    "https://alice.github.io/shop/",  # a reported false alarm on a shared platform: that user's site only
    "https://bob.github.io/shop/",
    "https://other.example/",
)]


def test_a_learnt_site_gets_its_verdict_on_every_page_and_no_other_site_changes():
    learnt = LearntSites.of_sites({"new-name.example": "phishing", "alice.github.io": "safe"})
    scores = np.array([0.2, 0.4, 0.99, 0.99, 0.5], dtype=np.float32)
    assert learnt.apply(URLS, scores).tolist() == [1.0, 1.0, 0.0, np.float32(0.99), 0.5]
    assert scores[0] == np.float32(0.2)  # the caller's scores are left as they were
    assert learnt.counts() == {"phishing": 1, "safe": 1}


def test_the_file_keeps_digests_not_names_and_reads_back_the_same(tmp_path):
    learnt = LearntSites.of_sites({"new-name.example": "phishing", "alice.github.io": "safe"})
    learnt.save(tmp_path / LEARNT_SITES_FILE)
    text = (tmp_path / LEARNT_SITES_FILE).read_text()
    assert "new-name" not in text and site_digest("new-name.example") in text
    assert LearntSites.load(tmp_path / LEARNT_SITES_FILE) == learnt


@pytest.mark.parametrize("content", ['{"phishing": ["not a digest"]}', "[1, 2]", "not json", '{"safe": "' + "a" * 64 + '"}'])
def test_a_damaged_file_is_one_clear_error(tmp_path, content):
    (tmp_path / LEARNT_SITES_FILE).write_text(content)
    with pytest.raises(BaitwatchError, match="learnt sites .* (malformed|unreadable)"):
        LearntSites.load(tmp_path / LEARNT_SITES_FILE)


def test_a_model_scores_with_the_sites_its_card_names_and_refuses_a_replaced_file(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder, ignore=shutil.ignore_patterns("trainable"))
    LearntSites.of_sites({"new-name.example": "phishing"}).save(folder / LEARNT_SITES_FILE)
    card = json.loads((folder / CARD_FILE).read_text())
    card["learnt_sites"] = {"sha256": file_sha256(folder / LEARNT_SITES_FILE), "phishing": 1, "safe": 0}
    (folder / CARD_FILE).write_text(json.dumps(card))
    shipped, _ = Classifier.from_model_dir()
    learnt, _ = Classifier.from_model_dir(folder)
    assert learnt.score(URLS).tolist()[:2] == [1.0, 1.0]
    assert learnt.score(URLS)[2:].tolist() == shipped.score(URLS)[2:].tolist()
    LearntSites.of_sites({"other.example": "safe"}).save(folder / LEARNT_SITES_FILE)
    with pytest.raises(BaitwatchError, match="do not match the hash"):
        Classifier.from_model_dir(folder)
