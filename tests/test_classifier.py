"""The shipped model through the classifier: its fused score, which never depends on the batch."""

import csv
import gzip
import json
import random
import shutil

import numpy as np
import onnx
import onnxruntime
import pytest

from baitwatch.classifier import CARD_FILE, MODEL_FILE, SHIPPED_MODEL_DIR, UNFUSED, Classifier, sigmoid
from baitwatch.errors import BaitwatchError
from baitwatch.ngrams import NGRAM_FILE, NgramModel
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


def test_handing_the_arenas_memory_back_leaves_every_score_as_onnxruntimes_defaults_give_it():
    """Handing the arena's memory back after a batch (classifier.py) changes where memory comes from, not one bit of a logit."""
    classifier, _ = Classifier.from_model_dir()
    plain = onnxruntime.InferenceSession(str(SHIPPED_MODEL_DIR / MODEL_FILE), providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED)
    with gzip.open(CORPUS, "rt", encoding="utf-8", newline="") as stream:
        urls = [row["url"] for row in random.Random(12).sample(list(csv.DictReader(stream)), 64)]
    batched = classifier.transformer_logits(urls)
    for rows, feeds in classifier.batches(urls):
        (logits,) = plain.run(["logits"], feeds)
        assert np.array_equal(batched[rows], logits[:, 1] - logits[:, 0])


def test_onnxruntime_keeps_the_shipped_models_layer_norms_apart(tmp_path):
    """Fused into SkipLayerNormalization at load, they would run 3x slower and move scores off those export judged."""

    def loaded_ops(disabled: list[str]) -> set[str]:
        options = onnxruntime.SessionOptions()
        options.optimized_model_filepath = str(tmp_path / "loaded.onnx")
        onnxruntime.InferenceSession(str(SHIPPED_MODEL_DIR / MODEL_FILE), options, providers=["CPUExecutionProvider"], disabled_optimizers=disabled)
        return {node.op_type for node in onnx.load(str(tmp_path / "loaded.onnx")).graph.node}

    assert "SkipLayerNormalization" in loaded_ops([])  # so the name in UNFUSED is one this onnxruntime knows
    assert "SkipLayerNormalization" not in loaded_ops(UNFUSED) and "LayerNormalization" in loaded_ops(UNFUSED)


def shipped_copy(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, folder, ignore=shutil.ignore_patterns("trainable"))
    return folder


def test_the_shipped_score_fuses_the_transformer_with_the_ngram_model():
    classifier, card = Classifier.from_model_dir()
    urls = ["https://paypal.com.secure-login.example/", "https://www.wikipedia.org/"]
    transformer = classifier.transformer_logits(urls)
    ngrams = NgramModel.load(SHIPPED_MODEL_DIR / NGRAM_FILE).logits(urls)
    weights = card.fusion
    expected = sigmoid(weights["transformer_weight"] * transformer + weights["ngram_weight"] * ngrams + weights["bias"])
    assert np.allclose(classifier.score(urls), expected, rtol=0, atol=1e-6)
    scores = classifier.score(urls).astype(np.float64)
    assert not np.allclose(np.log(scores / (1 - scores)), transformer, atol=0.5)  # the n-grams moved the log-odds


def test_a_missing_ngram_model_is_one_clear_error(tmp_path):
    folder = shipped_copy(tmp_path)
    (folder / NGRAM_FILE).unlink()
    with pytest.raises(BaitwatchError, match=f"{NGRAM_FILE} is missing"):
        Classifier.from_model_dir(folder)


def test_a_replaced_ngram_model_is_refused(tmp_path):
    folder = shipped_copy(tmp_path)
    NgramModel(np.arange(4, dtype=np.uint64), np.ones(4, np.float16), np.ones(4, np.float16), 0.0).save(folder / NGRAM_FILE)
    with pytest.raises(BaitwatchError, match="does not match the hash"):
        Classifier.from_model_dir(folder)


def test_a_fusion_weight_that_is_not_a_number_is_one_clear_error(tmp_path):
    folder = shipped_copy(tmp_path)
    card = json.loads((folder / CARD_FILE).read_text())
    card["fusion"]["ngram_weight"] = "NaN"
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(BaitwatchError, match="unreadable or incomplete"):
        Classifier.from_model_dir(folder)
