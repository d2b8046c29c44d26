"""The user's data: settings, allowlist, feedback and familiar sites, under the data folder.

Whole files are written atomically (temp file, fsync, rename), so a crash mid-write leaves
the previous version. Feedback is append-only JSON Lines, so a crash can at worst leave a
half-written last line, which the next start sets aside. A file that cannot be read is never
silently dropped: it is moved aside as ``NAME.corrupt-TIMESTAMP``, logged, reported in
``/v1/status``, and replaced by defaults.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
ALLOWLIST_FILE = "allowlist.json"
FEEDBACK_FILE = "feedback.jsonl"
FAMILIAR_FILE = "familiar.json"
DEFAULT_SETTINGS = {"enabled": True, "familiar_sites": True}
MAX_FEEDBACK_ENTRIES = 100_000


def write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on Windows; the rename is still atomic there
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def set_aside(path: Path) -> Path:
    """Move an unreadable file out of the way, kept for the user to look at: never deleted."""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, aside)
    return aside


def _valid_settings(value) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(name, True), bool) for name in DEFAULT_SETTINGS)


def read_reports(folder: Path) -> tuple[list[dict], frozenset[str]]:
    """The feedback entries and the allowlist, read without changing either file: a retrain
    reads them while the daemon may be appending. Damaged lines and files are skipped."""
    entries = _feedback_entries(folder / FEEDBACK_FILE)[0] if (folder / FEEDBACK_FILE).exists() else []
    try:
        allowlist = json.loads((folder / ALLOWLIST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        allowlist = []
    return entries, frozenset(allowlist if _valid_allowlist(allowlist) else [])


def _feedback_entries(path: Path) -> tuple[list[dict], int]:
    """The JSON object lines of a feedback file, and how many lines were not one."""
    entries, bad = [], 0
    for line in path.read_bytes().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(entry, dict):
            entries.append(entry)
        else:
            bad += 1
    return entries, bad


def _valid_allowlist(value) -> bool:
    return isinstance(value, list) and all(isinstance(domain, str) for domain in value)


def _valid_familiar(value) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("salt"), str)
        and isinstance(value.get("sites"), dict)
        and all(isinstance(days, list) and all(isinstance(day, int) for day in days) for days in value["sites"].values())
    )


def _new_familiar() -> dict:
    return {"salt": secrets.token_hex(16), "sites": {}}


class Store:
    """Settings, allowlist and feedback of one user, safe to call from several threads."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[str] = []
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self._settings = DEFAULT_SETTINGS | self._load_json(SETTINGS_FILE, _valid_settings, DEFAULT_SETTINGS)
        self._allowlist = frozenset(self._load_json(ALLOWLIST_FILE, _valid_allowlist, []))
        self._feedback_count = self._check_feedback()
        self._familiar = self._load_json(FAMILIAR_FILE, _valid_familiar, None) or _new_familiar()

    # --- settings -------------------------------------------------------------------------
    @property
    def settings(self) -> dict:
        return dict(self._settings)

    def update_settings(self, changes: dict) -> dict:
        with self._lock:
            updated = self._settings | changes
            write_atomically(self.folder / SETTINGS_FILE, json.dumps(updated, indent=2) + "\n")
            self._settings = updated
            return dict(updated)

    # --- allowlist ------------------------------------------------------------------------
    @property
    def allowlist(self) -> list[str]:
        return sorted(self._allowlist)

    @property
    def allowed_domains(self) -> frozenset[str]:
        """The allowlist as a set, for the per-check lookup; immutable, so never copied."""
        return self._allowlist

    def allow(self, domain: str) -> list[str]:
        return self._change_allowlist(lambda domains: domains | {domain})

    def disallow(self, domain: str) -> list[str]:
        return self._change_allowlist(lambda domains: domains - {domain})

    def _change_allowlist(self, change) -> list[str]:
        with self._lock:  # read and write under one lock, so concurrent changes are not lost
            domains = change(self._allowlist)
            write_atomically(self.folder / ALLOWLIST_FILE, json.dumps(sorted(domains), indent=2) + "\n")
            self._allowlist = domains
            return sorted(domains)

    # --- familiar sites: salted digests of domains and their visit days (familiar.py) -----
    @property
    def familiar_salt(self) -> bytes:
        return bytes.fromhex(self._familiar["salt"])

    def familiar_days(self, digest: str) -> list[int]:
        return list(self._familiar["sites"].get(digest, ()))

    def add_familiar_days(self, digests: list[str], day: int, keep: int) -> dict[str, list[int]]:
        """Record a visit day for each digest, in one write when any day is new; the latest
        ``keep`` days of each stay. Returns each digest's days."""
        with self._lock:
            sites, changed = self._familiar["sites"], False
            for digest in digests:
                days = sites.get(digest, [])
                if day not in days:
                    sites[digest], changed = sorted([*days, day])[-keep:], True
            if changed:
                write_atomically(self.folder / FAMILIAR_FILE, json.dumps(self._familiar) + "\n")
            return {digest: list(sites[digest]) for digest in digests}

    def forget_familiar(self) -> None:
        """Drop every digest and day, and take a new salt, so old digests match nothing."""
        with self._lock:
            self._familiar = _new_familiar()
            (self.folder / FAMILIAR_FILE).unlink(missing_ok=True)

    # --- feedback -------------------------------------------------------------------------
    @property
    def feedback_count(self) -> int:
        return self._feedback_count

    def add_feedback(self, entry: dict) -> bool:
        """Append one entry; False when the feedback file is full."""
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            if self._feedback_count >= MAX_FEEDBACK_ENTRIES:
                return False
            path = self.folder / FEEDBACK_FILE
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line.encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            self._feedback_count += 1
            return True

    def feedback(self) -> list[dict]:
        path = self.folder / FEEDBACK_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def readable_feedback(self) -> list[dict]:
        """The entries that are JSON objects, read whole after any write under way (a line a
        person mangled by hand is passed over here; the next start sets the file aside)."""
        with self._lock:
            path = self.folder / FEEDBACK_FILE
            return _feedback_entries(path)[0] if path.exists() else []

    def remove_feedback(self, removed) -> int:
        """Rewrite the feedback file without the entries ``removed(entry)`` is true of (atomically:
        a crash leaves the old file); how many went."""
        with self._lock:
            path = self.folder / FEEDBACK_FILE
            entries = _feedback_entries(path)[0] if path.exists() else []
            kept = [entry for entry in entries if not removed(entry)]
            if len(kept) < len(entries):
                write_atomically(self.folder / FEEDBACK_FILE, "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in kept))
                self._feedback_count = len(kept)
            return len(entries) - len(kept)

    # --- reading and setting aside --------------------------------------------------------
    def _load_json(self, name: str, is_valid, default):
        path = self.folder / name
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return default
        except (OSError, ValueError) as error:
            self._set_aside(path, f"unreadable ({error.__class__.__name__})")
            return default
        if not is_valid(value):
            self._set_aside(path, "not in the expected form")
            return default
        return value

    def _check_feedback(self) -> int:
        """Count the entries; a damaged file is set aside and its good lines kept."""
        path = self.folder / FEEDBACK_FILE
        if not path.exists():
            return 0
        entries, bad = _feedback_entries(path)
        good = [json.dumps(entry, ensure_ascii=False) for entry in entries]
        if bad:
            self._set_aside(path, f"{bad} damaged lines")
            write_atomically(path, "".join(line + "\n" for line in good))
        return len(good)

    def _set_aside(self, path: Path, why: str) -> None:
        aside = set_aside(path)
        message = f"{path.name} was {why}; it was moved to {aside.name} and defaults are in use"
        log.warning(message)
        self.problems.append(message)
