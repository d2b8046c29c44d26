"""The Linux installer for real, in a temporary HOME, and the autostart files it writes."""

import json
import os
import plistlib
import subprocess

import pytest

from baitwatch.autostart import launchd_plist, systemd_unit
from tests.conftest import ROOT, free_port, require_program

pytestmark = pytest.mark.installer

INSTALLER = ROOT / "installers" / "install.sh"


def test_launchd_agent_is_a_valid_plist(tmp_path):
    command = ["/Users/a b/Library/Application Support/baitwatch/venv/bin/python", "-m", "baitwatch", "serve"]
    agent = plistlib.loads(launchd_plist(command, tmp_path))
    assert agent["Label"] == "org.baitwatch.daemon"
    assert agent["ProgramArguments"] == command
    assert agent["RunAtLoad"] is True


def test_systemd_unit_quotes_paths_with_spaces():
    unit = systemd_unit(["/home/a b/venv/bin/python", "-m", "baitwatch", "serve"])
    assert 'ExecStart="/home/a b/venv/bin/python" -m baitwatch serve' in unit


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    port = free_port()
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "BAITWATCH_AUTOSTART_DIR": str(home / "autostart"),
        "BAITWATCH_PORT": str(port),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    result = subprocess.run(["sh", str(INSTALLER)], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    yield home, env, result.stdout
    subprocess.run(["sh", str(INSTALLER), "--uninstall", "--purge"], env=env, capture_output=True, timeout=120)


def test_install_starts_a_daemon_that_answers_and_says_nothing_alarming(installed):
    home, env, output = installed
    assert "protection ON" in output
    assert "pair" in output
    assert "warning" not in output.lower() and "!!" not in output  # pip's and setuptools' notes stay out of it


def test_install_leaves_the_extension_ready_to_load_and_says_where(installed):
    home, env, output = installed
    folder = home / ".local" / "share" / "baitwatch" / "extension"
    for browser in ("chrome", "firefox"):
        assert json.loads((folder / browser / "manifest.json").read_text())["manifest_version"] == 3
    assert f"Load unpacked: {folder / 'chrome'}" in output
    assert f"Load Temporary Add-on: {folder / 'firefox' / 'manifest.json'}" in output
    baitwatch = home / ".local" / "share" / "baitwatch" / "venv" / "bin" / "baitwatch"
    told = subprocess.run([str(baitwatch), "extension"], capture_output=True, text=True, env=env)
    assert told.returncode == 0 and str(folder / "chrome") in told.stdout, told.stderr


def test_the_command_is_linked_into_local_bin_and_a_new_shell_finds_it(installed):
    home, env, output = installed
    bin_dir = home / ".local" / "bin"
    assert f"linked the baitwatch command: {bin_dir / 'baitwatch'}" in output
    assert f"{bin_dir} is not on this shell's PATH" in output  # the test's PATH lacks it
    shell = subprocess.run(["sh", "-c", "baitwatch status"], env={**env, "PATH": f"{bin_dir}:{env['PATH']}"}, capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr
    assert "protection ON" in shell.stdout


def test_one_message_tells_what_happens_at_the_next_login(installed):
    _, _, output = installed
    assert "wrote " in output and "without registering it" in output
    assert "start at login" not in output and "starts at every login" not in output


def test_the_unit_is_accepted_by_systemd(installed):
    home, env, _ = installed
    unit = home / "autostart" / "baitwatch.service"
    venv_python = home / ".local" / "share" / "baitwatch" / "venv" / "bin" / "python"
    assert f"ExecStart={venv_python} -m baitwatch serve" in unit.read_text()
    require_program("systemd-analyze", "systemd")
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    check = subprocess.run(
        ["systemd-analyze", "verify", "--user", str(unit)],
        capture_output=True, text=True, env={**os.environ, **env, "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert check.returncode == 0, check.stderr


def test_the_installed_venv_gives_verdicts(installed):
    home, env, _ = installed
    baitwatch = home / ".local" / "share" / "baitwatch" / "venv" / "bin" / "baitwatch"
    result = subprocess.run([str(baitwatch), "check", "--json", "https://example.org/", "mailto:a@b.example"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert '"reason": "not-web"' in result.stdout


def test_reinstall_upgrades_in_place_and_uninstall_keeps_user_data(installed):
    home, env, _ = installed
    data = home / ".local" / "share" / "baitwatch"
    (data / "allowlist.json").write_text('["example.org"]\n')
    again = subprocess.run(["sh", str(INSTALLER)], env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert "upgrading the installation" in again.stdout
    removed = subprocess.run(["sh", str(INSTALLER), "--uninstall"], env=env, capture_output=True, text=True, timeout=120)
    assert removed.returncode == 0, removed.stderr
    assert not (home / "autostart" / "baitwatch.service").exists()
    assert not (data / "venv").exists()
    assert not (home / ".local" / "bin" / "baitwatch").exists()
    assert sorted(p.name for p in data.iterdir()) == ["allowlist.json"]
    purged = subprocess.run(["sh", str(INSTALLER), "--uninstall", "--purge"], env=env, capture_output=True, text=True, timeout=120)
    assert purged.returncode == 0, purged.stderr
    assert not data.exists()
    assert not (home / ".config" / "baitwatch").exists()
