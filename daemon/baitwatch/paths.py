"""Where baitwatch keeps its files: the platform's per-user folders, or the BAITWATCH_*_DIR overrides."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

_DIRS = PlatformDirs("baitwatch", appauthor=False)


def config_dir() -> Path:
    """config.toml and the per-install token."""
    return Path(os.environ.get("BAITWATCH_CONFIG_DIR") or _DIRS.user_config_dir)


def data_dir() -> Path:
    """The user's settings, allowlist and feedback."""
    return Path(os.environ.get("BAITWATCH_DATA_DIR") or _DIRS.user_data_dir)


def models_dir() -> Path:
    """The models the user installed (retrained ones), and the record of which is active."""
    return data_dir() / "models"
