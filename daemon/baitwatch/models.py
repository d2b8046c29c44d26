"""Models as user data: installed model folders, and the record of which one is active.

An installed model is a whole folder, ``<data>/models/<id>/``, named by its card's id.
Installing copies it into a hidden temporary folder inside the store, loads it there (the
card's hash check included) and renames it into place, so a half-copied or broken model is
never listed. ``shipped`` names the model inside the package: always there, never installed.

``models/active.json`` records the active choice and the ones before it, newest first, for
``rollback``. It is written atomically; one that cannot be read is set aside (never deleted)
and the shipped model is used, and no model folder is ever touched by that.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.errors import BaitwatchError
from baitwatch.learnt_sites import SCORES
from baitwatch.store import set_aside, write_atomically

log = logging.getLogger(__name__)

SHIPPED = "shipped"
RECORD_FILE = "active.json"
KEPT_PREVIOUS = 5
# A model id becomes a folder name: a plain name, so no id can point outside the store.
MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class UnknownModel(BaitwatchError):
    """The id names no installed model."""


@dataclass(frozen=True)
class ModelRecord:
    """The active choice (``SHIPPED`` or an installed id) and the previous ones, newest first."""

    active: str = SHIPPED
    previous: tuple[str, ...] = ()

    def used(self, choice: str) -> ModelRecord:
        return ModelRecord(choice, tuple(c for c in (self.active, *self.previous) if c != choice)[:KEPT_PREVIOUS])

    def rolled_back(self) -> ModelRecord:
        return ModelRecord(self.previous[0], self.previous[1:])

    @classmethod
    def from_json(cls, value) -> ModelRecord | None:
        """The record, or None when ``value`` is not one."""
        if not isinstance(value, dict) or set(value) != {"active", "previous"} or not isinstance(value["previous"], list):
            return None
        choices = [value["active"], *value["previous"]]
        if not all(isinstance(c, str) and (c == SHIPPED or MODEL_ID.fullmatch(c)) for c in choices):
            return None
        return cls(value["active"], tuple(value["previous"]))

    def as_json(self) -> dict:
        return {"active": self.active, "previous": list(self.previous)}


class ModelStore:
    """The installed models of one user; creates nothing until a model is installed or chosen."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.problems: list[str] = []
        self._lock = threading.Lock()

    # --- what is there ----------------------------------------------------------------
    def installed(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_dir() and MODEL_ID.fullmatch(p.name))

    def resolve(self, name: str) -> str:
        """The choice ``name`` stands for: ``shipped`` (or the shipped model's id) or an installed id."""
        if name == ModelCard.read(SHIPPED_MODEL_DIR).id:
            return SHIPPED
        self.folder_of(name)  # only a listed name is taken: never a path
        return name

    def folder_of(self, choice: str) -> Path:
        if choice == SHIPPED:
            return SHIPPED_MODEL_DIR
        if choice in self.installed():
            return self.folder / choice
        raise UnknownModel(f"no installed model has the id {choice!r}; 'baitwatch model list' shows those that do")

    def describe(self) -> list[dict]:
        """The shipped model, then each installed one: its id, whether it is the shipped one,
        when it was exported, and how many sites it learnt from the person's reports, by verdict
        (a card that cannot be read says why instead)."""
        entries = []
        for choice in (SHIPPED, *self.installed()):
            entry = {"id": choice, "shipped": choice == SHIPPED, "exported": None}
            try:
                card = ModelCard.read(self.folder_of(choice))
                entry |= {"id": card.id, "exported": card.raw.get("exported")}
                if card.learnt_sites_sha256 is not None:
                    learnt = card.raw["learnt_sites"]
                    entry["learnt_sites"] = {verdict: count for verdict in SCORES if isinstance(count := learnt.get(verdict), int)}
            except BaitwatchError as error:
                entry["problem"] = str(error)
            entries.append(entry)
        return entries

    # --- the record of the active model -----------------------------------------------
    def record(self) -> ModelRecord:
        path = self.folder / RECORD_FILE
        try:
            record = ModelRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return ModelRecord()
        except (OSError, ValueError):
            record = None
        if record is None:
            with self._lock:
                if path.exists():  # another thread may have set it aside already
                    aside = set_aside(path)
                    self._problem(f"the record of the active model was unreadable; it was moved to {aside.name} and the shipped model is in use")
            return ModelRecord()
        return record

    def write_record(self, record: ModelRecord) -> None:
        with self._lock:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(self.folder / RECORD_FILE, json.dumps(record.as_json(), indent=2) + "\n")

    def _problem(self, message: str) -> None:
        log.warning(message)
        self.problems.append(message)

    # --- installing ---------------------------------------------------------------------
    def install(self, source: Path) -> str:
        """Copy the model folder ``source`` into the store and return its id; it is listed
        only once the copy has loaded."""
        _, card = Classifier.from_model_dir(source)  # a clear error about the source first
        if not MODEL_ID.fullmatch(card.id):
            raise BaitwatchError(f"the model id {card.id!r} in {source} is not a plain name of letters, digits, '.', '_' and '-'")
        if card.id == ModelCard.read(SHIPPED_MODEL_DIR).id:
            raise BaitwatchError(f"the model {card.id} is the shipped model, which is always installed")
        target = self.folder / card.id
        if target.exists():
            raise BaitwatchError(f"a model with the id {card.id} is already installed")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".install-", dir=self.folder))
        try:
            shutil.copytree(source, temp, dirs_exist_ok=True)
            _user_only(temp)
            _, copied = Classifier.from_model_dir(temp)
            if copied.id != card.id:
                raise BaitwatchError(f"the model in {source} changed while it was copied; nothing was installed")
            os.rename(temp, target)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        log.info("installed the model %s", card.id)
        return card.id


def _user_only(folder: Path) -> None:
    """Other local users may not read the user's models (a retrained one learnt their browsing)."""
    os.chmod(folder, 0o700)
    for parent, folders, files in os.walk(folder):
        for name in folders:
            os.chmod(os.path.join(parent, name), 0o700)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o600)
