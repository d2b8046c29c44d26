"""The retrained model's memory of reported sites: what it scores, and how it is kept on disk."""

import json
import os
import shutil

import numpy as np
import pytest

from baitwatch.classifier import CARD_FILE, SHIPPED_MODEL_DIR, Classifier, file_sha256
from baitwatch.errors import BaitwatchError
from baitwatch.learnt_sites import KEY_FILE, LEARNT_SITES_FILE, LearntSites, personal_key
from baitwatch.urls import canonicalize

KEY = bytes(range(32))
URLS = [canonicalize(url).text for url in (
    "https://login.new-name.example/verify",  # a reported phishing site: every host and path of its domain
    "https://new-name.example/",
    "https://alice.github.io/shop/",  # a reported false alarm on a shared platform: that user's site only
    "https://bob.github.io/shop/",
    "https://other.example/",
)]
SITES = {"new-name.example": "phishing", "alice.github.io": "safe"}


def test_a_learnt_site_gets_its_verdict_on_every_page_and_no_other_site_changes():
    learnt = LearntSites.of_sites(SITES, KEY)
    scores = np.array([0.2, 0.4, 0.99, 0.99, 0.5], dtype=np.float32)
    assert learnt.apply(URLS, scores).tolist() == [1.0, 1.0, 0.0, np.float32(0.99), 0.5]
    assert scores[0] == np.float32(0.2)  # the caller's scores are left as they were
    assert (learnt.verdict("alice.github.io"), learnt.verdict("bob.github.io"), learnt.verdict(None)) == ("safe", None, None)
    assert learnt.counts() == {"phishing": 1, "safe": 1}


def test_the_file_names_no_site_and_its_hash_depends_on_the_key(tmp_path):
    for key, name in ((KEY, "a.json"), (bytes(32), "b.json")):
        LearntSites.of_sites(SITES, key).save(tmp_path / name)
    text = (tmp_path / "a.json").read_text()
    assert "new-name" not in text and "alice" not in text
    assert LearntSites.parse((tmp_path / "a.json").read_bytes(), tmp_path / "a.json") == LearntSites.of_sites(SITES, KEY)
    assert file_sha256(tmp_path / "a.json") != file_sha256(tmp_path / "b.json")  # the model id cannot be matched to guesses


def test_the_persons_key_is_made_once_for_them_alone_and_a_damaged_one_restored_from_the_model_in_use(tmp_path):
    key = personal_key(tmp_path)
    assert personal_key(tmp_path) == key and personal_key(tmp_path, known=KEY) == key and len(key) == 32
    assert os.stat(tmp_path / KEY_FILE).st_mode & 0o077 == 0
    (tmp_path / KEY_FILE).write_text("damaged")
    assert personal_key(tmp_path, known=KEY) == KEY == personal_key(tmp_path)  # the same reports keep making the same model


DIGEST = "a" * 64


@pytest.mark.parametrize("content", [
    {"key": DIGEST, "phishing": ["not a digest"]},
    {"key": DIGEST, "phishing": [DIGEST], "safe": [DIGEST]},  # one site, both verdicts
    {"key": DIGEST, "safe": DIGEST},  # not a list
    {"key": DIGEST, "safe": [int("1" * 64)]},  # a number is no digest
    {"phishing": [DIGEST]},  # no key
    [1, 2],
])
def test_a_damaged_file_is_one_clear_error(tmp_path, content):
    with pytest.raises(BaitwatchError, match="learnt sites .* (malformed|unreadable)"):
        LearntSites.parse(json.dumps(content).encode(), tmp_path / LEARNT_SITES_FILE)
    with pytest.raises(BaitwatchError, match="unreadable"):
        LearntSites.parse(b"\xff not json", tmp_path / LEARNT_SITES_FILE)
    with pytest.raises(BaitwatchError, match="unreadable"):
        LearntSites.parse(b"[" * 100_000, tmp_path / LEARNT_SITES_FILE)  # nested past Python's recursion limit


def test_a_model_loads_the_sites_its_card_names_scores_without_them_and_refuses_a_replaced_file(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder, ignore=shutil.ignore_patterns("trainable"))
    LearntSites.of_sites({"new-name.example": "phishing"}, KEY).save(folder / LEARNT_SITES_FILE)
    card = json.loads((folder / CARD_FILE).read_text())
    card["learnt_sites"] = {"sha256": file_sha256(folder / LEARNT_SITES_FILE), "phishing": 1, "safe": 0}
    (folder / CARD_FILE).write_text(json.dumps(card))
    shipped, _ = Classifier.from_model_dir()
    learnt, _ = Classifier.from_model_dir(folder)
    assert learnt.learnt_sites == LearntSites.of_sites({"new-name.example": "phishing"}, KEY)
    # The model's own score is the shipped one: only the person's checks get the learnt verdict (service.py).
    assert learnt.score(URLS).tolist() == shipped.score(URLS).tolist()
    LearntSites.of_sites({"other.example": "safe"}, KEY).save(folder / LEARNT_SITES_FILE)
    with pytest.raises(BaitwatchError, match="do not match the hash"):
        Classifier.from_model_dir(folder)
