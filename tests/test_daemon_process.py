"""A real ``baitwatch serve`` process on loopback: life cycle, CLI helpers, privacy."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import RunningDaemon, free_port, run_baitwatch


def post(daemon, path, body, token=None, method="POST"):
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(daemon.base + path, data=json.dumps(body).encode(), headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serves_checks_and_stops_gracefully_on_sigterm(daemon):
    answer = post(daemon, "/v1/check", {"url": "http://account-verify.example-bank.xyz/secret/path?session=42"})
    assert answer["reason"] == "model"
    assert daemon.stop() == 0
    log = daemon.log()
    assert "shutting down" in log
    assert "account-verify.example-bank.xyz" in log  # debug logging names the host...
    assert "secret/path" not in log and "session=42" not in log  # ...but never the full URL


def test_status_and_pair_commands_talk_to_the_daemon(daemon):
    env = {k: daemon.env[k] for k in ("BAITWATCH_CONFIG_DIR", "BAITWATCH_DATA_DIR")}
    status = run_baitwatch("status", "--port", str(daemon.port), env=env)
    assert status.returncode == 0, status.stderr
    assert "protection ON" in status.stdout
    assert "cache 0 entries" in status.stdout  # the CLI reads the token, so it sees the counters
    paired = run_baitwatch("pair", "--port", str(daemon.port), env=env)
    assert paired.returncode == 0, paired.stderr
    code = paired.stdout.split("Pairing code: ")[1].split()[0]
    assert post(daemon, "/v1/pair", {"code": code}) == {"token": daemon.token}


def test_the_daemon_process_never_loads_torch_or_transformers(daemon):
    post(daemon, "/v1/check", {"url": "https://example.org/"})
    maps = Path(f"/proc/{daemon.process.pid}/maps").read_text()
    assert "onnxruntime" in maps
    assert "libtorch" not in maps and "/torch/" not in maps


def test_the_daemon_writes_nothing_outside_its_own_folders(tmp_path):
    # Without the daemon's own opt-out, onnxruntime writes a device id and a queue of usage
    # events for Microsoft under ~/.cache; the child gets no opt-out from this test process.
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env |= {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    running = RunningDaemon(tmp_path, env=env)
    try:
        assert post(running, "/v1/check", {"url": "http://account-verify.example-bank.xyz/login"})["reason"] == "model"
    finally:
        running.stop()
    assert [str(p.relative_to(home)) for p in home.rglob("*")] == []


def test_scoring_imports_neither_torch_nor_transformers():
    code = (
        "import sys; from baitwatch.check import run_check; "
        "run_check(['https://example.org/login'], None, True); "
        "from baitwatch.server import create_app; import baitwatch.daemon, baitwatch.cli; "
        "assert not {'torch', 'transformers'} & set(sys.modules), 'heavy imports'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def one_clear_error(result, message):
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("baitwatch: error: ")
    assert message in result.stderr


def test_a_port_in_use_is_one_clear_error(daemon, tmp_path):
    result = run_baitwatch("serve", "--port", str(daemon.port), env={"BAITWATCH_CONFIG_DIR": str(tmp_path / "c2"), "BAITWATCH_DATA_DIR": str(tmp_path / "d2")}, timeout=60)
    one_clear_error(result, f"port {daemon.port} on 127.0.0.1 is already in use")


def test_a_non_loopback_host_is_refused(tmp_path):
    result = run_baitwatch("serve", "--host", "0.0.0.0", "--port", str(free_port()), timeout=60)
    one_clear_error(result, "refusing to listen on 0.0.0.0")


def test_a_corrupt_model_stops_start_up(tmp_path):
    from baitwatch.classifier import SHIPPED_MODEL_DIR

    model = tmp_path / "model"
    model.mkdir()
    for name in ("model.json", "tokenizer.json"):
        (model / name).write_bytes((SHIPPED_MODEL_DIR / name).read_bytes())
    (model / "model.onnx").write_bytes(b"not an onnx file")
    env = {"BAITWATCH_CONFIG_DIR": str(tmp_path / "c"), "BAITWATCH_DATA_DIR": str(tmp_path / "d")}
    result = run_baitwatch("serve", "--port", str(free_port()), "--model", str(model), env=env, timeout=60)
    one_clear_error(result, "does not match the hash")


def test_an_unreadable_config_stops_start_up(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.toml").write_text("port = [\n")
    result = run_baitwatch("serve", env={"BAITWATCH_CONFIG_DIR": str(tmp_path / "c")}, timeout=60)
    one_clear_error(result, "is not valid TOML")


def test_status_without_a_daemon_is_one_clear_error():
    one_clear_error(run_baitwatch("status", "--port", str(free_port())), "the daemon is not running")


def test_a_restarted_daemon_keeps_the_users_data(tmp_path):
    first = RunningDaemon(tmp_path)
    post(first, "/v1/allowlist", {"domain": "example-shop.xyz"}, first.token)
    post(first, "/v1/settings", {"enabled": False}, first.token, method="PUT")
    assert first.stop() == 0
    second = RunningDaemon(tmp_path)
    try:
        with urllib.request.urlopen(second.base + "/v1/allowlist", timeout=10) as response:
            assert json.loads(response.read())["domains"] == ["example-shop.xyz"]
        with urllib.request.urlopen(second.base + "/v1/settings", timeout=10) as response:
            assert json.loads(response.read()) == {"enabled": False, "familiar_sites": True}
    finally:
        second.stop()


def test_stopping_a_server_that_has_stopped_is_harmless(user_dirs):
    """The tray's Quit stops the server, and serve stops it again once the tray is gone."""
    import threading

    from baitwatch.config import Config
    from baitwatch.daemon import Server

    server = Server(Config(port=free_port()))
    thread = threading.Thread(target=server.run, args=(False,))
    thread.start()
    assert server.listening.wait(timeout=60) and server.error is None
    server.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    server.stop()
