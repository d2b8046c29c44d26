"""The sites a retrained model learnt from its person's reports: the model's memory of them.

Nearly every mistake a person reports is a site of its own, a new name that shares its
letters with thousands of real sites: a URL model cannot learn one of them from its n-grams
without flagging real sites too (benchmarks/retrain_speed.py measured it). So ``baitwatch
retrain`` writes the reported sites into the model it makes (``model_export/retrain.py``), and
the person's own checks get the learnt verdict for every URL of such a site: the score 1 for a
site reported as phishing, 0 for one reported as not phishing or trusted (``service.py``).
Checks without the token get the model's own score, as for the reports themselves: which sites
a person reported says what they browsed. A site is its trust scope (``platforms.py``): a
registrable domain, or one user's site on a shared platform.

The file names each site by its HMAC-SHA256 under a random key of the person's
(``learnt_sites.key`` in the data folder, the same for each of their retrains, so that the
same reports make the same model). The key is in the file too: the digests hide nothing from
whoever can read the model folder (who can read the reports themselves), but the model's id,
which any local process may read, hashes the file, and without the key it cannot be matched
against guessed sites.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.platforms import trust_scope_or_none
from baitwatch.urls import InvalidUrl, canonicalize

LEARNT_SITES_FILE = "learnt_sites.json"
KEY_FILE = "learnt_sites.key"
SCORES = {"phishing": 1.0, "safe": 0.0}  # the learnt verdict of every URL of a site, as a score
MAX_FILE_BYTES = 64 << 20  # about 450,000 sites: far more than a person reports
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class LearntSites:
    key: bytes
    verdicts: dict[str, str]  # a site's digest -> "phishing" or "safe"

    @classmethod
    def of_sites(cls, verdicts: dict[str, str], key: bytes) -> LearntSites:
        """From sites (trust scopes, by name) and their verdicts."""
        return cls(key, {_digest(key, site): verdict for site, verdict in verdicts.items()})

    def verdict(self, site: str | None) -> str | None:
        """The learnt verdict of a site (a trust scope), or None."""
        return None if site is None else self.verdicts.get(_digest(self.key, site))

    def apply(self, urls: list[str], scores: np.ndarray) -> np.ndarray:
        """``scores`` of the canonical URLs ``urls``, with the learnt verdict of each learnt site."""
        scores = np.array(scores, copy=True)
        for index, url in enumerate(urls):
            try:
                verdict = self.verdict(trust_scope_or_none(canonicalize(url)))
            except InvalidUrl:
                continue
            if verdict is not None:
                scores[index] = SCORES[verdict]
        return scores

    def counts(self) -> dict[str, int]:
        listed = list(self.verdicts.values())
        return {verdict: listed.count(verdict) for verdict in SCORES}

    def save(self, path: Path) -> None:
        by_verdict = {verdict: sorted(d for d, v in self.verdicts.items() if v == verdict) for verdict in SCORES}
        path.write_text(json.dumps({"key": self.key.hex()} | by_verdict, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def parse(cls, data: bytes, path: Path) -> LearntSites:
        """The learnt sites from the bytes of ``path``; a clear error for anything else."""
        if len(data) > MAX_FILE_BYTES:
            raise BaitwatchError(f"the learnt sites {path} are {len(data):,} bytes, more than the {MAX_FILE_BYTES:,} a model may hold")
        try:
            stored = json.loads(data.decode("utf-8"))
            lists = [(verdict, stored.get(verdict, [])) for verdict in SCORES]
            key = stored["key"]
        except (ValueError, AttributeError, KeyError, RecursionError) as error:
            raise BaitwatchError(f"the learnt sites {path} are unreadable ({error})") from None
        digests = [digest for _, listed in lists for digest in (listed if isinstance(listed, list) else [None])]
        if not all(_is_sha256(value) for value in [key, *digests]) or len(set(digests)) != len(digests):
            raise BaitwatchError(f"the learnt sites {path} are malformed: a key and sites must each be a SHA-256 in "
                                 "hexadecimal, each site listed once")
        return cls(bytes.fromhex(key), {digest: verdict for verdict, listed in lists for digest in listed})


def personal_key(data_folder: Path, known: bytes | None = None) -> bytes:
    """The person's key for the sites their retrains learn, kept in the data folder. Where there
    is none, or a damaged one, it is ``known`` (the key of the model in use, so that the same
    reports keep making the same model) or a new random one."""
    from baitwatch.store import write_atomically

    path = data_folder / KEY_FILE
    try:
        text = path.read_bytes().decode("ascii", "replace").strip()
    except FileNotFoundError:
        text = None
    except OSError as error:
        raise BaitwatchError(f"cannot read the key of your learnt sites, {path} ({error.strerror})") from None
    if text is not None and _is_sha256(text):
        return bytes.fromhex(text)
    key = known or secrets.token_bytes(32)
    if text is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # made once: of two retrains starting together, the second reads the first's
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return personal_key(data_folder, known)
        with os.fdopen(descriptor, "w", encoding="ascii") as stream:
            stream.write(key.hex() + "\n")
    else:
        write_atomically(path, key.hex() + "\n")  # a damaged key is replaced
    return key


def _digest(key: bytes, site: str) -> str:
    return hmac.new(key, site.encode("utf-8"), hashlib.sha256).hexdigest()


def _is_sha256(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX
