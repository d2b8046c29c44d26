"""``baitwatch extension``: where the ready-to-load extension is, or how to get it."""

import json
import subprocess

from baitwatch import extension_folders
from baitwatch.cli import main
from tests.conftest import ROOT


def test_it_names_the_installed_build_of_each_browser(user_dirs, capsys):
    folder = user_dirs["data"] / "extension"
    subprocess.run(["node", str(ROOT / "extension" / "build.mjs"), "--out", str(folder)], check=True, capture_output=True)
    assert json.loads((folder / "firefox" / "manifest.json").read_text())["browser_specific_settings"]["gecko"]["id"]
    assert main(["extension"]) == 0
    told = capsys.readouterr().out
    assert f"Load unpacked: {folder / 'chrome'}" in told
    assert f"Load Temporary Add-on: {folder / 'firefox' / 'manifest.json'}" in told


def test_without_a_build_it_says_how_to_get_one(user_dirs, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(extension_folders, "CHECKOUT_BUILD", tmp_path / "no-checkout")
    (user_dirs["data"] / "extension" / "chrome").mkdir(parents=True)  # half a build is no build
    assert main(["extension"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("baitwatch: error: the browser extension is not built on this computer;")
    assert "Node.js 20" in error and "npm run build" in error and "\n" == error[-1] and error.count("\n") == 1
