"""The transformer logits a retrain reads instead of scoring the kept rows again (model_export/logit_memo.py)."""

import random
import shutil

import numpy as np

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier
from model_export.export import TRAINABLE_DIR
from model_export.logit_memo import MEMO_FILE, kept_rows, read_memo, transformer_logits

SHIPPED_TRAINABLE = SHIPPED_MODEL_DIR / TRAINABLE_DIR


def test_the_shipped_models_saved_logits_are_its_transformers_own_for_every_kept_row():
    classifier, card = Classifier.from_model_dir()
    rows = kept_rows(SHIPPED_TRAINABLE)
    memo = read_memo(SHIPPED_TRAINABLE, card.sha256, rows)
    assert len(memo) == sum(len(data.urls) for data in rows.values())
    urls = random.Random(3).sample(sorted(memo), 48)
    assert np.array_equal(np.array([memo[url] for url in urls], dtype=np.float32), classifier.transformer_logits(urls))


def test_logits_of_another_transformer_other_rows_or_a_damaged_file_are_scored_again(tmp_path):
    classifier, card = Classifier.from_model_dir()
    rows = kept_rows(SHIPPED_TRAINABLE)
    assert read_memo(SHIPPED_TRAINABLE, "0" * 64, rows) == {}  # another transformer's
    fewer = {"replay": rows["replay"].subset(np.arange(10)), "held_out": rows["held_out"]}
    assert set(read_memo(SHIPPED_TRAINABLE, card.sha256, fewer)) == set(rows["held_out"].urls)  # the replay's rows changed
    shutil.copyfile(SHIPPED_TRAINABLE / MEMO_FILE, tmp_path / MEMO_FILE)
    with open(tmp_path / MEMO_FILE, "r+b") as stream:
        stream.truncate(1000)
    assert read_memo(tmp_path, card.sha256, rows) == {}
    fresh = ["https://paypal.com.secure-login.example/", rows["replay"].urls[0]]
    assert np.array_equal(transformer_logits(classifier, fresh, {}), classifier.transformer_logits(fresh))
