"""Start the daemon with the user's session: a systemd user unit, a launchd agent, or a
Windows Run entry. The installers call ``baitwatch autostart install|remove``, so all three
come from this one module."""

from __future__ import annotations

import os
import plistlib
import sys
from pathlib import Path

from baitwatch.errors import BaitwatchError

SYSTEMD_UNIT = "baitwatch.service"
LAUNCHD_LABEL = "org.baitwatch.daemon"
WINDOWS_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
WINDOWS_RUN_VALUE = "baitwatch"


def platform_kind() -> str:
    if sys.platform == "darwin":
        return "launchd"
    if sys.platform == "win32":
        return "windows"
    return "systemd"


def default_dir(kind: str) -> Path:
    if kind == "systemd":
        return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "systemd" / "user"
    return Path.home() / "Library" / "LaunchAgents"


def serve_command() -> list[str]:
    """The daemon command of this very installation (its virtual environment's Python)."""
    return [sys.executable, "-m", "baitwatch", "serve"]


def systemd_unit(command: list[str]) -> str:
    quoted = " ".join(_systemd_quote(part) for part in command)
    return f"""[Unit]
Description=baitwatch: on-device phishing protection for the browser
After=graphical-session.target

[Service]
Type=simple
ExecStart={quoted}
Restart=on-failure
RestartSec=5

[Install]
WantedBy=default.target
"""


def _systemd_quote(part: str) -> str:
    if part and all(c.isalnum() or c in "/._-+=:@" for c in part):
        return part
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


def launchd_plist(command: list[str], log_dir: Path) -> bytes:
    return plistlib.dumps(
        {
            "Label": LAUNCHD_LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},
            "ProcessType": "Interactive",
            "StandardOutPath": str(log_dir / "daemon.log"),
            "StandardErrorPath": str(log_dir / "daemon.log"),
        }
    )


def install(kind: str, folder: Path | None = None) -> Path | str:
    """Write the autostart entry; returns the file written (or the registry value's name)."""
    command = serve_command()
    if kind == "windows":
        import winreg  # type: ignore[import-not-found]

        pythonw = Path(command[0]).with_name("pythonw.exe")  # no console window at login
        line = " ".join(f'"{part}"' for part in [str(pythonw), *command[1:]])
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, WINDOWS_RUN_VALUE, 0, winreg.REG_SZ, line)
        return rf"HKCU\{WINDOWS_RUN_KEY}\{WINDOWS_RUN_VALUE}"
    folder = folder or default_dir(kind)
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "systemd":
        path = folder / SYSTEMD_UNIT
        path.write_text(systemd_unit(command), encoding="utf-8")
    elif kind == "launchd":
        from baitwatch.paths import data_dir

        path = folder / f"{LAUNCHD_LABEL}.plist"
        path.write_bytes(launchd_plist(command, data_dir()))
    else:
        raise BaitwatchError(f"unknown autostart kind {kind!r}; use systemd, launchd or windows")
    return path


def remove(kind: str, folder: Path | None = None) -> None:
    if kind == "windows":
        import winreg  # type: ignore[import-not-found]

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, WINDOWS_RUN_VALUE)
        except FileNotFoundError:
            pass
        return
    folder = folder or default_dir(kind)
    name = SYSTEMD_UNIT if kind == "systemd" else f"{LAUNCHD_LABEL}.plist"
    (folder / name).unlink(missing_ok=True)
