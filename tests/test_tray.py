"""The tray icon for real, on a virtual X display with a system tray, against a real daemon."""

import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from baitwatch.client import DaemonClient
from baitwatch.config import Config
from baitwatch.errors import BaitwatchError
from tests.conftest import RunningDaemon, free_port, require_program, run_baitwatch

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def x_server(number: int):
    """A virtual X display, :number."""
    display = f":{number}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            assert time.time() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield display
    finally:
        gc.collect()  # pystray closes its X connection only when collected: do it while X still runs
        xvfb.terminate()
        xvfb.wait()


@contextlib.contextmanager
def tray_bar(display: str):
    """trayer, a freedesktop system tray, as on a desktop."""
    bar = subprocess.Popen(["trayer"], env={**os.environ, "DISPLAY": display}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_system_tray(display)
        yield
    finally:
        bar.terminate()
        bar.wait()


@pytest.fixture(scope="module")
def x_display():
    require_program("Xvfb", "xvfb")
    require_program("trayer", "trayer")
    with x_server(90 + os.getpid() % 400) as display, tray_bar(display):
        yield display


def wait_for_system_tray(display: str) -> None:
    """Until the tray bar owns the freedesktop system-tray selection, icons cannot dock."""
    from Xlib import X
    from Xlib.display import Display

    connection = Display(display)
    selection = connection.intern_atom("_NET_SYSTEM_TRAY_S0")
    try:
        wait_until(lambda: connection.get_selection_owner(selection) != X.NONE)
    finally:
        connection.close()


def call(daemon, method, path, body=None):
    request = urllib.request.Request(
        daemon.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {daemon.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_until(predicate, seconds=30.0):  # generous: it returns as soon as the predicate holds
    deadline = time.time() + seconds
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def test_tray_menu_toggles_protection_and_follows_the_daemon(tmp_path, x_display, monkeypatch):
    from baitwatch.tray import Tray

    daemon = RunningDaemon(tmp_path)
    monkeypatch.setenv("DISPLAY", x_display)
    monkeypatch.setenv("BAITWATCH_CONFIG_DIR", daemon.env["BAITWATCH_CONFIG_DIR"])
    try:
        tray = Tray(DaemonClient(Config(port=daemon.port)))
        runner = threading.Thread(target=tray.run_until_quit)
        runner.start()
        wait_until(lambda: tray.state == "protecting")
        toggle, pair = tray.icon.menu.items[0], tray.icon.menu.items[1]
        assert toggle.text == "Protection on" and toggle.checked is True
        model = call(daemon, "GET", "/v1/status")["model"]
        assert tray.icon.menu.items[3].text == f"Model {model['id']}, exported {model['exported'][:10]}"

        toggle(tray.icon)  # the user clicks the checkbox
        assert call(daemon, "GET", "/v1/settings") == {"enabled": False, "familiar_sites": True}
        assert toggle.checked is False and tray.state == "off"

        call(daemon, "PUT", "/v1/settings", {"enabled": True})  # e.g. from the extension's popup
        wait_until(lambda: toggle.checked is True)

        pair(tray.icon)
        code = tray.pairing_code
        assert code and len(code) == 6
        assert tray.icon.menu.items[2].text == f"Pairing code: {code}"
        assert call(daemon, "POST", "/v1/pair", {"code": code}) == {"token": daemon.token}

        learn, progress, undo = tray.icon.menu.items[4:7]
        assert learn.text == "Learn from my reports" and learn.enabled and not progress.visible and not undo.visible
        learn(tray.icon)  # no reports yet: told so, nothing starts
        assert tray.retrain.get("state", "idle") == "idle" and call(daemon, "GET", "/v1/retrain")["state"] == "idle"
        call(daemon, "POST", "/v1/feedback", {"url": "https://bakery.example/menu", "label": "safe"})
        learn(tray.icon)
        assert tray.retrain["state"] == "running" and not learn.enabled and progress.visible
        assert progress.text.startswith("Learning from your reports: ") and not undo.visible

        daemon.stop()  # the retrain it started stops with it
        wait_until(lambda: tray.state == "unreachable")
        assert toggle.enabled is False and not learn.enabled and not progress.visible

        tray.icon.menu.items[-1](tray.icon)  # Quit
        runner.join(timeout=30)
        assert not runner.is_alive()
    finally:
        if daemon.process.poll() is None:
            daemon.stop()


def test_quit_ends_the_tray_while_an_icon_update_hangs(x_display, monkeypatch):
    """pystray's X calls can wait on the X server for good; Quit (and SIGTERM) must not wait too."""
    from baitwatch.tray import Tray

    monkeypatch.setenv("DISPLAY", x_display)
    tray = Tray(DaemonClient(Config(port=free_port())))  # no daemon there: the icon shows unreachable
    runner = threading.Thread(target=tray.run_until_quit)
    runner.start()
    with tray._x_lock:  # what an icon update stuck inside an X call holds
        quitter = threading.Thread(target=tray.quit)
        quitter.start()
        quitter.join(timeout=5)
        runner.join(timeout=5)
        assert not quitter.is_alive() and not runner.is_alive()


def docked(display: str, title: str) -> bool:
    """Whether the window named ``title`` sits inside another window (the tray bar's), not on the root."""
    from Xlib.display import Display
    from Xlib.error import XError

    connection = Display(display)
    try:
        root = connection.screen().root
        windows = list(root.query_tree().children)
        while windows:
            window = windows.pop()
            try:
                if window.get_wm_name() == title:
                    return window.query_tree().parent != root
                windows.extend(window.query_tree().children)
            except XError:  # gone meanwhile
                continue
        return False
    finally:
        connection.close()


def test_the_icon_docks_into_a_tray_bar_that_starts_after_it(monkeypatch):
    """At login the daemon may start before the panel: the icon must still get into it."""
    from baitwatch import tray as tray_module

    monkeypatch.setattr(tray_module, "REDOCK_SECONDS", 0.5)
    with x_server(500 + os.getpid() % 400) as display:
        monkeypatch.setenv("DISPLAY", display)
        tray = tray_module.Tray(DaemonClient(Config(port=free_port())))  # no daemon there: unreachable
        runner = threading.Thread(target=tray.run_until_quit)
        runner.start()
        try:
            title = tray_module.LOOKS["unreachable"][1]
            wait_until(lambda: tray._shown_look is not None)
            assert not docked(display, title)
            with tray_bar(display):
                wait_until(lambda: docked(display, title))
        finally:
            tray.quit()
            runner.join(timeout=10)


def test_serve_shows_the_tray_and_stops_on_sigterm(tmp_path, x_display):
    port = free_port()
    env = {
        **os.environ, "DISPLAY": x_display,
        "BAITWATCH_CONFIG_DIR": str(tmp_path / "config"), "BAITWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "baitwatch", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    wait_until(lambda: _answers(port), seconds=60)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "running without a tray icon" not in output
    assert "shutting down" in output


def _answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=1):
            return True
    except OSError:
        return False


def test_without_a_display_the_tray_says_so(monkeypatch):
    from baitwatch.tray import Tray

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(BaitwatchError, match="no display"):
        Tray(DaemonClient(Config()))
    result = run_baitwatch("tray", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert result.returncode == 1
    assert "baitwatch: error: no display" in result.stderr and "Traceback" not in result.stderr
