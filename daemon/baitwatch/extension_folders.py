"""Where the ready-to-load browser extension is: ``baitwatch extension``.

The installer builds it into the data folder (``extension/chrome``, ``extension/firefox``);
in a development checkout the build's own output (``extension/dist``) serves as well.
"""

from __future__ import annotations

from pathlib import Path

from baitwatch.errors import BaitwatchError
from baitwatch.paths import data_dir

BROWSERS = ("chrome", "firefox")
# daemon/baitwatch/ -> the checkout's root, where an editable install runs from.
CHECKOUT_BUILD = Path(__file__).resolve().parents[2] / "extension" / "dist"


def installed_extension() -> Path | None:
    """The folder holding one built extension per browser, or None where there is none."""
    for root in (data_dir() / "extension", CHECKOUT_BUILD):
        if all((root / browser / "manifest.json").is_file() for browser in BROWSERS):
            return root
    return None


def how_to_load() -> str:
    root = installed_extension()
    if root is None:
        raise BaitwatchError(
            "the browser extension is not built on this computer; run installers/install.sh again with Node.js 20 or "
            "newer installed (https://nodejs.org/), or build it in a clone: cd extension && npm ci && npm run build"
        )
    return (
        f"Chrome, Chromium, Edge: open chrome://extensions, turn on Developer mode, Load unpacked: {root / 'chrome'}\n"
        f"Firefox: open about:debugging#/runtime/this-firefox, Load Temporary Add-on: {root / 'firefox' / 'manifest.json'}"
    )
