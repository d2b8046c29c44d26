"""train -> export -> check, for real, on a sample of the corpus and the offline base model."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime
import pytest

from baitwatch.classifier import Classifier, file_sha256
from model_export.data import load_dataset
from model_export.evaluate import legitimate_groups
from model_export.export import _export_onnx, _optimize, _save_tokenizer, _sequence_classifier_config, export
from model_export.logit_memo import kept_rows, read_memo
from model_export.quantize import FORMATS, StaticInt8, WeightInt8
from tests.conftest import run_baitwatch

pytestmark = pytest.mark.training


def test_training_learns_something_real_on_held_out_sites(trained_checkpoint):
    record = json.loads((trained_checkpoint / "training.json").read_text())
    assert record["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert record["data"]["split"].startswith("stratified, grouped by registrable domain")
    test = record["test"]["overall"]
    assert test["rows"] > 80
    assert test["roc_auc"] > 0.8
    assert record["train_urls_per_second"] > 0
    assert record["hyperparameters"]["layers"] == 3
    assert json.loads((trained_checkpoint / "config.json").read_text())["num_hidden_layers"] == 3
    for name in ("config.json", "model.safetensors", "tokenizer.json", "validation.csv.gz", "test.csv.gz", "future.csv.gz",
                 "trained_domains.txt.gz", "ngrams.npz"):
        assert (trained_checkpoint / name).is_file()
    assert record["ngrams"]["rows"] == record["data"]["split_sizes"]["train"]  # no sample asked for: the whole split
    assert record["data"]["split_sizes"]["future"] > 150  # the newest phishing and unseen legitimate sites
    assert [f["name"] for f in record["data"]["files"]] == ["sample.csv", "phish_2022_2025.csv", "legit_links.csv"]


def test_export_writes_an_int8_onnx_model_with_a_truthful_card(exported_model, trained_checkpoint):
    card = json.loads((exported_model / "model.json").read_text())
    assert card["onnx_sha256"] == file_sha256(exported_model / "model.onnx")
    assert card["labels"] == ["safe", "phishing"]
    assert 0 < card["threshold"] <= 1
    assert card["max_length"] == 32
    assert card["data"]["files"] == json.loads((trained_checkpoint / "training.json").read_text())["data"]["files"]
    assert card["metrics"]["int8"]["overall"]["roc_auc"] > 0.8
    assert card["metrics"]["int8_fp32_verdict_agreement"] >= 0.99
    assert 0 < card["suspicious_threshold"] <= card["threshold"]
    # The shipped score fuses the transformer with the n-gram model, both weighing in.
    assert card["fusion"]["ngram_sha256"] == file_sha256(exported_model / "ngrams.npz")
    assert card["fusion"]["transformer_weight"] != 0 and card["fusion"]["ngram_weight"] != 0
    assert card["metrics"]["shipped"]["overall"]["roc_auc"] > 0.8
    future = card["metrics"]["future_int8"]
    assert future["overall"]["phishing"] == 150 and future["unseen_sites"]["rows"] > 0
    assert set(future["false_positives"]) == {"deep links", "homepages", "user-content platforms", "account and sign-in pages"}
    for name in ("replay.csv.gz", "validation.csv.gz", "test.csv.gz"):  # what baitwatch retrain needs
        assert (exported_model / "trainable" / name).is_file()
    # and the transformer's logits of those rows, which it reads instead of scoring them again
    kept_logits = read_memo(exported_model / "trainable", card["onnx_sha256"], kept_rows(exported_model / "trainable"))
    assert len(kept_logits) == sum(len(data.urls) for data in kept_rows(exported_model / "trainable").values()) > 0
    kept = json.loads((exported_model / "trainable" / "config.json").read_text())
    assert kept["dtype"] == "float16" and kept["num_hidden_layers"] == 3
    session = onnxruntime.InferenceSession(str(exported_model / "model.onnx"), providers=["CPUExecutionProvider"])
    ops = {node.op_type for node in onnx.load(str(exported_model / "model.onnx")).graph.node}
    # The format export shipped: the first of model_export/quantize.py's that the gate let through.
    assert card["quantization"]["name"] in {quantization.name for quantization in FORMATS}
    assert ("MatMulNBits" in ops) == (card["quantization"]["name"] == "weight-int8")
    assert ("QuantizeLinear" in ops) == (card["quantization"]["name"] == "static-int8")
    assert "MultiHeadAttention" in ops and "Transpose" not in ops  # each layer's attention fused
    shapes = {i.name: i.shape for i in session.get_inputs()}
    assert all(isinstance(dim, str) for dim in shapes["input_ids"])  # dynamic batch and sequence


def test_a_retrain_warm_starts_from_the_weights_an_export_keeps(exported_model, corpus_sample, tmp_path):
    out = tmp_path / "retrained"
    result = run_baitwatch(
        "train", "--data", str(corpus_sample), "--base-model", str(exported_model / "trainable"), "--out", str(out),
        "--epochs", "1", "--max-length", "32", "--lr", "1e-5", "--seed", "4", "--max-train-rows", "200",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((out / "training.json").read_text())
    assert record["base_model"] == str(exported_model / "trainable")
    assert record["hyperparameters"]["layers"] == 3  # the kept model's depth, not the base's six
    assert record["test"]["overall"]["roc_auc"] > 0.8  # 200 rows at a small rate: what it knows came with the weights


def test_deep_links_and_homepages_each_get_the_threshold_they_need(exported_model, trained_checkpoint):
    """The card's thresholds, applied as the daemon applies them, keep false alarms within the
    target on validation's deep links and on its homepages, and neither is stricter than its
    own kind of page needs (one threshold for both would be, for one of them)."""
    classifier, card = Classifier.from_model_dir(exported_model)
    validation, _ = load_dataset(trained_checkpoint / "validation.csv.gz")
    scores = classifier.score(validation.urls)
    groups = legitimate_groups(validation)
    for name, homepage in {"deep links": False, "homepages": True}.items():
        legitimate, (threshold, suspicious) = scores[groups[name]], card.levels(homepage)
        assert len(legitimate) >= 20  # enough of each for the rule to mean something
        assert (legitimate >= threshold).mean() <= card.raw["target_fpr"], name
        assert legitimate[legitimate < threshold].max() == pytest.approx(threshold, abs=1e-5), name
        assert 0 < suspicious <= threshold


def test_exported_model_scores_batches_like_single_urls(exported_model):
    classifier, _ = Classifier.from_model_dir(exported_model)
    urls = ["https://shop.example-store.test/cart", "http://secure-login.paypal.com.verify-account.example/signin", "https://a.example/" + "x" * 500]
    together = classifier.score(urls)
    alone = [classifier.score([url])[0] for url in urls]
    # Float sums in another order may differ in the last bits; a kernel or padding effect is 1e-4 and up.
    assert max(abs(a - b) for a, b in zip(together, alone)) < 1e-6


@pytest.fixture(scope="module")
def fp32_graph(trained_checkpoint, tmp_path_factory) -> Path:
    """A folder with the trained checkpoint as the fp32 ONNX graph export quantizes, and its tokenizer."""
    work = tmp_path_factory.mktemp("fp32")
    _export_onnx(trained_checkpoint, work / "fp32.onnx")
    _optimize(work / "fp32.onnx", work / "model.onnx", _sequence_classifier_config(trained_checkpoint))
    _save_tokenizer(trained_checkpoint, work / "tokenizer.json")
    return work


@pytest.mark.parametrize("quantization", FORMATS, ids=lambda quantization: quantization.name)
def test_each_int8_format_scores_a_url_alike_in_any_batch_and_near_fp32(quantization, fp32_graph, trained_checkpoint, tmp_path):
    fp32 = Classifier(fp32_graph / "model.onnx", fp32_graph / "tokenizer.json", 32)
    calibration_urls = load_dataset(trained_checkpoint / "validation.csv.gz")[0].urls
    quantization.write(
        fp32_graph / "model.onnx", tmp_path / "model.onnx", lambda count: (feeds for _, feeds in fp32.batches(calibration_urls[:count]))
    )
    int8 = Classifier(tmp_path / "model.onnx", fp32_graph / "tokenizer.json", 32)
    urls = load_dataset(trained_checkpoint / "test.csv.gz")[0].urls[:400]
    together = int8.transformer_logits(urls)
    alone = np.array([int8.transformer_logits([url])[0] for url in urls[:60]])
    assert np.abs(together[:60] - alone).max() < 1e-6  # a per-call activation scale moves a logit by 0.01 and more
    graph = onnx.load(str(tmp_path / "model.onnx")).graph
    stored = {item.name: onnx.numpy_helper.to_array(item) for item in graph.initializer}
    int8_weights = [stored[node.input[0]] for node in graph.node if node.op_type == "DequantizeLinear" and node.input[0] in stored]
    # Weights within 7 bits: no 16-bit pair sum of a u8 x s8 kernel without VNNI can overflow.
    assert all(np.abs(weights.astype(int)).max() <= 64 for weights in int8_weights if weights.dtype == np.int8)
    # Here static int8 moved logits by 0.06 on average and weight-only int8 by 0.02; an
    # activation scale calibrated wrong moves them by whole units.
    assert np.abs(together - fp32.transformer_logits(urls)).mean() < 0.1


def test_export_ships_weight_only_int8_when_static_int8_cannot_be_written(trained_checkpoint, tmp_path):
    unwritable = StaticInt8(calibration_method="NoSuchMethod")
    card = export(trained_checkpoint, tmp_path / "model", formats=(unwritable, WeightInt8()))
    assert card["quantization"]["name"] == "weight-int8"
    assert len(card["quantization"]["refused"]) == 1 and card["quantization"]["refused"][0].startswith("static-int8: could not be written")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["model.json", "model.onnx", "ngrams.npz", "tokenizer.json", "trainable"]
    Classifier.from_model_dir(tmp_path / "model")  # the daemon loads it


def test_check_json_reads_stdin_and_keeps_input_order(exported_model):
    lines = ["https://shop.example-store.test/cart", "", "mailto:a@b.example", "not a url", "http://192.168.1.1/", "HTTPS://Example.com/a#frag"]
    result = run_baitwatch("check", "--model", str(exported_model), "--json", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 2, result.stderr  # one input was not a URL
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["url"] for a in answers] == [
        "https://shop.example-store.test/cart", "mailto:a@b.example", "not a url", "http://192.168.1.1/", "https://example.com/a",
    ]
    assert answers[0]["verdict"] in {"safe", "phishing"} and answers[0]["reason"] == "model"
    assert 0 <= answers[0]["score"] <= 1
    assert answers[1]["verdict"] == "skipped" and answers[1]["reason"] == "not-web"
    assert "error" in answers[2]
    assert answers[3]["reason"] == "private-address"


def test_evaluate_prints_the_table_and_saves_plots(exported_model, trained_checkpoint, tmp_path):
    result = run_baitwatch("evaluate", str(exported_model), "--data", str(trained_checkpoint / "test.csv.gz"), "--plots", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "roc_auc" in result.stdout and "tpr_at_fpr_0.1pct" in result.stdout
    for name in ("roc.png", "scores.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_model_card_tells_the_commands_metrics_and_comparisons(exported_model, trained_checkpoint, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "model_export.model_card", str(exported_model), "--checkpoint", str(trained_checkpoint),
         "--out", str(tmp_path), "--compare", f"previous={exported_model}"],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    card = json.loads((exported_model / "model.json").read_text())
    text = (tmp_path / "README.md").read_text()
    assert card["training_command"] in text and card["export_command"] in text
    assert f"| threshold | {card['threshold']:.4f} (homepages: {card['homepage_threshold']:.4f}): for deep links and for homepages each" in text
    assert f"| transformer int8 | {card['metrics']['int8']['overall']['rows']} |" in text
    assert f"| shipped score (transformer + n-grams) | {card['metrics']['shipped']['overall']['rows']} |" in text
    future, alone = card["metrics"]["future_shipped"], card["metrics"]["future_int8"]
    assert "## Future test: next month's phishing" in text and "**The shipped score joins two models.**" in text
    shipped_row = f"| this model, shipped score (transformer + n-grams) | {future['overall']['roc_auc']:.4f} | {future['overall']['recall']:.4f} |"
    assert shipped_row in text
    assert f"| its transformer alone (int8, at {card['metrics']['transformer_threshold']:.4f}) | {alone['overall']['roc_auc']:.4f} |" in text
    assert f"| previous (`{card['id']}`) | {future['overall']['roc_auc']:.4f} |" in text  # the same model, compared with itself
    assert "**Why this training mix.**" in text and "**Missed phishing.**" in text
    assert "### The lookalike rule, before the model" in text and "| future test |" in text
    for kind in ("deep links", "homepages"):  # each kind apart, with the false-positive rate the comparison table gives it
        group = future["false_positives"][kind]
        kind_row = next(line for line in text.splitlines() if line.startswith(f"| {kind} | "))
        cells = [cell.strip() for cell in kind_row.strip("|").split("|")]
        assert cells[2] == str(group["rows"]) and cells[5] == f"{group['fpr']:.4f}", kind_row
    for name in ("roc.png", "scores.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_the_shipped_static_int8_model_gives_back_a_checkpoint_that_scores_as_it_does(tmp_path):
    """What a warm start needs, rebuilt from the int8 file alone (README: how a shipped model travels)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from baitwatch.classifier import SHIPPED_MODEL_DIR
    from baitwatch.urls import canonicalize

    result = subprocess.run([sys.executable, "-m", "model_export.recover", str(SHIPPED_MODEL_DIR), "--out", str(tmp_path / "ckpt")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    urls = [canonicalize(u).text for u in ("https://www.example.com/", "http://paypal-verify-account.xyz/login.php",
                                          "https://github.com/user/repo", "https://secure-bank-update.online/verify")]
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "ckpt", local_files_only=True).eval()
    tokens = AutoTokenizer.from_pretrained(tmp_path / "ckpt")(urls, return_tensors="pt", padding=True, truncation=True, max_length=64)
    with torch.no_grad():
        logits = model(**tokens).logits
    recovered = (logits[:, 1] - logits[:, 0]).numpy()
    shipped = Classifier.from_model_dir(SHIPPED_MODEL_DIR)[0].transformer_logits(urls)
    assert np.all(np.sign(recovered) == np.sign(shipped)) and np.max(np.abs(recovered - shipped)) < 1.0, (recovered, shipped)
