"""The data files shipped inside the package (site lists, platforms): one clear error when one
is missing or damaged, since nothing works as documented without it."""

from __future__ import annotations

from pathlib import Path

from baitwatch.errors import BaitwatchError


def read_shipped_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise BaitwatchError(f"the shipped file {path} is missing or unreadable ({reason}); reinstall baitwatch") from None
